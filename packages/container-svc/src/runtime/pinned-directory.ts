import { chmodSync, chownSync, closeSync, constants, fstatSync, lchownSync, lstatSync, lutimesSync, openSync, readdirSync, readFileSync, readlinkSync, rmdirSync, unlinkSync, utimesSync } from 'node:fs';
import { posix } from 'node:path';
import { EngineError } from '@flotilla/proto';
import { isMissing, maxSymlinkHops } from './rooted-path.js';

/** open(2)'s O_PATH (Linux): a descriptor that holds an inode without opening it for I/O. */
const O_PATH = 0o10000000;
const directoryFlags = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/**
 * A path through which the kernel reaches what the descriptor holds (and `name` in it), whatever
 * happened since to the path that opened it. Valid in child processes too.
 */
function descriptorPath(fd: number, name?: string): string {
  return name === undefined ? `/proc/${process.pid}/fd/${fd}` : `/proc/${process.pid}/fd/${fd}/${name}`;
}

/**
 * A directory of a container held open. A name looked up in it cannot be sent elsewhere by a
 * directory above it being renamed or swapped for a symlink, as a running container may do while
 * `docker cp` works in it (the symlink-exchange race of CVE-2018-15664).
 */
export class PinnedDirectory {
  constructor(
    readonly fd: number,
    /** Where the directory was, as a path of the container without symlinks. */
    readonly containerPath: string,
  ) {}

  /** `name` in this directory, for calls that never follow a symlink there (lstat, O_NOFOLLOW, mkdir, symlink, unlink, lchown). */
  entry(name: string): string {
    return descriptorPath(this.fd, name);
  }

  /** The names in this directory. */
  list(): string[] {
    return readdirSync(descriptorPath(this.fd));
  }

  /** The directory `name` in this one, opened without following a symlink in its place. */
  open(name: string): PinnedDirectory {
    return new PinnedDirectory(openSync(this.entry(name), directoryFlags), `${this.containerPath.replace(/\/$/, '')}/${name}`);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * The directory at `path` inside `root`, opened a component at a time below the last one. A
 * symlink on the way is resolved as the container would resolve it: an absolute target starts
 * again at `root`, and `..` never climbs above it. The root itself is followed (a running
 * container's is the magic link /proc/<pid>/root). A missing component or a file fails as open
 * does (ENOENT, ENOTDIR).
 */
export function openDirectoryInRoot(root: string, path: string): PinnedDirectory {
  const opened = [new PinnedDirectory(openSync(root, constants.O_RDONLY | constants.O_DIRECTORY), '/')];
  let pending = path.split('/');
  let hops = 0;
  try {
    while (pending.length) {
      const name = pending.shift()!;
      if (name === '' || name === '.') continue;
      if (name === '..') {
        if (opened.length > 1) opened.pop()!.close();
        continue;
      }
      const current = opened[opened.length - 1];
      if (!lstatSync(current.entry(name)).isSymbolicLink()) {
        // A symlink put there since the lstat fails this open (ELOOP) rather than leading elsewhere.
        opened.push(current.open(name));
        continue;
      }
      if (++hops > maxSymlinkHops) throw EngineError.invalid(`too many levels of symbolic links resolving ${path}`);
      const target = readlinkSync(current.entry(name));
      if (target.startsWith('/')) while (opened.length > 1) opened.pop()!.close();
      pending = [...target.split('/'), ...pending];
    }
  } catch (err) {
    for (const directory of opened) directory.close();
    throw err;
  }
  const directory = opened.pop()!;
  for (const above of opened) above.close();
  return directory;
}

/**
 * The text of the file at `path` inside `root`, symlinks resolved as the container would resolve
 * them (see openDirectoryInRoot), the file itself opened without following one; undefined when
 * there is none.
 */
export function readFileInRoot(root: string, path: string): string | undefined {
  let current = posix.normalize(`/${path}`);
  for (let hops = 0; hops <= maxSymlinkHops; hops++) {
    let directory: PinnedDirectory;
    try {
      directory = openDirectoryInRoot(root, posix.dirname(current));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    try {
      const name = posix.basename(current);
      const stats = lstatSync(directory.entry(name), { throwIfNoEntry: false });
      if (!stats) return undefined;
      if (!stats.isSymbolicLink()) {
        if (!stats.isFile()) return undefined;
        const fd = openSync(directory.entry(name), constants.O_RDONLY | constants.O_NOFOLLOW);
        try {
          return readFileSync(fd, 'utf8');
        } finally {
          closeSync(fd);
        }
      }
      const target = readlinkSync(directory.entry(name));
      current = target.startsWith('/') ? posix.normalize(target) : posix.join(directory.containerPath, target);
    } finally {
      directory.close();
    }
  }
  throw EngineError.invalid(`too many levels of symbolic links resolving ${path}`);
}

/**
 * Gives what `name` in `directory` is now its owner, mode and modification time. The inode is
 * held first: chmod and utimes follow symlinks, so a symlink is changed by name with the calls
 * that do not (its mode is not changed), everything else through its descriptor.
 */
export function setAttributes(directory: PinnedDirectory, name: string, attributes: { uid: number; gid: number; mode?: number; mtime?: Date }): void {
  const { uid, gid, mode, mtime } = attributes;
  const fd = openSync(directory.entry(name), O_PATH | constants.O_NOFOLLOW);
  try {
    if (fstatSync(fd).isSymbolicLink()) {
      lchownSync(directory.entry(name), uid, gid);
      if (mtime) lutimesSync(directory.entry(name), mtime, mtime);
      return;
    }
    const held = descriptorPath(fd);
    chownSync(held, uid, gid);
    // chown clears setuid and setgid: the mode goes after it.
    if (mode !== undefined) chmodSync(held, mode);
    if (mtime) utimesSync(held, mtime, mtime);
  } finally {
    closeSync(fd);
  }
}

/** Removes `name` from `directory`, a directory with all it holds, never following a symlink. */
export function removeEntry(directory: PinnedDirectory, name: string): void {
  if (!lstatSync(directory.entry(name)).isDirectory()) {
    unlinkSync(directory.entry(name));
    return;
  }
  const inside = directory.open(name);
  try {
    for (const child of inside.list()) removeEntry(inside, child);
  } finally {
    inside.close();
  }
  rmdirSync(directory.entry(name));
}
