import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '@flotilla/proto';

const maxSymlinkHops = 255;

/**
 * The host path of `path` inside the directory `root`, its symlinks resolved as the container
 * would resolve them: an absolute target starts again at `root`, and `..` never climbs above it.
 * Components that do not exist are kept as written. Like any path check, it holds only while
 * nothing inside `root` changes the walked components meanwhile.
 */
export async function resolveInRoot(root: string, path: string): Promise<string> {
  const resolved: string[] = [];
  let pending = path.split('/');
  let hops = 0;
  while (pending.length) {
    const name = pending.shift()!;
    if (name === '' || name === '.') continue;
    if (name === '..') {
      resolved.pop();
      continue;
    }
    const hostPath = join(root, ...resolved, name);
    const stats = await lstat(hostPath).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
      throw err;
    });
    if (!stats?.isSymbolicLink()) {
      resolved.push(name);
      continue;
    }
    if (++hops > maxSymlinkHops) throw EngineError.invalid(`too many levels of symbolic links resolving ${path}`);
    const target = await readlink(hostPath);
    if (target.startsWith('/')) resolved.length = 0;
    pending = [...target.split('/'), ...pending];
  }
  return join(root, ...resolved);
}
