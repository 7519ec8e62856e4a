import { readFile } from 'node:fs/promises';
import type { SourceMount } from '../core/container-mounts.js';

/** mountinfo escapes spaces, tabs, newlines and backslashes in paths as octal. */
const unescape = (path: string) => path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

interface MountEntry {
  mountPoint: string;
  /** The optional fields: `shared:N`, `master:N`, `propagate_from:N`, `unbindable`. */
  optional: string[];
}

async function mountTable(): Promise<MountEntry[]> {
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  return table
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const fields = line.split(' ');
      return { mountPoint: unescape(fields[4]), optional: fields.slice(6, fields.indexOf('-')) };
    });
}

/** Whether something is mounted on `path` (its fifth mountinfo field), in this process's mount namespace. */
export async function isMountPoint(path: string): Promise<boolean> {
  return (await mountTable()).some((entry) => entry.mountPoint === path);
}

/** The mount that holds `path` (already resolved): the last of the deepest mount points above it, as it is the one on top. */
export async function mountHolding(path: string): Promise<SourceMount> {
  const above = (mountPoint: string) => mountPoint === '/' || path === mountPoint || path.startsWith(`${mountPoint}/`);
  let holding: MountEntry | undefined;
  for (const entry of await mountTable()) {
    if (above(entry.mountPoint) && (!holding || entry.mountPoint.length >= holding.mountPoint.length)) holding = entry;
  }
  const optional = holding?.optional ?? [];
  return { mountPoint: holding?.mountPoint ?? '/', shared: optional.some((o) => o.startsWith('shared:')), slave: optional.some((o) => o.startsWith('master:')) };
}
