import type { BigIntStats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FilesystemChange } from '../core/filesystem-changes.js';

async function lstatIfExists(path: string): Promise<BigIntStats | undefined> {
  return lstat(path, { bigint: true }).catch(() => undefined);
}

/** An overlay whiteout: a character device 0/0 hides what the layers below have at its path. */
const isWhiteout = (stats: BigIntStats) => stats.isCharacterDevice() && stats.rdev === 0n;

/** What the lower layers (topmost first) show at a path: the first entry found, unless it is a whiteout. */
async function lowerEntry(lowers: readonly string[], path: string): Promise<BigIntStats | undefined> {
  for (const lower of lowers) {
    const stats = await lstatIfExists(join(lower, path));
    if (stats) return isWhiteout(stats) ? undefined : stats;
  }
  return undefined;
}

/** A directory copied up only because something inside it changed keeps its owner, mode and time. */
const sameDirectory = (a: BigIntStats, b: BigIntStats) => b.isDirectory() && a.mode === b.mode && a.uid === b.uid && a.gid === b.gid && a.mtimeNs === b.mtimeNs;

/**
 * `docker diff` of an overlay snapshot: what its upper directory adds (A), changes (C) or
 * deletes (D, whiteouts) over the lower layers. Opaque directories (an xattr Node cannot read)
 * show as changed, without the deletions they hide.
 */
export async function layerChanges(upper: string, lowers: readonly string[]): Promise<FilesystemChange[]> {
  const changes: FilesystemChange[] = [];
  const walk = async (path: string, added: boolean): Promise<void> => {
    for (const name of (await readdir(join(upper, path))).sort()) {
      const child = `${path}/${name}`;
      const stats = await lstat(join(upper, child), { bigint: true });
      if (isWhiteout(stats)) {
        changes.push({ path: child, kind: 'deleted' });
        continue;
      }
      const below = added ? undefined : await lowerEntry(lowers, child);
      if (!below) changes.push({ path: child, kind: 'added' });
      else if (!(stats.isDirectory() && sameDirectory(stats, below))) changes.push({ path: child, kind: 'changed' });
      if (stats.isDirectory()) await walk(child, !below);
    }
  };
  await walk('', false);
  return changes;
}
