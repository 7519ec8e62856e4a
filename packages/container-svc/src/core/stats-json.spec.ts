import { dockerStatsJson, type RawStats } from './stats-json';

const container = { id: '3f2a9c', name: 'web' };

function v1Sample(read: string, cpuTotal: number): RawStats {
  return {
    read: new Date(read),
    cgroupVersion: 1,
    cpu: {
      total: cpuTotal,
      perCpu: [cpuTotal / 2, cpuTotal / 2],
      kernel: 1e7,
      user: 2e7,
      system: 5e11,
      onlineCpus: 2,
      throttling: { periods: 10, throttledPeriods: 2, throttledTime: 5000 },
    },
    memory: { usage: 1048576, maxUsage: 2097152, limit: 536870912, failcnt: 3, stats: { rss: 8192, cache: 4096, swap: 0, total_inactive_file: 1024 } },
    pids: { current: 2, limit: 0 },
    blkio: {
      serviceBytes: [{ major: 8, minor: 0, op: 'Read', value: 4096 }],
      serviced: [{ major: 8, minor: 0, op: 'Read', value: 1 }],
    },
    networks: {
      eth1: { rxBytes: 1, rxPackets: 1, rxErrors: 0, rxDropped: 0, txBytes: 2, txPackets: 2, txErrors: 0, txDropped: 0 },
      eth0: { rxBytes: 1296, rxPackets: 16, rxErrors: 1, rxDropped: 2, txBytes: 648, txPackets: 8, txErrors: 3, txDropped: 4 },
    },
  };
}

function v2Sample(): RawStats {
  return {
    ...v1Sample('2024-05-01T10:20:30.5Z', 3e6),
    cgroupVersion: 2,
    cpu: { total: 3e6, perCpu: [], kernel: 1e6, user: 2e6, system: 5e11, onlineCpus: 2, throttling: { periods: 0, throttledPeriods: 0, throttledTime: 0 } },
    memory: { usage: 1048576, maxUsage: 2097152, limit: 8192000000, failcnt: 1, stats: { anon: 4096, inactive_file: 1024, zswap: 7 } },
    pids: { current: 3, limit: 100 },
    blkio: {
      serviceBytes: [
        { major: 8, minor: 0, op: 'read', value: 4096 },
        { major: 8, minor: 0, op: 'write', value: 8192 },
      ],
      serviced: [{ major: 8, minor: 0, op: 'read', value: 1 }],
    },
    networks: {},
  };
}

const zeroCpuStats = {
  cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
  throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
};

const unsupportedBlkio = {
  io_queue_recursive: null,
  io_service_time_recursive: null,
  io_wait_time_recursive: null,
  io_merged_recursive: null,
  io_time_recursive: null,
  sectors_recursive: null,
};

describe('dockerStatsJson', () => {
  it("has dockerd's keys in dockerd's order", () => {
    expect(Object.keys(dockerStatsJson(v1Sample('2024-05-01T10:20:31Z', 2e9), undefined, container))).toEqual([
      'read', 'preread', 'pids_stats', 'blkio_stats', 'num_procs', 'storage_stats', 'cpu_stats', 'precpu_stats', 'memory_stats', 'name', 'id', 'networks',
    ]);
  });

  it('reports a cgroup v1 sample against the previous one', () => {
    const stats = dockerStatsJson(v1Sample('2024-05-01T10:20:31.120Z', 2e9), v1Sample('2024-05-01T10:20:30Z', 1e9), container);
    expect(stats.read).toBe('2024-05-01T10:20:31.12Z');
    expect(stats.preread).toBe('2024-05-01T10:20:30Z');
    expect(stats.pids_stats).toEqual({ current: 2 });
    expect(stats.blkio_stats).toEqual({
      io_service_bytes_recursive: [{ major: 8, minor: 0, op: 'Read', value: 4096 }],
      io_serviced_recursive: [{ major: 8, minor: 0, op: 'Read', value: 1 }],
      ...unsupportedBlkio,
    });
    expect(stats.num_procs).toBe(0);
    expect(stats.storage_stats).toEqual({});
    expect(stats.cpu_stats).toEqual({
      cpu_usage: { total_usage: 2e9, percpu_usage: [1e9, 1e9], usage_in_kernelmode: 1e7, usage_in_usermode: 2e7 },
      system_cpu_usage: 5e11,
      online_cpus: 2,
      throttling_data: { periods: 10, throttled_periods: 2, throttled_time: 5000 },
    });
    expect((stats.precpu_stats as { cpu_usage: object }).cpu_usage).toEqual({ total_usage: 1e9, percpu_usage: [5e8, 5e8], usage_in_kernelmode: 1e7, usage_in_usermode: 2e7 });
    expect(stats.name).toBe('/web');
    expect(stats.id).toBe('3f2a9c');
    expect(Object.keys(stats.networks as object)).toEqual(['eth0', 'eth1']);
    expect((stats.networks as Record<string, unknown>).eth0).toEqual({
      rx_bytes: 1296, rx_packets: 16, rx_errors: 1, rx_dropped: 2, tx_bytes: 648, tx_packets: 8, tx_errors: 3, tx_dropped: 4,
    });
  });

  it("keeps dockerd's v1 memory.stat counters, sorted, zero when the kernel has none", () => {
    const memory = dockerStatsJson(v1Sample('2024-05-01T10:20:31Z', 2e9), undefined, container).memory_stats as Record<string, unknown>;
    expect(Object.keys(memory)).toEqual(['usage', 'max_usage', 'stats', 'failcnt', 'limit']);
    expect(memory).toMatchObject({ usage: 1048576, max_usage: 2097152, failcnt: 3, limit: 536870912 });
    const counters = memory.stats as Record<string, number>;
    expect(Object.keys(counters)).toHaveLength(32);
    expect(Object.keys(counters)).toEqual([...Object.keys(counters)].sort());
    expect(counters).toMatchObject({ rss: 8192, cache: 4096, total_inactive_file: 1024, hierarchical_memory_limit: 0, total_rss: 0 });
    expect(counters).not.toHaveProperty('swap');
  });

  it('sends zero previous CPU stats and time on the first sample', () => {
    const stats = dockerStatsJson(v1Sample('2024-05-01T10:20:31Z', 2e9), undefined, container);
    expect(stats.preread).toBe('0001-01-01T00:00:00Z');
    expect(stats.precpu_stats).toEqual(zeroCpuStats);
  });

  it('reports a cgroup v2 sample as dockerd does: no per-CPU, peak or serviced counts, v2 memory.stat counters, failcnt from OOMs', () => {
    const stats = dockerStatsJson(v2Sample(), undefined, container);
    expect(stats.read).toBe('2024-05-01T10:20:30.5Z');
    expect(stats.pids_stats).toEqual({ current: 3, limit: 100 });
    expect(stats.blkio_stats).toEqual({
      io_service_bytes_recursive: [
        { major: 8, minor: 0, op: 'read', value: 4096 },
        { major: 8, minor: 0, op: 'write', value: 8192 },
      ],
      io_serviced_recursive: null,
      ...unsupportedBlkio,
    });
    expect((stats.cpu_stats as { cpu_usage: object }).cpu_usage).toEqual({ total_usage: 3e6, usage_in_kernelmode: 1e6, usage_in_usermode: 2e6 });
    const memory = stats.memory_stats as Record<string, unknown>;
    expect(Object.keys(memory)).toEqual(['usage', 'stats', 'failcnt', 'limit']);
    const counters = memory.stats as Record<string, number>;
    expect(Object.keys(counters)).toHaveLength(31);
    expect(counters).toMatchObject({ anon: 4096, inactive_file: 1024, file: 0, thp_collapse_alloc: 0 });
    expect(counters).not.toHaveProperty('zswap');
    expect(stats).not.toHaveProperty('networks');
  });

  it("gives a container that is not running dockerd's empty stats with its name and id", () => {
    expect(JSON.stringify(dockerStatsJson(undefined, v1Sample('2024-05-01T10:20:30Z', 1e9), container))).toBe(
      JSON.stringify({
        read: '0001-01-01T00:00:00Z',
        preread: '0001-01-01T00:00:00Z',
        pids_stats: {},
        blkio_stats: { io_service_bytes_recursive: null, io_serviced_recursive: null, ...unsupportedBlkio },
        num_procs: 0,
        storage_stats: {},
        cpu_stats: zeroCpuStats,
        precpu_stats: zeroCpuStats,
        memory_stats: {},
        name: '/web',
        id: '3f2a9c',
      }),
    );
  });
});
