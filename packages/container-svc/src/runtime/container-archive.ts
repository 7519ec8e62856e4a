import { chmodSync, closeSync, constants, lchownSync, lstatSync, lutimesSync, openSync, utimesSync, writeSync, type BigIntStats } from 'node:fs';
import { link, lstat, mkdir, open, readdir, readFile, readlink, rm, stat, symlink, utimes } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, pack, type Headers, type Pack } from 'tar-stream';
import { EngineError } from '@flotilla/proto';
import { drained, runCommand } from '@flotilla/kit';
import type { ContainerArchives, ExtractOptions, PathStat } from '../core/ports.js';
import { resolveUser } from '../core/user-lookup.js';
import { resolveInRoot } from './rooted-path.js';

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

const isMissing = (err: unknown) => ['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '');

/** A container path as dockerd splits it: its directory (symlinks followed) and its last component (not followed). */
async function locate(root: string, path: string): Promise<{ hostPath: string; base: string }> {
  const clean = posix.normalize(`/${path}`);
  const base = path.endsWith('/.') ? '.' : posix.basename(clean) || '/';
  if (clean === '/' || base === '.') return { hostPath: await resolveInRoot(root, clean), base };
  return { hostPath: posix.join(await resolveInRoot(root, posix.dirname(clean)), posix.basename(clean)), base };
}

function notFound(path: string, container: string): EngineError {
  return EngineError.notFound(`Could not find the file ${path} in container ${container}`);
}

/** lstat, but the root itself is followed: a running container's is the magic link /proc/<pid>/root. */
async function lstatOf(hostPath: string, root?: string): Promise<BigIntStats | undefined> {
  return (hostPath === root ? stat(hostPath, { bigint: true }) : lstat(hostPath, { bigint: true })).catch((err: unknown) => {
    if (isMissing(err)) return undefined;
    throw err;
  });
}

/** HEAD /containers/{id}/archive: what is at the path; a symlink's target is given as a path of the container. */
export async function statPath(root: string, path: string, container: string): Promise<PathStat> {
  return (await statLocated(root, path, container)).stat;
}

async function statLocated(root: string, path: string, container: string): Promise<{ stat: PathStat; hostPath: string; base: string }> {
  const { hostPath, base } = await locate(root, path);
  const stats = await lstatOf(hostPath, root);
  if (!stats) throw notFound(path, container);
  let linkTarget = '';
  if (stats.isSymbolicLink()) {
    const resolved = await resolveInRoot(root, posix.normalize(`/${path}`));
    linkTarget = `/${posix.relative(root, resolved)}`;
  }
  return { stat: { name: base, size: Number(stats.size), mode: fileMode(stats), mtime: new Date(Number(stats.mtimeMs)), linkTarget }, hostPath, base };
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

function addEntry(archive: Pack, header: Headers, hostPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const entry = archive.entry(header, (err) => (err ? reject(err) : resolve()));
    // A failure reaches the reader through the archive, which the walk destroys with it; the
    // entry, destroyed along, must not throw it a second time as an unheard 'error'.
    entry.on('error', () => undefined);
    if (header.type === 'file' && header.size) copyFileInto(entry, hostPath, header.size).catch(reject);
    else entry.end();
  });
}

/**
 * GET /containers/{id}/archive: a tar of what is at the path, named after its last component,
 * walked without following symlinks (a symlink is archived as one). Hard links inside are kept.
 */
export async function archivePath(root: string, path: string, container: string): Promise<{ stat: PathStat; tar: Readable }> {
  // Statted first: a missing path is a 404 before any byte of the archive.
  const { stat: pathStat, hostPath, base } = await statLocated(root, path, container);
  const archive = pack();
  const seen = new Map<string, string>();
  // The root itself has no entry: its contents are the archive (as docker export writes it).
  const walk = async (host: string, name: string): Promise<void> => {
    const stats = await lstatOf(host, root);
    if (!stats) return;
    if (name === '') {
      for (const child of (await readdir(host)).sort()) await walk(posix.join(host, child), child);
      return;
    }
    const inode = `${stats.dev}:${stats.ino}`;
    const first = !stats.isDirectory() && stats.nlink > 1n ? seen.get(inode) : undefined;
    if (!stats.isDirectory() && stats.nlink > 1n && !first) seen.set(inode, name);
    const linkname = stats.isSymbolicLink() ? await readlink(host) : undefined;
    const header = stats.isSymbolicLink() ? { ...headerOf(name, stats, '')!, type: 'symlink' as const, linkname } : headerOf(name, stats, first);
    if (!header) return;
    await addEntry(archive, header, host);
    if (stats.isDirectory()) for (const child of (await readdir(host)).sort()) await walk(posix.join(host, child), posix.join(name, child));
  };
  walk(hostPath, base === '/' ? '' : base).then(
    () => archive.finalize(),
    (err: Error) => archive.destroy(err),
  );
  return { stat: pathStat, tar: archive };
}

/** An entry's path inside the target directory (leading slashes dropped, as tar does); one that leaves it (`../`) is refused, as dockerd refuses it. */
function entryPath(name: string): string {
  const clean = posix.normalize(name.replace(/^\/+/, '') || '.').replace(/\/+$/, '');
  if (clean === '..' || clean.startsWith('../')) throw EngineError.invalid(`${JSON.stringify(name)} is outside of the extraction directory`);
  return clean;
}

async function removeExisting(hostPath: string, isDirectory: boolean, options: ExtractOptions, name: string): Promise<BigIntStats | undefined> {
  const existing = lstatSync(hostPath, { bigint: true, throwIfNoEntry: false });
  if (!existing) return undefined;
  if (existing.isDirectory() && isDirectory) return existing;
  if (options.noOverwriteDirNonDir && existing.isDirectory() !== isDirectory) {
    throw EngineError.invalid(
      existing.isDirectory() ? `cannot overwrite directory ${JSON.stringify(name)} with non-directory` : `cannot overwrite non-directory ${JSON.stringify(name)} with directory`,
    );
  }
  await rm(hostPath, { recursive: true, force: true });
  return undefined;
}

/**
 * A file entry's bytes into a new file. Entries are made with synchronous calls: each takes
 * microseconds on a local filesystem, far less than a round trip through the thread pool (an
 * entry of `docker cp` took seven in a row).
 */
async function writeEntry(entry: AsyncIterable<Buffer>, hostPath: string, mode: number): Promise<void> {
  const fd = openSync(hostPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    for await (const chunk of entry) for (let done = 0; done < chunk.length; ) done += writeSync(fd, chunk, done, chunk.length - done);
  } finally {
    closeSync(fd);
  }
}

/**
 * PUT /containers/{id}/archive: unpacks a tar into the directory at the path. Every entry is
 * placed through the container's own path resolution, so no symlink (in the container or in
 * the archive) and no `..` reaches outside the container's root; files are created with
 * O_NOFOLLOW|O_EXCL. Directory times are set last, once their contents are in.
 */
export async function extractArchive(root: string, path: string, container: string, body: AsyncIterable<Uint8Array>, options: ExtractOptions): Promise<void> {
  const target = await resolveInRoot(root, posix.normalize(`/${path}`));
  const targetStats = await lstatOf(target, root);
  if (!targetStats) throw notFound(path, container);
  if (!targetStats.isDirectory()) throw EngineError.invalid('extraction point is not a directory');
  const containerTarget = `/${posix.relative(root, target)}`;
  const directories: { hostPath: string; mtime: Date }[] = [];
  const unpack = extract();
  const feeding = pipeline(Readable.from(body), unpack);
  feeding.catch(() => undefined);
  for await (const entry of unpack) {
    const header = entry.header;
    const name = entryPath(header.name);
    if (name === '' || name === '.') {
      entry.resume();
      continue;
    }
    const containerPath = posix.join(containerTarget, name);
    const hostPath = posix.join(await resolveInRoot(root, posix.dirname(containerPath)), posix.basename(containerPath));
    const mode = (header.mode ?? 0o644) & 0o7777;
    const mtime = header.mtime ?? new Date();
    const owner = options.owner ?? { uid: header.uid ?? 0, gid: header.gid ?? 0 };
    const isDirectory = header.type === 'directory';
    const existing = await removeExisting(hostPath, isDirectory, options, name);
    switch (header.type) {
      case 'directory':
        if (!existing) await mkdir(hostPath, { mode });
        directories.push({ hostPath, mtime });
        break;
      case 'file':
      case 'contiguous-file':
      case undefined:
      case null: {
        await writeEntry(entry, hostPath, mode);
        break;
      }
      case 'symlink':
        await symlink(header.linkname ?? '', hostPath);
        break;
      case 'link': {
        const linked = await resolveInRoot(root, posix.join(containerTarget, entryPath(header.linkname ?? '')));
        await link(linked, hostPath);
        break;
      }
      case 'fifo':
        await runCommand('mkfifo', ['-m', mode.toString(8), '--', hostPath]);
        break;
      case 'character-device':
      case 'block-device':
        await runCommand('mknod', ['-m', mode.toString(8), '--', hostPath, header.type === 'block-device' ? 'b' : 'c', String(header.devmajor ?? 0), String(header.devminor ?? 0)]);
        break;
      default:
        // PAX and GNU long-name records are read by the parser; anything else has no place in a filesystem.
        break;
    }
    entry.resume();
    if (header.type === 'symlink') {
      lchownSync(hostPath, owner.uid, owner.gid);
      lutimesSync(hostPath, mtime, mtime);
    } else if (header.type !== 'link') {
      lchownSync(hostPath, owner.uid, owner.gid);
      // chown clears setuid and setgid: the mode goes after it.
      chmodSync(hostPath, mode);
      if (!isDirectory) utimesSync(hostPath, mtime, mtime);
    }
  }
  await feeding;
  for (const { hostPath, mtime } of directories.reverse()) await utimes(hostPath, mtime, mtime);
}

/** `docker cp -a`: the container's configured user, looked up in its own /etc/passwd and /etc/group. */
export async function containerOwner(root: string, user: string | undefined): Promise<{ uid: number; gid: number }> {
  const read = async (path: string) => readFile(await resolveInRoot(root, path), 'utf8').catch(() => undefined);
  const { uid, gid } = resolveUser(user, await read('/etc/passwd'), await read('/etc/group'), []);
  return { uid, gid };
}

export const containerArchives: ContainerArchives = { stat: statPath, read: archivePath, extract: extractArchive, owner: containerOwner };
