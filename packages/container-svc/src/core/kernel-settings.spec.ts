import { sysctlProblems } from './sysctls';
import { ociRlimits } from './ulimits';
import { tmpfsMounts } from './tmpfs-mounts';

describe('sysctlProblems', () => {
  it('allows namespaced sysctls', () => {
    expect(sysctlProblems({ 'net.ipv4.ip_forward': '1', 'kernel.shmmax': '1', 'fs.mqueue.msg_max': '10' }, false, false)).toEqual([]);
  });

  it('refuses host-wide ones and namespaces shared with the host', () => {
    expect(sysctlProblems({ 'kernel.panic': '1', 'net.core.somaxconn': '1', 'kernel.sem': '1' }, true, true)).toEqual([
      expect.stringContaining('sysctl "kernel.panic" is not allowed'),
      'sysctl "net.core.somaxconn" not allowed in host network namespace',
      'sysctl "kernel.sem" not allowed with host IPC namespace',
    ]);
  });
});

describe('ociRlimits', () => {
  it('maps Docker names to rlimits', () => {
    expect(ociRlimits([{ Name: 'nofile', Soft: 1024, Hard: 2048 }])).toEqual({ rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 }], problems: [] });
  });

  it('reports unknown names and soft above hard', () => {
    expect(ociRlimits([{ Name: 'bogus', Soft: 1, Hard: 1 }, { Name: 'nproc', Soft: 5, Hard: 1 }]).problems).toEqual([
      'invalid ulimit type: bogus',
      'ulimit soft limit must be less than or equal to hard limit: 5 > 1',
    ]);
  });
});

describe('tmpfsMounts', () => {
  it('mounts noexec, nosuid and nodev unless told otherwise', () => {
    expect(tmpfsMounts({ '/run': '', '/scratch': 'exec,size=1m' }).mounts).toEqual([
      { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev'] },
      { destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'exec', 'size=1m'] },
    ]);
  });

  it('refuses relative paths', () => {
    expect(tmpfsMounts({ run: '' }).problems).toHaveLength(1);
  });
});
