/** HostConfig's resource fields, as clients send them (0 or null: not set). */
export interface ResourceConfig {
  Memory?: number;
  MemoryReservation?: number;
  MemorySwap?: number;
  MemorySwappiness?: number | null;
  OomKillDisable?: boolean | null;
  NanoCpus?: number;
  CpuShares?: number;
  CpuPeriod?: number;
  CpuQuota?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  PidsLimit?: number | null;
  BlkioWeight?: number;
}

/** What the host's cgroups can do, which decides between an error, a warning and a limit. */
export interface ResourceHost {
  /** CPUs this engine may use, e.g. `0-1`. */
  cpus: string;
  /** memory.memsw.* exists (swap accounting is on). */
  swapLimit: boolean;
  /** blkio.weight or blkio.bfq.weight exists. */
  blkioWeight: boolean;
}

const minimumMemory = 6 * 1024 * 1024;
const nanoCpuPeriod = 100_000;

/** `0-2,4` → {0,1,2,4}; undefined when it is not a CPU list. */
export function parseCpuList(list: string): Set<number> | undefined {
  const cpus = new Set<number>();
  for (const part of list.split(',')) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!match) return undefined;
    const [from, to] = [Number(match[1]), Number(match[2] ?? match[1])];
    if (to < from) return undefined;
    for (let cpu = from; cpu <= to; cpu++) cpus.add(cpu);
  }
  return cpus;
}

export interface CheckedResources {
  resources: ResourceConfig;
  problems: string[];
  warnings: string[];
}

/**
 * dockerd's checks of the resources asked for: impossible values are problems, limits the host's
 * cgroups cannot enforce are dropped with a warning (as dockerd does), the rest is kept as asked.
 */
export function checkResources(asked: ResourceConfig, host: ResourceHost): CheckedResources {
  const resources = { ...asked };
  const problems: string[] = [];
  const warnings: string[] = [];
  const memory = asked.Memory ?? 0;
  const swap = asked.MemorySwap ?? 0;
  const reservation = asked.MemoryReservation ?? 0;
  const hostCpus = parseCpuList(host.cpus) ?? new Set([0]);

  if (memory !== 0 && memory < minimumMemory) problems.push('Minimum memory limit allowed is 6MB');
  if (swap > 0 && memory === 0) problems.push('You should always set the Memory limit when using Memoryswap limit, see usage');
  if (swap > 0 && swap < memory) problems.push('Minimum memoryswap limit should be larger than memory limit, see usage');
  if (memory > 0 && !host.swapLimit && swap !== -1) {
    warnings.push('Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.');
    resources.MemorySwap = -1;
  }
  const swappiness = asked.MemorySwappiness;
  if (swappiness !== undefined && swappiness !== null && swappiness !== -1 && (swappiness < 0 || swappiness > 100)) {
    problems.push(`Invalid value: ${swappiness}, valid memory swappiness range is 0-100`);
  }
  if (reservation > 0 && reservation < minimumMemory) problems.push('Minimum memory reservation allowed is 6MB');
  if (memory > 0 && reservation > memory) problems.push('Minimum memory limit can not be less than memory reservation limit, see usage');
  if (asked.OomKillDisable && memory === 0) {
    warnings.push('OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.');
  }

  const nanoCpus = asked.NanoCpus ?? 0;
  if (nanoCpus > 0 && (asked.CpuPeriod ?? 0) > 0) problems.push('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (nanoCpus > 0 && (asked.CpuQuota ?? 0) > 0) problems.push('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (nanoCpus < 0 || nanoCpus > hostCpus.size * 1e9) {
    problems.push(`Range of CPUs is from 0.01 to ${hostCpus.size}.00, as there are only ${hostCpus.size} CPUs available`);
  }
  const period = asked.CpuPeriod ?? 0;
  if (period !== 0 && (period < 1000 || period > 1_000_000)) {
    problems.push('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  }
  if ((asked.CpuQuota ?? 0) > 0 && asked.CpuQuota! < 1000) problems.push('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  if (asked.CpusetCpus) {
    const wanted = parseCpuList(asked.CpusetCpus);
    if (!wanted) problems.push(`Invalid value ${asked.CpusetCpus} for cpuset cpus`);
    else if ([...wanted].some((cpu) => !hostCpus.has(cpu))) problems.push(`Requested CPUs are not available - requested ${asked.CpusetCpus}, available: ${host.cpus}`);
  }
  if (asked.CpusetMems && !parseCpuList(asked.CpusetMems)) problems.push(`Invalid value ${asked.CpusetMems} for cpuset mems`);

  const weight = asked.BlkioWeight ?? 0;
  if (weight > 0 && (weight < 10 || weight > 1000)) problems.push('Range of blkio weight is from 10 to 1000');
  else if (weight > 0 && !host.blkioWeight) {
    warnings.push('Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.');
    resources.BlkioWeight = 0;
  }
  return { resources, problems, warnings };
}

/** The OCI `linux.resources` limits (devices apart) of checked resources. */
export function ociResources(r: ResourceConfig): Record<string, unknown> {
  const memory: Record<string, unknown> = {};
  if (r.Memory) memory.limit = r.Memory;
  if (r.MemoryReservation) memory.reservation = r.MemoryReservation;
  // MemorySwap is memory plus swap; unset, it is twice the memory limit, as in dockerd. -1
  // (unlimited) is left out: runc would write it to memsw files a host without swap accounting lacks.
  const swap = r.MemorySwap || (r.Memory ? r.Memory * 2 : 0);
  if (swap > 0) memory.swap = swap;
  if (r.MemorySwappiness !== undefined && r.MemorySwappiness !== null && r.MemorySwappiness >= 0) memory.swappiness = r.MemorySwappiness;
  if (r.OomKillDisable) memory.disableOOMKiller = true;

  const cpu: Record<string, unknown> = {};
  if (r.CpuShares) cpu.shares = r.CpuShares;
  if (r.NanoCpus) {
    cpu.period = nanoCpuPeriod;
    cpu.quota = Math.round((r.NanoCpus * nanoCpuPeriod) / 1e9);
  } else {
    if (r.CpuPeriod) cpu.period = r.CpuPeriod;
    if (r.CpuQuota) cpu.quota = r.CpuQuota;
  }
  if (r.CpusetCpus) cpu.cpus = r.CpusetCpus;
  if (r.CpusetMems) cpu.mems = r.CpusetMems;

  const resources: Record<string, unknown> = {};
  if (Object.keys(memory).length) resources.memory = memory;
  if (Object.keys(cpu).length) resources.cpu = cpu;
  if (r.PidsLimit && r.PidsLimit > 0) resources.pids = { limit: r.PidsLimit };
  if (r.BlkioWeight) resources.blockIO = { weight: r.BlkioWeight };
  return resources;
}
