import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  futimesSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  symlinkSync,
  writeSync,
  type BigIntStats,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, pack, type Headers, type Pack } from 'tar-stream';
import { EngineError } from '@flotilla/proto';
import { drained, runCommand } from '@flotilla/kit';
import type { ContainerArchives, ExtractOptions, PathStat } from '../core/ports.js';
import { resolveUser } from '../core/user-lookup.js';
import { openDirectoryInRoot, readFileInRoot, removeEntry, setAttributes, type PinnedDirectory } from './pinned-directory.js';
import { isMissing, resolveInRoot } from './rooted-path.js';

/** Files are read a MiB at a time: fewer, larger chunks through the tar stream. */
const readChunkBytes = 1024 * 1024;

/** Go's os.FileMode type bits, as dockerd sends them. */
const goMode = { dir: 2 ** 31, symlink: 2 ** 27, device: 2 ** 26, pipe: 2 ** 25, socket: 2 ** 24, setuid: 2 ** 23, setgid: 2 ** 22, charDevice: 2 ** 21, sticky: 2 ** 20 };

function fileMode(stats: BigIntStats): number {
  const mode = Number(stats.mode);
  let bits = mode & 0o777;
  if (mode & 0o4000) bits += goMode.setuid;
  if (mode & 0o2000) bits += goMode.setgid;
  if (mode & 0o1000) bits += goMode.sticky;
  if (stats.isDirectory()) bits += goMode.dir;
  else if (stats.isSymbolicLink()) bits += goMode.symlink;
  else if (stats.isFIFO()) bits += goMode.pipe;
  else if (stats.isSocket()) bits += goMode.socket;
  else if (stats.isCharacterDevice()) bits += goMode.device + goMode.charDevice;
  else if (stats.isBlockDevice()) bits += goMode.device;
  return bits;
}

/** What a container path names: the directory holding it (held open) and its name there; `name` is absent when the path names the directory itself (`/`, `dir/.`). */
interface Located {
  directory: PinnedDirectory;
  name?: string;
  base: string;
  stats: BigIntStats;
}

/** A container path as dockerd splits it: its directory (symlinks followed) and its last component (not followed). */
function locate(root: string, path: string, container: string): Located {
  const clean = posix.normalize(`/${path}`);
  const base = path.endsWith('/.') ? '.' : posix.basename(clean) || '/';
  const whole = clean === '/' || base === '.';
  let directory: PinnedDirectory;
  try {
    directory = openDirectoryInRoot(root, whole ? clean : posix.dirname(clean));
  } catch (err) {
    if (isMissing(err)) throw notFound(path, container);
    throw err;
  }
  const name = whole ? undefined : posix.basename(clean);
  const stats = name === undefined ? fstatSync(directory.fd, { bigint: true }) : lstatSync(directory.entry(name), { bigint: true, throwIfNoEntry: false });
  if (!stats) {
    directory.close();
    throw notFound(path, container);
  }
  return { directory, name, base, stats };
}

function notFound(path: string, container: string): EngineError {
  return EngineError.notFound(`Could not find the file ${path} in container ${container}`);
}

/** HEAD /containers/{id}/archive: what is at the path; a symlink's target is given as a path of the container. */
export async function statPath(root: string, path: string, container: string): Promise<PathStat> {
  const located = locate(root, path, container);
  try {
    return await pathStatOf(root, path, located);
  } finally {
    located.directory.close();
  }
}

async function pathStatOf(root: string, path: string, { stats, base }: Located): Promise<PathStat> {
  let linkTarget = '';
  if (stats.isSymbolicLink()) {
    const resolved = await resolveInRoot(root, posix.normalize(`/${path}`));
    linkTarget = `/${posix.relative(root, resolved)}`;
  }
  return { name: base, size: Number(stats.size), mode: fileMode(stats), mtime: new Date(Number(stats.mtimeMs)), linkTarget };
}

const deviceNumbers = (rdev: bigint) => ({ devmajor: Number((rdev >> 8n) & 0xfffn), devminor: Number((rdev & 0xffn) | ((rdev >> 12n) & 0xfff00n)) });

/** The tar header of one entry; undefined for what tar cannot hold (sockets). */
function headerOf(name: string, stats: BigIntStats, linkname?: string): Headers | undefined {
  const common = { name, mode: Number(stats.mode) & 0o7777, uid: Number(stats.uid), gid: Number(stats.gid), mtime: new Date(Number(stats.mtimeMs)) };
  if (linkname !== undefined) return { ...common, type: 'link', linkname, size: 0 };
  if (stats.isFile()) return { ...common, type: 'file', size: Number(stats.size) };
  // Directories end with a slash, as Go's archive/tar (and dockerd) writes them.
  if (stats.isDirectory()) return { ...common, name: `${name}/`, type: 'directory' };
  if (stats.isFIFO()) return { ...common, type: 'fifo' };
  if (stats.isCharacterDevice()) return { ...common, type: 'character-device', ...deviceNumbers(stats.rdev) };
  if (stats.isBlockDevice()) return { ...common, type: 'block-device', ...deviceNumbers(stats.rdev) };
  return undefined;
}

/**
 * A file's bytes into its entry, read as the archive takes them. The file is opened without
 * following a symlink put in its place since the walk saw it; a file that grew since is cut at
 * the size in its header, one that shrank is an error.
 */
async function copyFileInto(entry: Writable, hostPath: string, size: number): Promise<void> {
  const file = await open(hostPath, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    for (let left = size; left > 0; ) {
      const wanted = Math.min(left, readChunkBytes);
      const { bytesRead, buffer } = await file.read(Buffer.allocUnsafe(wanted), 0, wanted);
      if (bytesRead === 0) throw new Error(`${hostPath} shrank while it was archived`);
      left -= bytesRead;
      if (!entry.write(buffer.subarray(0, bytesRead))) await drained(entry);
      if (entry.destroyed) return;
    }
    entry.end();
  } finally {
    await file.close();
  }
}

function addEntry(archive: Pack, header: Headers, directory: PinnedDirectory, name?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const entry = archive.entry(header, (err) => (err ? reject(err) : resolve()));
    // A failure reaches the reader through the archive, which the walk destroys with it; the
    // entry, destroyed along, must not throw it a second time as an unheard 'error'.
    entry.on('error', () => undefined);
    if (header.type === 'file' && header.size) copyFileInto(entry, directory.entry(name!), header.size).catch(reject);
    else entry.end();
  });
}

/**
 * GET /containers/{id}/archive: a tar of what is at the path, named after its last component,
 * walked without following symlinks (a symlink is archived as one). Hard links inside are kept.
 */
export async function archivePath(root: string, path: string, container: string): Promise<{ stat: PathStat; tar: Readable }> {
  // Statted first: a missing path is a 404 before any byte of the archive.
  const located = locate(root, path, container);
  let pathStat: PathStat;
  try {
    pathStat = await pathStatOf(root, path, located);
  } catch (err) {
    located.directory.close();
    throw err;
  }
  const archive = pack();
  const seen = new Map<string, string>();
  // One entry, named `archiveName`, and what it holds; it is `name` in `directory`, or the directory
  // itself without a name. Directories are walked through descriptors: see PinnedDirectory.
  const walk = async (archiveName: string, stats: BigIntStats, directory: PinnedDirectory, name?: string): Promise<void> => {
    // The root itself has no entry: its contents are the archive (as docker export writes it).
    if (archiveName !== '') {
      const inode = `${stats.dev}:${stats.ino}`;
      const first = !stats.isDirectory() && stats.nlink > 1n ? seen.get(inode) : undefined;
      if (!stats.isDirectory() && stats.nlink > 1n && !first) seen.set(inode, archiveName);
      const header = stats.isSymbolicLink()
        ? { ...headerOf(archiveName, stats, '')!, type: 'symlink' as const, linkname: readlinkSync(directory.entry(name!)) }
        : headerOf(archiveName, stats, first);
      if (!header) return;
      await addEntry(archive, header, directory, name);
    }
    if (!stats.isDirectory()) return;
    const inside = name === undefined ? directory : directory.open(name);
    try {
      for (const child of inside.list().sort()) {
        const childStats = lstatSync(inside.entry(child), { bigint: true, throwIfNoEntry: false });
        if (childStats) await walk(archiveName === '' ? child : posix.join(archiveName, child), childStats, inside, child);
      }
    } finally {
      if (inside !== directory) inside.close();
    }
  };
  const { directory, name, base, stats } = located;
  walk(base === '/' ? '' : base, stats, directory, name)
    .then(
      () => archive.finalize(),
      (err: Error) => archive.destroy(err),
    )
    .finally(() => directory.close());
  return { stat: pathStat, tar: archive };
}

/** An entry's path inside the target directory (leading slashes dropped, as tar does); one that leaves it (`../`) is refused, as dockerd refuses it. */
function entryPath(name: string): string {
  const clean = posix.normalize(name.replace(/^\/+/, '') || '.').replace(/\/+$/, '');
  if (clean === '..' || clean.startsWith('../')) throw EngineError.invalid(`${JSON.stringify(name)} is outside of the extraction directory`);
  return clean;
}

function removeExisting(directory: PinnedDirectory, base: string, isDirectory: boolean, options: ExtractOptions, name: string): BigIntStats | undefined {
  const existing = lstatSync(directory.entry(base), { bigint: true, throwIfNoEntry: false });
  if (!existing) return undefined;
  if (existing.isDirectory() && isDirectory) return existing;
  if (options.noOverwriteDirNonDir && existing.isDirectory() !== isDirectory) {
    throw EngineError.invalid(
      existing.isDirectory() ? `cannot overwrite directory ${JSON.stringify(name)} with non-directory` : `cannot overwrite non-directory ${JSON.stringify(name)} with directory`,
    );
  }
  removeEntry(directory, base);
  return undefined;
}

/**
 * A file entry's bytes into a new file, then its owner, mode and time, all through the
 * descriptor that created it. Entries are made with synchronous calls: each takes microseconds
 * on a local filesystem, far less than a round trip through the thread pool.
 */
async function writeEntry(entry: AsyncIterable<Buffer>, hostPath: string, attributes: { uid: number; gid: number; mode: number; mtime: Date }): Promise<void> {
  const { uid, gid, mode, mtime } = attributes;
  const fd = openSync(hostPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    for await (const chunk of entry) for (let done = 0; done < chunk.length; ) done += writeSync(fd, chunk, done, chunk.length - done);
    fchownSync(fd, uid, gid);
    // chown clears setuid and setgid: the mode goes after it (and is not cut by the umask).
    fchmodSync(fd, mode);
    futimesSync(fd, mtime, mtime);
  } finally {
    closeSync(fd);
  }
}

/**
 * PUT /containers/{id}/archive: unpacks a tar into the directory at the path. Every entry is
 * placed through the container's own path resolution, a directory at a time through descriptors
 * (see PinnedDirectory), so no symlink (in the container, in the archive, or swapped in by the
 * container meanwhile) and no `..` reaches outside the container's root; files are created with
 * O_NOFOLLOW|O_EXCL. Directory times are set last, once their contents are in.
 */
export async function extractArchive(root: string, path: string, container: string, body: AsyncIterable<Uint8Array>, options: ExtractOptions): Promise<void> {
  let containerTarget: string;
  try {
    const target = openDirectoryInRoot(root, posix.normalize(`/${path}`));
    containerTarget = target.containerPath;
    target.close();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOTDIR') throw isMissing(err) ? notFound(path, container) : err;
    // A file on the way is a missing path; a file at its end is no place to extract to.
    const stats = lstatSync(await resolveInRoot(root, posix.normalize(`/${path}`)), { throwIfNoEntry: false });
    throw stats ? EngineError.invalid('extraction point is not a directory') : notFound(path, container);
  }
  const directories: { containerPath: string; mtime: Date }[] = [];
  // The directory of the last entries, kept open while files follow one another into it.
  let parent: { containerPath: string; directory: PinnedDirectory } | undefined;
  const parentOf = (containerPath: string): PinnedDirectory => {
    if (parent?.containerPath !== containerPath) {
      parent?.directory.close();
      // Cleared first: an open that fails must leave nothing to close a second time.
      parent = undefined;
      parent = { containerPath, directory: openDirectoryInRoot(root, containerPath) };
    }
    return parent.directory;
  };
  const unpack = extract();
  const feeding = pipeline(Readable.from(body), unpack);
  feeding.catch(() => undefined);
  try {
    for await (const entry of unpack) {
      const header = entry.header;
      const name = entryPath(header.name);
      if (name === '' || name === '.') {
        entry.resume();
        continue;
      }
      const containerPath = posix.join(containerTarget, name);
      const directory = parentOf(posix.dirname(containerPath));
      const base = posix.basename(containerPath);
      const at = directory.entry(base);
      const mode = (header.mode ?? 0o644) & 0o7777;
      const mtime = header.mtime ?? new Date();
      const owner = options.owner ?? { uid: header.uid ?? 0, gid: header.gid ?? 0 };
      const isDirectory = header.type === 'directory';
      const isFile = header.type === 'file' || header.type === 'contiguous-file' || header.type == null;
      const existing = removeExisting(directory, base, isDirectory, options, name);
      switch (header.type) {
        case 'directory':
          if (!existing) mkdirSync(at, { mode });
          directories.push({ containerPath, mtime });
          break;
        case 'file':
        case 'contiguous-file':
        case undefined:
        case null: {
          await writeEntry(entry, at, { ...owner, mode, mtime });
          break;
        }
        case 'symlink':
          symlinkSync(header.linkname ?? '', at);
          break;
        case 'link': {
          const source = posix.join(containerTarget, entryPath(header.linkname ?? ''));
          const sourceDirectory = openDirectoryInRoot(root, posix.dirname(source));
          try {
            linkSync(sourceDirectory.entry(posix.basename(source)), at);
          } finally {
            sourceDirectory.close();
          }
          break;
        }
        case 'fifo':
          await runCommand('mkfifo', ['-m', mode.toString(8), '--', at]);
          break;
        case 'character-device':
        case 'block-device':
          await runCommand('mknod', ['-m', mode.toString(8), '--', at, header.type === 'block-device' ? 'b' : 'c', String(header.devmajor ?? 0), String(header.devminor ?? 0)]);
          break;
        default:
          // PAX and GNU long-name records are read by the parser; anything else has no place in a filesystem.
          break;
      }
      entry.resume();
      // A file has its attributes from writeEntry already.
      if (!isFile) {
        if (header.type !== 'link') setAttributes(directory, base, { ...owner, mode: header.type === 'symlink' ? undefined : mode, mtime: isDirectory ? undefined : mtime });
        // Anything but a file may change the directories that the next entries go through.
        parent?.directory.close();
        parent = undefined;
      }
    }
    await feeding;
    for (const { containerPath, mtime } of directories.reverse()) {
      const directory = openDirectoryInRoot(root, containerPath);
      try {
        futimesSync(directory.fd, mtime, mtime);
      } finally {
        directory.close();
      }
    }
  } finally {
    parent?.directory.close();
  }
}

/** `docker cp -a`: the container's configured user, looked up in its own /etc/passwd and /etc/group. */
export async function containerOwner(root: string, user: string | undefined): Promise<{ uid: number; gid: number }> {
  const { uid, gid } = resolveUser(user, readFileInRoot(root, '/etc/passwd'), readFileInRoot(root, '/etc/group'), []);
  return { uid, gid };
}

export const containerArchives: ContainerArchives = { stat: statPath, read: archivePath, extract: extractArchive, owner: containerOwner };
