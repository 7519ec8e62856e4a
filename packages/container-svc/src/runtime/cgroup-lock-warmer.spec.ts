import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CgroupLockWarmer, ownCgroupProcsFile } from './cgroup-lock-warmer';

describe('ownCgroupProcsFile', () => {
  const v1 = ['12:name=systemd:/user.slice', '8:pids:/user.slice/session-1.scope', '4:memory:/user.slice', '0::/'].join('\n');

  it('takes the first hierarchy whose cgroup.procs exists', () => {
    const existing = new Set(['/sys/fs/cgroup/pids/user.slice/session-1.scope/cgroup.procs', '/sys/fs/cgroup/memory/user.slice/cgroup.procs']);
    expect(ownCgroupProcsFile(v1, (path) => existing.has(path))).toBe('/sys/fs/cgroup/pids/user.slice/session-1.scope/cgroup.procs');
  });

  it('reads the unified hierarchy of cgroup v2', () => {
    const file = '/sys/fs/cgroup/system.slice/flotilla.service/cgroup.procs';
    expect(ownCgroupProcsFile('0::/system.slice/flotilla.service\n', (path) => path === file)).toBe(file);
  });

  it('finds none when no file exists', () => {
    expect(ownCgroupProcsFile(v1, () => false)).toBeUndefined();
    expect(ownCgroupProcsFile('', () => true)).toBeUndefined();
  });
});

describe('CgroupLockWarmer', () => {
  it('writes its pid into the cgroup it is in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cgroup-lock-'));
    try {
      const file = join(dir, 'cgroup.procs');
      writeFileSync(file, '');
      await new CgroupLockWarmer(file, jest.fn(), 4242).warm();
      expect(readFileSync(file, 'utf8')).toBe('4242');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('moves once at a time', async () => {
    let finish!: () => void;
    const write = jest.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const warmer = new CgroupLockWarmer('/cgroup.procs', jest.fn(), 1, write);
    const first = warmer.warm();
    await warmer.warm();
    expect(write).toHaveBeenCalledTimes(1);
    finish();
    await first;
    void warmer.warm();
    expect(write).toHaveBeenCalledTimes(2);
  });

  it('stops after a refusal, and says so once', async () => {
    const write = jest.fn(() => Promise.reject(Object.assign(new Error('read-only file system'), { code: 'EROFS' })));
    const warn = jest.fn();
    const warmer = new CgroupLockWarmer('/cgroup.procs', warn, 1, write);
    await warmer.warm();
    await warmer.warm();
    expect(write).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('does nothing without a cgroup', async () => {
    const write = jest.fn(() => Promise.resolve());
    await new CgroupLockWarmer(undefined, jest.fn(), 1, write).warm();
    expect(write).not.toHaveBeenCalled();
  });
});
