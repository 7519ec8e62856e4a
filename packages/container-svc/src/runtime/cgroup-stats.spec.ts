import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readCgroupStats } from './cgroup-stats';

const cgroupPath = '/flotilla/3f2a';
const pid = 4242;

/** Writes `files` (paths relative to `root`) to disk. */
function tree(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

const procStat = 'cpu  100 5 50 1000 20 1 2 7 0 0\ncpu0 50 2 25 500 10 0 1 3 0 0\ncpu1 50 3 25 500 10 1 1 4 0 0\nintr 12345\n';
const meminfo = 'MemTotal:        8000000 kB\nMemFree:         1000000 kB\n';
const netDev = [
  'Inter-|   Receive                                                |  Transmit',
  ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
  '    lo:     500       5    0    0    0     0          0         0      500       5    0    0    0     0       0          0',
  '  eth0:    1296      16    1    2    0     0          0         0      648       8    3    4    0     0       0          0',
  '',
].join('\n');

describe('readCgroupStats', () => {
  let tmp: string;
  let roots: { cgroup: string; proc: string };
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'cgroup-stats-'));
    roots = { cgroup: join(tmp, 'cgroup'), proc: join(tmp, 'proc') };
    mkdirSync(roots.cgroup);
    tree(roots.proc, { stat: procStat, meminfo, [`${pid}/net/dev`]: netDev });
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('reads the host CPU time (first seven fields of /proc/stat in ns), the host CPU count and the container namespace\'s interfaces', async () => {
    const stats = await readCgroupStats(cgroupPath, pid, roots);
    expect(stats.cpu.system).toBe((100 + 5 + 50 + 1000 + 20 + 1 + 2) * 1e7);
    expect(stats.cpu.onlineCpus).toBe(availableParallelism());
    expect(stats.networks).toEqual({
      eth0: { rxBytes: 1296, rxPackets: 16, rxErrors: 1, rxDropped: 2, txBytes: 648, txPackets: 8, txErrors: 3, txDropped: 4 },
    });
    expect(stats.read).toBeInstanceOf(Date);
  });

  it('has no networks without a pid or a net/dev', async () => {
    expect((await readCgroupStats(cgroupPath, 0, roots)).networks).toEqual({});
    expect((await readCgroupStats(cgroupPath, 999, roots)).networks).toEqual({});
  });

  describe('on cgroup v1', () => {
    const v1Files = (limit: string) => ({
      [`cpuacct${cgroupPath}/cpuacct.usage`]: '3000000000\n',
      [`cpuacct${cgroupPath}/cpuacct.usage_percpu`]: '1000000000 2000000000 \n',
      [`cpuacct${cgroupPath}/cpuacct.stat`]: 'user 150\nsystem 50\n',
      [`cpu${cgroupPath}/cpu.stat`]: 'nr_periods 10\nnr_throttled 2\nthrottled_time 5000\n',
      [`memory${cgroupPath}/memory.usage_in_bytes`]: '1048576\n',
      [`memory${cgroupPath}/memory.max_usage_in_bytes`]: '2097152\n',
      [`memory${cgroupPath}/memory.limit_in_bytes`]: `${limit}\n`,
      [`memory${cgroupPath}/memory.failcnt`]: '3\n',
      [`memory${cgroupPath}/memory.stat`]: 'cache 4096\nrss 8192\ntotal_inactive_file 1024\n',
      [`pids${cgroupPath}/pids.current`]: '2\n',
      [`pids${cgroupPath}/pids.max`]: 'max\n',
      [`blkio${cgroupPath}/blkio.throttle.io_service_bytes_recursive`]: '8:0 Read 4096\n8:0 Write 8192\n8:0 Total 12288\nTotal 12288\n',
      [`blkio${cgroupPath}/blkio.throttle.io_serviced_recursive`]: '8:0 Read 1\n8:0 Write 2\n8:0 Total 3\nTotal 3\n',
    });

    it('reads cpuacct, cpu, memory, pids and blkio under each controller', async () => {
      tree(roots.cgroup, v1Files('536870912'));
      const stats = await readCgroupStats(cgroupPath, pid, roots);
      expect(stats.cgroupVersion).toBe(1);
      expect(stats.cpu).toMatchObject({
        total: 3e9,
        perCpu: [1e9, 2e9],
        user: 1.5e9,
        kernel: 0.5e9,
        throttling: { periods: 10, throttledPeriods: 2, throttledTime: 5000 },
      });
      expect(stats.memory).toEqual({ usage: 1048576, maxUsage: 2097152, limit: 536870912, failcnt: 3, stats: { cache: 4096, rss: 8192, total_inactive_file: 1024 } });
      expect(stats.pids).toEqual({ current: 2, limit: 0 });
      expect(stats.blkio.serviceBytes).toEqual([
        { major: 8, minor: 0, op: 'Read', value: 4096 },
        { major: 8, minor: 0, op: 'Write', value: 8192 },
        { major: 8, minor: 0, op: 'Total', value: 12288 },
      ]);
      expect(stats.blkio.serviced.map((entry) => entry.value)).toEqual([1, 2, 3]);
    });

    it('reports the host memory as the limit of an unlimited container', async () => {
      tree(roots.cgroup, v1Files('9223372036854771712'));
      expect((await readCgroupStats(cgroupPath, pid, roots)).memory.limit).toBe(8000000 * 1024);
    });

    it('samples zeros once the cgroup is gone', async () => {
      mkdirSync(join(roots.cgroup, 'memory'));
      const stats = await readCgroupStats(cgroupPath, 0, roots);
      expect(stats.cpu).toMatchObject({ total: 0, perCpu: [], user: 0, kernel: 0, throttling: { periods: 0, throttledPeriods: 0, throttledTime: 0 } });
      expect(stats.memory).toEqual({ usage: 0, maxUsage: 0, limit: 0, failcnt: 0, stats: {} });
      expect(stats.pids).toEqual({ current: 0, limit: 0 });
      expect(stats.blkio).toEqual({ serviceBytes: [], serviced: [] });
    });
  });

  describe('on cgroup v2', () => {
    beforeEach(() => {
      tree(roots.cgroup, {
        'cgroup.controllers': 'cpuset cpu io memory pids\n',
        [`${cgroupPath}/cpu.stat`]: 'usage_usec 3000\nuser_usec 2000\nsystem_usec 1000\nnr_periods 10\nnr_throttled 2\nthrottled_usec 7\n',
        [`${cgroupPath}/memory.current`]: '1048576\n',
        [`${cgroupPath}/memory.peak`]: '2097152\n',
        [`${cgroupPath}/memory.max`]: 'max\n',
        [`${cgroupPath}/memory.events`]: 'low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n',
        [`${cgroupPath}/memory.stat`]: 'anon 4096\nfile 8192\ninactive_file 1024\n',
        [`${cgroupPath}/pids.current`]: '3\n',
        [`${cgroupPath}/pids.max`]: '100\n',
        [`${cgroupPath}/io.stat`]: '8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n',
      });
    });

    it('reads cpu.stat in µs, memory.current/peak/max, the OOM count, pids and io.stat', async () => {
      const stats = await readCgroupStats(cgroupPath, pid, roots);
      expect(stats.cgroupVersion).toBe(2);
      expect(stats.cpu).toMatchObject({ total: 3e6, perCpu: [], user: 2e6, kernel: 1e6, throttling: { periods: 10, throttledPeriods: 2, throttledTime: 7000 } });
      expect(stats.memory).toEqual({ usage: 1048576, maxUsage: 2097152, limit: 8000000 * 1024, failcnt: 1, stats: { anon: 4096, file: 8192, inactive_file: 1024 } });
      expect(stats.pids).toEqual({ current: 3, limit: 100 });
      expect(stats.blkio).toEqual({
        serviceBytes: [
          { major: 8, minor: 0, op: 'read', value: 4096 },
          { major: 8, minor: 0, op: 'write', value: 8192 },
        ],
        serviced: [
          { major: 8, minor: 0, op: 'read', value: 1 },
          { major: 8, minor: 0, op: 'write', value: 2 },
        ],
      });
    });

    it('samples zeros once the cgroup is gone', async () => {
      const stats = await readCgroupStats('/flotilla/gone', 0, roots);
      expect(stats.cpu.total).toBe(0);
      expect(stats.memory).toEqual({ usage: 0, maxUsage: 0, limit: 0, failcnt: 0, stats: {} });
      expect(stats.pids).toEqual({ current: 0, limit: 0 });
      expect(stats.blkio).toEqual({ serviceBytes: [], serviced: [] });
    });
  });
});
