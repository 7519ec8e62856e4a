import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readRootfsFile } from './rootfs-files';

/** Entries of one layer: file contents, `{ symlink }`, or a `whiteout`. */
type LayerSpec = Record<string, string | { symlink: string } | 'whiteout'>;

describe('readRootfsFile', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'rootfs-files-'));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  let layerCount = 0;
  function layer(entries: LayerSpec): string {
    const dir = join(tmp, `layer${layerCount++}`);
    mkdirSync(dir);
    for (const [path, content] of Object.entries(entries)) {
      const hostPath = join(dir, path);
      mkdirSync(dirname(hostPath), { recursive: true });
      if (content === 'whiteout') execFileSync('mknod', [hostPath, 'c', '0', '0']);
      else if (typeof content === 'string') writeFileSync(hostPath, content);
      else symlinkSync(content.symlink, hostPath);
    }
    return dir;
  }

  const bind = (dir: string) => [{ type: 'bind', source: dir, options: ['rbind', 'ro'] }];
  const overlay = (upper: string, ...lowers: string[]) => [
    {
      type: 'overlay',
      source: 'overlay',
      options: ['index=off', `workdir=${join(tmp, 'work')}`, `upperdir=${upper}`, `lowerdir=${lowers.join(':')}`],
    },
  ];

  it('reads a file of a snapshot without parents', async () => {
    const rootfs = layer({ 'etc/passwd': 'root:x:0:0::/root:/bin/sh\n' });
    await expect(readRootfsFile(bind(rootfs), '/etc/passwd')).resolves.toBe('root:x:0:0::/root:/bin/sh\n');
  });

  it('returns undefined for a missing file, a missing parent or a directory', async () => {
    const mounts = bind(layer({ 'etc/hostname': 'box\n' }));
    await expect(readRootfsFile(mounts, '/etc/passwd')).resolves.toBeUndefined();
    await expect(readRootfsFile(mounts, '/nope/passwd')).resolves.toBeUndefined();
    await expect(readRootfsFile(mounts, '/etc/hostname/passwd')).resolves.toBeUndefined();
    await expect(readRootfsFile(mounts, '/etc')).resolves.toBeUndefined();
  });

  it('takes the topmost layer that has the file, merging directories across layers', async () => {
    const base = layer({ 'etc/passwd': 'base', 'etc/group': 'base group' });
    const middle = layer({ 'etc/passwd': 'middle' });
    const upper = layer({ 'etc/hostname': 'upper' });
    const mounts = overlay(upper, middle, base);
    await expect(readRootfsFile(mounts, '/etc/passwd')).resolves.toBe('middle');
    await expect(readRootfsFile(mounts, '/etc/group')).resolves.toBe('base group');
    await expect(readRootfsFile(mounts, '/etc/hostname')).resolves.toBe('upper');
  });

  it('reads a view made only of lower layers', async () => {
    const base = layer({ 'etc/passwd': 'base' });
    const top = layer({ 'etc/passwd': 'top' });
    const view = [{ type: 'overlay', source: 'overlay', options: [`lowerdir=${top}:${base}`] }];
    await expect(readRootfsFile(view, '/etc/passwd')).resolves.toBe('top');
  });

  it('treats a whiteout as deleting the file or directory below it', async () => {
    const base = layer({ 'etc/passwd': 'base', 'etc/group': 'base group' });
    await expect(readRootfsFile(overlay(layer({ 'etc/passwd': 'whiteout' }), base), '/etc/passwd')).resolves.toBeUndefined();
    await expect(readRootfsFile(overlay(layer({ etc: 'whiteout' }), base), '/etc/group')).resolves.toBeUndefined();
    // A directory recreated above a whiteout starts afresh.
    const recreated = overlay(layer({ 'etc/passwd': 'new' }), layer({ etc: 'whiteout' }), base);
    await expect(readRootfsFile(recreated, '/etc/passwd')).resolves.toBe('new');
    await expect(readRootfsFile(recreated, '/etc/group')).resolves.toBeUndefined();
  });

  it('resolves an absolute symlink inside the rootfs, across layers', async () => {
    const base = layer({ 'shared/passwd': 'shared passwd' });
    const upper = layer({ 'etc/passwd': { symlink: '/shared/passwd' } });
    await expect(readRootfsFile(overlay(upper, base), '/etc/passwd')).resolves.toBe('shared passwd');
  });

  it('resolves relative symlinks and symlinked directories, never climbing above the rootfs root', async () => {
    const rootfs = layer({
      'usr/lib/os-release': 'ID=test',
      lib: { symlink: 'usr/lib' },
      'etc/os-release': { symlink: '../../../../lib/os-release' },
    });
    await expect(readRootfsFile(bind(rootfs), '/lib/os-release')).resolves.toBe('ID=test');
    await expect(readRootfsFile(bind(rootfs), '/etc/os-release')).resolves.toBe('ID=test');
  });

  it("never reads the host's files through a symlink", async () => {
    const hostSecret = join(tmp, 'host-secret');
    writeFileSync(hostSecret, 'host secret');
    const escaping = layer({
      'etc/passwd': { symlink: '/etc/shadow' },
      'etc/group': { symlink: '../../../../../etc/shadow' },
      'etc/hostname': { symlink: hostSecret },
    });
    await expect(readRootfsFile(bind(escaping), '/etc/passwd')).resolves.toBeUndefined();
    await expect(readRootfsFile(bind(escaping), '/etc/group')).resolves.toBeUndefined();
    await expect(readRootfsFile(bind(escaping), '/etc/hostname')).resolves.toBeUndefined();
    const withShadow = layer({ 'etc/passwd': { symlink: '/etc/shadow' }, 'etc/shadow': 'rootfs shadow' });
    await expect(readRootfsFile(bind(withShadow), '/etc/passwd')).resolves.toBe('rootfs shadow');
  });

  it('gives up on symlink loops', async () => {
    const rootfs = layer({ 'etc/passwd': { symlink: '/etc/group' }, 'etc/group': { symlink: 'passwd' } });
    await expect(readRootfsFile(bind(rootfs), '/etc/passwd')).rejects.toThrow('too many levels of symbolic links resolving /etc/passwd');
  });

  it('returns undefined for a FIFO instead of blocking on it', async () => {
    const rootfs = layer({});
    mkdirSync(join(rootfs, 'etc'));
    execFileSync('mkfifo', [join(rootfs, 'etc/passwd')]);
    await expect(readRootfsFile(bind(rootfs), '/etc/passwd')).resolves.toBeUndefined();
  });

  it('refuses files over 1 MiB', async () => {
    const rootfs = layer({ 'etc/passwd': 'x'.repeat(1024 * 1024 + 1) });
    await expect(readRootfsFile(bind(rootfs), '/etc/passwd')).rejects.toThrow('larger than 1 MiB');
  });

  it('rejects mounts it cannot read without mounting', async () => {
    await expect(readRootfsFile([{ type: 'btrfs', source: '/dev/sda1', options: [] }], '/etc/passwd')).rejects.toThrow(
      'reading a root filesystem from btrfs mounts is not supported',
    );
  });
});
