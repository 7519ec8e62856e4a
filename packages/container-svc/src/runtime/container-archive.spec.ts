import { readdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { link, lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract, pack, type Headers } from 'tar-stream';
import { archivePath, extractArchive, statPath } from './container-archive';

/** Runs after an lstat of the code under test: what a running container may do under its feet meanwhile. */
let afterLstat: ((path: string) => void) | undefined;
jest.mock('node:fs', () => {
  const actual = jest.requireActual<typeof import('node:fs')>('node:fs');
  return {
    ...actual,
    lstatSync: (...args: Parameters<typeof actual.lstatSync>) => {
      const stats = actual.lstatSync(...args);
      afterLstat?.(String(args[0]));
      return stats;
    },
  };
});

/** Once, when an lstat is of a path ending with `suffix`: `swap` it. */
function onceAfterLstatOf(suffix: string, swap: (path: string) => void): void {
  afterLstat = (path) => {
    if (!path.endsWith(suffix)) return;
    afterLstat = undefined;
    swap(path);
  };
}

/** A tar of the given entries, as a client would upload it. */
async function* tarOf(entries: (Headers & { content?: string })[]): AsyncGenerator<Uint8Array> {
  const archive = pack();
  for (const { content, ...header } of entries) archive.entry({ mode: 0o644, ...header }, content);
  archive.finalize();
  yield* archive;
}

async function entriesOf(tar: AsyncIterable<Uint8Array>): Promise<{ name: string; type: string; linkname?: string | null; body: string }[]> {
  const unpack = extract();
  // An archive that fails fails the reading of its entries.
  const feeding = (async () => {
    for await (const chunk of tar) unpack.write(chunk);
    unpack.end();
  })().catch((err: Error) => unpack.destroy(err));
  const entries = [];
  for await (const entry of unpack) {
    let body = '';
    for await (const chunk of entry) body += chunk;
    entries.push({ name: entry.header.name, type: entry.header.type ?? '', linkname: entry.header.linkname, body });
  }
  await feeding;
  return entries;
}

describe('container archives', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'archive-'));
    await mkdir(join(root, 'data', 'sub'), { recursive: true });
    await writeFile(join(root, 'data', 'a.txt'), 'a\n');
    await link(join(root, 'data', 'a.txt'), join(root, 'data', 'sub', 'same.txt'));
    await symlink('/data/a.txt', join(root, 'data', 'link'));
    await symlink('/', join(root, 'up'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('archives a directory under its name: directories end with a slash, symlinks stay links, hard links are linked', async () => {
    const { stat: pathStat, tar } = await archivePath(root, '/data', 'c1');
    expect(pathStat).toMatchObject({ name: 'data', mode: 2 ** 31 + 0o755, linkTarget: '' });
    expect(await entriesOf(tar)).toEqual([
      { name: 'data/', type: 'directory', linkname: null, body: '' },
      { name: 'data/a.txt', type: 'file', linkname: null, body: 'a\n' },
      { name: 'data/link', type: 'symlink', linkname: '/data/a.txt', body: '' },
      { name: 'data/sub/', type: 'directory', linkname: null, body: '' },
      { name: 'data/sub/same.txt', type: 'link', linkname: 'data/a.txt', body: '' },
    ]);
  });

  describe('with a container swapping its paths for symlinks to the host meanwhile', () => {
    let host: string;
    beforeEach(async () => {
      host = await mkdtemp(join(tmpdir(), 'host-'));
      await writeFile(join(host, 'secret'), 'host secret');
    });
    afterEach(async () => {
      afterLstat = undefined;
      await rm(host, { recursive: true, force: true });
    });

    it('never reads a host file through a file swapped after the walk saw it', async () => {
      onceAfterLstatOf('/a.txt', (path) => {
        rmSync(path);
        symlinkSync(join(host, 'secret'), path);
      });
      const { tar } = await archivePath(root, '/data', 'c1');
      await expect(entriesOf(tar)).rejects.toMatchObject({ code: 'ELOOP' });
    });

    it('never walks into a host directory through a directory swapped after the walk saw it', async () => {
      onceAfterLstatOf('/sub', (path) => {
        renameSync(path, `${path}-moved`);
        symlinkSync(host, path);
      });
      const { tar } = await archivePath(root, '/data', 'c1');
      // Opened without following it, the symlink is no directory.
      await expect(entriesOf(tar)).rejects.toMatchObject({ code: 'ENOTDIR' });
    });

    it('writes into the directory it resolved, never into the host directory swapped in its place', async () => {
      onceAfterLstatOf('/new.txt', () => {
        renameSync(join(root, 'data'), join(root, 'data-moved'));
        symlinkSync(host, join(root, 'data'));
      });
      await extractArchive(root, '/data', 'c1', tarOf([{ name: 'new.txt', content: 'from the client' }]), { noOverwriteDirNonDir: false });
      expect(await readFile(join(root, 'data-moved', 'new.txt'), 'utf8')).toBe('from the client');
      expect(readdirSync(host)).toEqual(['secret']);
    });
  });

  it('stats a symlink with its target inside the container, and a missing path as not found', async () => {
    expect(await statPath(root, '/data/link', 'c1')).toMatchObject({ name: 'link', linkTarget: '/data/a.txt', mode: 2 ** 27 + 0o777 });
    await expect(statPath(root, '/up/nosuch', 'c1')).rejects.toMatchObject({ kind: 'not-found', message: 'Could not find the file /up/nosuch in container c1' });
  });

  it('unpacks through the container\'s links, never above its root, with the archive\'s owners, modes and times', async () => {
    await extractArchive(
      root,
      '/up/data',
      'c1',
      tarOf([
        { name: 'new/', type: 'directory', mode: 0o700 },
        { name: 'new/file', content: 'x\n', mode: 0o4750, uid: 12, gid: 34, mtime: new Date('2020-01-02T03:04:05Z') },
        { name: 'new/ln', type: 'symlink', linkname: '/etc/shadow' },
        { name: 'new/hard', type: 'link', linkname: 'new/file' },
      ]),
      { noOverwriteDirNonDir: false },
    );
    const file = await stat(join(root, 'data', 'new', 'file'));
    // setuid survives the chown that comes before it.
    expect([file.mode & 0o7777, file.uid, file.gid, file.nlink]).toEqual([0o4750, 12, 34, 2]);
    expect(file.mtime.toISOString()).toBe('2020-01-02T03:04:05.000Z');
    expect((await stat(join(root, 'data', 'new'))).mode & 0o777).toBe(0o700);
    expect(await readlink(join(root, 'data', 'new', 'ln'))).toBe('/etc/shadow');
    // A later entry through that link lands in the container's /etc, not the host's.
    await extractArchive(root, '/data/new', 'c1', tarOf([{ name: 'ln', content: 'replaced\n' }]), { noOverwriteDirNonDir: false });
    expect((await lstat(join(root, 'data', 'new', 'ln'))).isFile()).toBe(true);
    await expect(extractArchive(root, '/data', 'c1', tarOf([{ name: '../../escape', content: 'x' }]), { noOverwriteDirNonDir: false })).rejects.toMatchObject({ kind: 'invalid' });
  });

  it('gives every entry to the owner asked for, and keeps directories and files apart when told to', async () => {
    await extractArchive(root, '/data', 'c1', tarOf([{ name: 'owned', content: 'o', uid: 5, gid: 5 }]), { noOverwriteDirNonDir: true, owner: { uid: 1000, gid: 1001 } });
    const owned = await stat(join(root, 'data', 'owned'));
    expect([owned.uid, owned.gid]).toEqual([1000, 1001]);
    await expect(extractArchive(root, '/data', 'c1', tarOf([{ name: 'sub', content: 'file over a directory' }]), { noOverwriteDirNonDir: true })).rejects.toThrow('cannot overwrite directory "sub" with non-directory');
    await extractArchive(root, '/data', 'c1', tarOf([{ name: 'sub', content: 'now a file' }]), { noOverwriteDirNonDir: false });
    expect(await readFile(join(root, 'data', 'sub'), 'utf8')).toBe('now a file');
    await expect(extractArchive(root, '/data/a.txt', 'c1', tarOf([]), { noOverwriteDirNonDir: false })).rejects.toThrow('extraction point is not a directory');
  });
});
