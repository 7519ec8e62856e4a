import { lstatSync, readdirSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDirectoryInRoot, readFileInRoot, removeEntry, setAttributes } from './pinned-directory';

describe('pinned directories', () => {
  let root: string;
  let host: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'pinned-'));
    host = await mkdtemp(join(tmpdir(), 'host-'));
    await writeFile(join(host, 'secret'), 'host secret');
    await chmod(join(host, 'secret'), 0o600);
    await mkdir(join(root, 'etc', 'conf'), { recursive: true });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(host, { recursive: true, force: true });
  });

  it('resolves symlinks inside the root, as the container would, and says where it ended', async () => {
    await symlink('/etc', join(root, 'abs'));
    await symlink('../../../etc', join(root, 'etc', 'up'));
    for (const path of ['/abs/conf', '/etc/up/conf', '../../etc/conf']) {
      const directory = openDirectoryInRoot(root, path);
      expect(directory.containerPath).toBe('/etc/conf');
      directory.close();
    }
    expect(() => openDirectoryInRoot(root, '/etc/nosuch')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it('changes a symlink itself, never what it points to', async () => {
    await symlink(join(host, 'secret'), join(root, 'etc', 'link'));
    const directory = openDirectoryInRoot(root, '/etc');
    setAttributes(directory, 'link', { uid: 1234, gid: 1234, mode: 0o777, mtime: new Date(0) });
    directory.close();
    expect(lstatSync(join(root, 'etc', 'link'))).toMatchObject({ uid: 1234, mtimeMs: 0 });
    expect(statSync(join(host, 'secret'))).toMatchObject({ uid: 0, mode: 0o100600 });
  });

  it('removes a directory with all it holds, never what a symlink in it points to', async () => {
    await symlink(host, join(root, 'etc', 'conf', 'hostdir'));
    const directory = openDirectoryInRoot(root, '/');
    removeEntry(directory, 'etc');
    directory.close();
    expect(readdirSync(root)).toEqual([]);
    expect(readdirSync(host)).toEqual(['secret']);
  });

  it('reads a file through symlinks resolved inside the root, never a host file', async () => {
    await mkdir(join(root, 'data'));
    await writeFile(join(root, 'data', 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
    await symlink('/data/passwd', join(root, 'etc', 'passwd'));
    await symlink('../data/passwd', join(root, 'etc', 'relative'));
    await symlink(join(host, 'secret'), join(root, 'etc', 'outside'));
    expect(readFileInRoot(root, '/etc/passwd')).toBe('root:x:0:0::/root:/bin/sh\n');
    expect(readFileInRoot(root, '/etc/relative')).toBe('root:x:0:0::/root:/bin/sh\n');
    expect(readFileInRoot(root, '/etc/outside')).toBeUndefined();
    expect(readFileInRoot(root, '/etc/nosuch')).toBeUndefined();
    expect(readFileInRoot(root, '/etc')).toBeUndefined();
  });
});
