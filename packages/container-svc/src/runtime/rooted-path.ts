import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '@flotilla/proto';

export const maxSymlinkHops = 255;

/** Whether a filesystem call failed because the path is not there (a component missing, or a file where a directory should be). */
export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * The host path of `path` inside the directory `root`, its symlinks resolved as the container
 * would resolve them: an absolute target starts again at `root`, and `..` never climbs above it.
 * Components that do not exist are kept as written. Like any path check, it holds only while
 * nothing inside `root` changes the walked components meanwhile. Its calls are synchronous:
 * microseconds each, where the thread pool's round trip per component cost more (docker cp
 * resolves a path per entry).
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
    let stats;
    try {
      stats = lstatSync(hostPath, { throwIfNoEntry: false });
    } catch (err) {
      // A component below a file.
      if ((err as NodeJS.ErrnoException).code !== 'ENOTDIR') throw err;
    }
    if (!stats?.isSymbolicLink()) {
      resolved.push(name);
      continue;
    }
    if (++hops > maxSymlinkHops) throw EngineError.invalid(`too many levels of symbolic links resolving ${path}`);
    const target = readlinkSync(hostPath);
    if (target.startsWith('/')) resolved.length = 0;
    pending = [...target.split('/'), ...pending];
  }
  return join(root, ...resolved);
}
