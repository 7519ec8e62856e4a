import { constants, type Stats } from 'node:fs';
import { lstat, open, readlink, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '@flotilla/proto';
import { isMissing } from './rooted-path.js';

/** A mount as containerd's snapshotter returns it. */
export interface RootfsMount {
  type: string;
  source: string;
  options: readonly string[];
}

/** A directory of the merged view: its rootfs path and the layers it draws entries from, topmost first. */
interface MergedDir {
  path: string[];
  layers: string[];
}

type Entry = { kind: 'dir'; layers: string[] } | { kind: 'file' | 'symlink' | 'other'; hostPath: string };

const maxSymlinkHops = 10;
const maxFileBytes = 1024 * 1024;

/**
 * Reads a file of a container's root filesystem straight from its snapshot layers, as the
 * overlay mount would show it, so nothing needs mounting. Undefined when the path is absent or
 * is not a regular file. Symlinks resolve inside the rootfs, never against the host's root.
 * Opaque directories (xattr trusted.overlay.opaque) are not honoured: Node cannot read xattrs.
 */
export async function readRootfsFile(mounts: readonly RootfsMount[], path: string): Promise<string | undefined> {
  // Canonical layer paths let the final read check where the kernel really opened the file.
  const layers = await Promise.all(layerDirs(mounts).map((dir) => realpath(dir)));
  const hostPath = await resolveInRootfs(layers, path);
  return hostPath === undefined ? undefined : readRegularFile(hostPath, path);
}

/** The layer directories behind the mount, topmost first. */
export function layerDirs(mounts: readonly RootfsMount[]): string[] {
  const [mount] = mounts;
  if (mounts.length === 1 && mount.type === 'bind') return [mount.source];
  if (mounts.length === 1 && mount.type === 'overlay') {
    const option = (key: string) => mount.options.find((o) => o.startsWith(`${key}=`))?.slice(key.length + 1);
    const upper = option('upperdir');
    const lower = option('lowerdir');
    return [...(upper ? [upper] : []), ...(lower ? lower.split(':') : [])];
  }
  const types = mounts.map((m) => m.type).join(', ') || 'no';
  throw EngineError.notImplemented(`reading a root filesystem from ${types} mounts is not supported`);
}

/** Walks `path` component by component through the merged layers, returning the host path of the file it names. */
async function resolveInRootfs(layers: string[], path: string): Promise<string | undefined> {
  const ancestry: MergedDir[] = [{ path: [], layers }];
  let pending = componentsOf(path);
  let hops = 0;
  for (let name = pending.shift(); name !== undefined; name = pending.shift()) {
    if (name === '..') {
      // `..` stops at the rootfs root, as it does at `/`.
      if (ancestry.length > 1) ancestry.pop();
      continue;
    }
    const dir = ancestry[ancestry.length - 1];
    const entry = await lookup(dir, name);
    if (entry === undefined) return undefined;
    if (entry.kind === 'symlink') {
      if (++hops > maxSymlinkHops) throw EngineError.invalid(`too many levels of symbolic links resolving ${path}`);
      const target = await readlink(entry.hostPath);
      if (target.startsWith('/')) ancestry.splice(1);
      pending = [...componentsOf(target), ...pending];
    } else if (pending.length === 0) {
      return entry.kind === 'file' ? entry.hostPath : undefined;
    } else if (entry.kind === 'dir') {
      ancestry.push({ path: [...dir.path, name], layers: entry.layers });
    } else {
      return undefined;
    }
  }
  return undefined;
}

function componentsOf(path: string): string[] {
  return path.split('/').filter((c) => c !== '' && c !== '.');
}

/**
 * The topmost layer's entry for `name`. A directory merges with the same directory in the layers
 * below; anything else hides them, so an overlay whiteout (a 0/0 character device) reads as absent.
 */
async function lookup(dir: MergedDir, name: string): Promise<Entry | undefined> {
  for (const [index, layer] of dir.layers.entries()) {
    const hostPath = join(layer, ...dir.path, name);
    const stats = await lstatIfExists(hostPath);
    if (stats === undefined) continue;
    if (stats.isDirectory()) return { kind: 'dir', layers: await layersOfDir(dir, name, index) };
    return { kind: stats.isFile() ? 'file' : stats.isSymbolicLink() ? 'symlink' : 'other', hostPath };
  }
  return undefined;
}

/** The layers, from `top` down, whose `name` directory shows through: a whiteout or non-directory hides those below it. */
async function layersOfDir(dir: MergedDir, name: string, top: number): Promise<string[]> {
  const layers: string[] = [];
  for (const layer of dir.layers.slice(top)) {
    const stats = await lstatIfExists(join(layer, ...dir.path, name));
    if (stats === undefined) continue;
    if (!stats.isDirectory()) break;
    layers.push(layer);
  }
  return layers;
}

async function lstatIfExists(hostPath: string): Promise<Stats | undefined> {
  try {
    return await lstat(hostPath);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

async function readRegularFile(hostPath: string, path: string): Promise<string | undefined> {
  // NOFOLLOW and NONBLOCK: a running container may have swapped the file for a symlink or a FIFO since the walk.
  const handle = await open(hostPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((err: unknown) => {
    if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'ELOOP') return undefined;
    throw err;
  });
  if (handle === undefined) return undefined;
  try {
    if (!(await handle.stat()).isFile()) return undefined;
    // A directory swapped for a symlink mid-walk would land outside the layers (the CVE-2018-15664 race).
    if ((await readlink(`/proc/self/fd/${handle.fd}`)) !== hostPath) {
      throw EngineError.invalid(`${path} changed while it was being read from the container's root filesystem`);
    }
    const buffer = Buffer.alloc(maxFileBytes + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > maxFileBytes) throw EngineError.invalid(`${path} in the container's root filesystem is larger than 1 MiB`);
    return buffer.toString('utf8', 0, bytesRead);
  } finally {
    await handle.close();
  }
}
