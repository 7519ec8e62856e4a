/** Block I/O of one device, as cgroups count it: `op` is Read, Write, Sync, Async, Discard or Total (v1), read or write (v2). */
export interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

export interface NetworkCounters {
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDropped: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDropped: number;
}

/** One sample of a running container's resource usage (times in ns, sizes in bytes). */
export interface RawStats {
  read: Date;
  /** The hierarchy the sample came from: v1 and v2 count different things, and dockerd reports them differently. */
  cgroupVersion: 1 | 2;
  cpu: {
    total: number;
    /** Empty on cgroup v2, which does not account per CPU. */
    perCpu: number[];
    kernel: number;
    user: number;
    /** CPU time of the whole host since boot: what clients divide the container's CPU time by. */
    system: number;
    onlineCpus: number;
    throttling: { periods: number; throttledPeriods: number; throttledTime: number };
  };
  memory: {
    usage: number;
    maxUsage: number;
    /** The host's memory when the container has no (or a larger) limit, as dockerd reports it. */
    limit: number;
    failcnt: number;
    /** memory.stat as the kernel writes it. */
    stats: Record<string, number>;
  };
  pids: { current: number; /** 0 when unlimited. */ limit: number };
  blkio: { serviceBytes: BlkioEntry[]; serviced: BlkioEntry[] };
  /** By interface name, loopback excluded. */
  networks: Record<string, NetworkCounters>;
}

/** Go's zero time.Time, which dockerd sends for a sample it does not have. */
const zeroTime = '0001-01-01T00:00:00Z';

/** The memory.stat counters dockerd copies (those containerd parses), per cgroup version; others are dropped. */
const v1Counters = ['cache', 'rss', 'rss_huge', 'mapped_file', 'dirty', 'writeback', 'pgpgin', 'pgpgout', 'pgfault', 'pgmajfault', 'inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable'];
const memoryStatKeys = {
  1: [...v1Counters, 'hierarchical_memory_limit', 'hierarchical_memsw_limit', ...v1Counters.map((key) => `total_${key}`)].sort(),
  2: [
    'anon', 'file', 'kernel_stack', 'slab', 'sock', 'shmem', 'file_mapped', 'file_dirty', 'file_writeback', 'anon_thp', 'inactive_anon', 'active_anon',
    'inactive_file', 'active_file', 'unevictable', 'slab_reclaimable', 'slab_unreclaimable', 'pgfault', 'pgmajfault', 'workingset_refault',
    'workingset_activate', 'workingset_nodereclaim', 'pgrefill', 'pgscan', 'pgsteal', 'pgactivate', 'pgdeactivate', 'pglazyfree', 'pglazyfreed',
    'thp_fault_alloc', 'thp_collapse_alloc',
  ].sort(),
};

/** Go's RFC3339Nano, which drops trailing zeros of the fraction. */
function goTime(date: Date | undefined): string {
  return date ? date.toISOString().replace(/\.?0*Z$/, 'Z') : zeroTime;
}

/** Go's `omitempty` on numbers: zero (and absent) fields are left out. */
function omitZero(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined && value !== 0));
}

/** A nil slice marshals as null, so dockerd sends null rather than []. */
const blkioEntries = (entries: BlkioEntry[] | undefined) => (entries?.length ? entries.map(({ major, minor, op, value }) => ({ major, minor, op, value })) : null);

function cpuStats(sample: RawStats | undefined): Record<string, unknown> {
  const cpu = sample?.cpu;
  return {
    cpu_usage: {
      total_usage: cpu?.total ?? 0,
      ...(cpu && cpu.perCpu.length > 0 ? { percpu_usage: cpu.perCpu } : {}),
      usage_in_kernelmode: cpu?.kernel ?? 0,
      usage_in_usermode: cpu?.user ?? 0,
    },
    ...omitZero({ system_cpu_usage: cpu?.system, online_cpus: cpu?.onlineCpus }),
    throttling_data: {
      periods: cpu?.throttling.periods ?? 0,
      throttled_periods: cpu?.throttling.throttledPeriods ?? 0,
      throttled_time: cpu?.throttling.throttledTime ?? 0,
    },
  };
}

function memoryStats({ cgroupVersion, memory }: RawStats): Record<string, unknown> {
  return omitZero({
    usage: memory.usage,
    // dockerd reports no peak on cgroup v2.
    max_usage: cgroupVersion === 1 ? memory.maxUsage : undefined,
    stats: Object.fromEntries(memoryStatKeys[cgroupVersion].map((key) => [key, memory.stats[key] ?? 0])),
    failcnt: memory.failcnt,
    limit: memory.limit,
  });
}

function networkStats(networks: Record<string, NetworkCounters>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(networks)
      .sort()
      .map((name) => {
        const counters = networks[name];
        return [
          name,
          {
            rx_bytes: counters.rxBytes,
            rx_packets: counters.rxPackets,
            rx_errors: counters.rxErrors,
            rx_dropped: counters.rxDropped,
            tx_bytes: counters.txBytes,
            tx_packets: counters.txPackets,
            tx_errors: counters.txErrors,
            tx_dropped: counters.txDropped,
          },
        ];
      }),
  );
}

/**
 * The body of GET /containers/{id}/stats (API 1.45), key for key in dockerd's order. `previous` is the
 * sample sent before `current` in the same stream (undefined on the first one); `current` is undefined
 * for a container that is not running, which gets dockerd's empty stats with only its name and id.
 */
export function dockerStatsJson(current: RawStats | undefined, previous: RawStats | undefined, container: { id: string; name: string }): Record<string, unknown> {
  const networks = current && Object.keys(current.networks).length > 0 ? networkStats(current.networks) : undefined;
  return {
    read: goTime(current?.read),
    preread: goTime(current && previous?.read),
    pids_stats: omitZero({ current: current?.pids.current, limit: current?.pids.limit }),
    blkio_stats: {
      io_service_bytes_recursive: blkioEntries(current?.blkio.serviceBytes),
      // dockerd reports only bytes on cgroup v2.
      io_serviced_recursive: blkioEntries(current?.cgroupVersion === 1 ? current.blkio.serviced : undefined),
      io_queue_recursive: null,
      io_service_time_recursive: null,
      io_wait_time_recursive: null,
      io_merged_recursive: null,
      io_time_recursive: null,
      sectors_recursive: null,
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(current),
    precpu_stats: cpuStats(current && previous),
    memory_stats: current ? memoryStats(current) : {},
    name: `/${container.name}`,
    id: container.id,
    ...(networks && { networks }),
  };
}
