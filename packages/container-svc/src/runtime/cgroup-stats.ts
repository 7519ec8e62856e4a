import { access, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { cgroupRoot } from './host-facts.js';
import type { BlkioEntry, NetworkCounters, RawStats } from '../core/stats-json.js';

/** cpuacct.stat and /proc/stat count in USER_HZ ticks, which Linux fixes at 100 on every architecture. */
const nsPerTick = 1e9 / 100;

/** What the cgroup itself tells; host-wide CPU figures are added from /proc. */
type CgroupUsage = Pick<RawStats, 'memory' | 'pids' | 'blkio'> & { cpu: Omit<RawStats['cpu'], 'system' | 'onlineCpus'> };

/** A file that is missing (the cgroup of a container that just exited is gone) reads as empty. */
const readText = (path: string) => readFile(path, 'utf8').catch(() => '');

async function readAll<Name extends string>(paths: Record<Name, string>): Promise<Record<Name, string>> {
  const names = Object.keys(paths) as Name[];
  const texts = await Promise.all(names.map((name) => readText(paths[name])));
  return Object.fromEntries(names.map((name, i) => [name, texts[i].trim()])) as Record<Name, string>;
}

const toNumber = (text: string | undefined) => Number(text) || 0;
const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

/** Files of `key value` lines (memory.stat, cpu.stat, cpuacct.stat, memory.events). */
function keyValues(text: string): Record<string, number> {
  return Object.fromEntries(lines(text).map((line) => line.trim().split(/\s+/)).map(([key, value]) => [key, toNumber(value)]));
}

/** A memory limit, capped at the host's memory as dockerd does: cgroups write 'max' (v2) or a huge number (v1) for "none". */
function memoryLimit(text: string, hostMemory: number): number {
  if (text === 'max') return hostMemory;
  const limit = toNumber(text);
  return hostMemory > 0 ? Math.min(limit, hostMemory) : limit;
}

/** v1 blkio lines are `8:0 Read 1234`; the closing `Total 1234` line has no device and is skipped. */
function blkioV1(text: string): BlkioEntry[] {
  return lines(text).flatMap((line) => {
    const match = /^(\d+):(\d+)\s+(\S+)\s+(\d+)$/.exec(line.trim());
    return match ? [{ major: Number(match[1]), minor: Number(match[2]), op: match[3], value: Number(match[4]) }] : [];
  });
}

/** v2 io.stat lines are `8:0 rbytes=1 wbytes=2 rios=3 wios=4 ...`: one read and one write entry per device, as dockerd makes them. */
function ioV2(text: string, readKey: string, writeKey: string): BlkioEntry[] {
  return lines(text).flatMap((line) => {
    const [device, ...pairs] = line.trim().split(/\s+/);
    const [major, minor] = device.split(':').map(Number);
    const counters = Object.fromEntries(pairs.map((pair) => pair.split('=')));
    return [
      { major, minor, op: 'read', value: toNumber(counters[readKey]) },
      { major, minor, op: 'write', value: toNumber(counters[writeKey]) },
    ];
  });
}

async function readV1(root: string, cgroupPath: string, hostMemory: number): Promise<CgroupUsage> {
  const file = (controller: string, name: string) => join(root, controller, cgroupPath, name);
  const files = await readAll({
    usage: file('cpuacct', 'cpuacct.usage'),
    perCpu: file('cpuacct', 'cpuacct.usage_percpu'),
    cpuTicks: file('cpuacct', 'cpuacct.stat'),
    cpuStat: file('cpu', 'cpu.stat'),
    memoryUsage: file('memory', 'memory.usage_in_bytes'),
    memoryMaxUsage: file('memory', 'memory.max_usage_in_bytes'),
    memoryLimit: file('memory', 'memory.limit_in_bytes'),
    memoryFailcnt: file('memory', 'memory.failcnt'),
    memoryStat: file('memory', 'memory.stat'),
    pidsCurrent: file('pids', 'pids.current'),
    pidsMax: file('pids', 'pids.max'),
    serviceBytes: file('blkio', 'blkio.throttle.io_service_bytes_recursive'),
    serviced: file('blkio', 'blkio.throttle.io_serviced_recursive'),
    // Older kernels lack the recursive counters; the plain ones (containerd's choice) agree for a leaf cgroup.
    serviceBytesOwn: file('blkio', 'blkio.throttle.io_service_bytes'),
    servicedOwn: file('blkio', 'blkio.throttle.io_serviced'),
  });
  const ticks = keyValues(files.cpuTicks);
  const cpuStat = keyValues(files.cpuStat);
  return {
    cpu: {
      total: toNumber(files.usage),
      perCpu: files.perCpu ? files.perCpu.split(/\s+/).map(toNumber) : [],
      kernel: (ticks.system ?? 0) * nsPerTick,
      user: (ticks.user ?? 0) * nsPerTick,
      throttling: { periods: cpuStat.nr_periods ?? 0, throttledPeriods: cpuStat.nr_throttled ?? 0, throttledTime: cpuStat.throttled_time ?? 0 },
    },
    memory: {
      usage: toNumber(files.memoryUsage),
      maxUsage: toNumber(files.memoryMaxUsage),
      limit: memoryLimit(files.memoryLimit, hostMemory),
      failcnt: toNumber(files.memoryFailcnt),
      stats: keyValues(files.memoryStat),
    },
    // pids.max is 'max' when unlimited, which reads as 0: Docker's "no limit".
    pids: { current: toNumber(files.pidsCurrent), limit: toNumber(files.pidsMax) },
    blkio: { serviceBytes: blkioV1(files.serviceBytes || files.serviceBytesOwn), serviced: blkioV1(files.serviced || files.servicedOwn) },
  };
}

async function readV2(dir: string, hostMemory: number): Promise<CgroupUsage> {
  const files = await readAll({
    cpuStat: join(dir, 'cpu.stat'),
    memoryCurrent: join(dir, 'memory.current'),
    memoryPeak: join(dir, 'memory.peak'),
    memoryMax: join(dir, 'memory.max'),
    memoryEvents: join(dir, 'memory.events'),
    memoryStat: join(dir, 'memory.stat'),
    pidsCurrent: join(dir, 'pids.current'),
    pidsMax: join(dir, 'pids.max'),
    ioStat: join(dir, 'io.stat'),
  });
  const cpuStat = keyValues(files.cpuStat);
  return {
    cpu: {
      total: (cpuStat.usage_usec ?? 0) * 1000,
      perCpu: [],
      kernel: (cpuStat.system_usec ?? 0) * 1000,
      user: (cpuStat.user_usec ?? 0) * 1000,
      throttling: { periods: cpuStat.nr_periods ?? 0, throttledPeriods: cpuStat.nr_throttled ?? 0, throttledTime: (cpuStat.throttled_usec ?? 0) * 1000 },
    },
    memory: {
      usage: toNumber(files.memoryCurrent),
      maxUsage: toNumber(files.memoryPeak),
      limit: memoryLimit(files.memoryMax, hostMemory),
      // v2 has no failcnt; dockerd reports the OOM count in its place.
      failcnt: keyValues(files.memoryEvents).oom ?? 0,
      stats: keyValues(files.memoryStat),
    },
    pids: { current: toNumber(files.pidsCurrent), limit: toNumber(files.pidsMax) },
    blkio: { serviceBytes: ioV2(files.ioStat, 'rbytes', 'wbytes'), serviced: ioV2(files.ioStat, 'rios', 'wios') },
  };
}

/** Host CPU time since boot, as dockerd sums it: the first seven fields of /proc/stat's `cpu` line (steal and guest left out). */
function hostCpuTime(procStat: string): number {
  const total = procStat.split('\n').find((line) => line.startsWith('cpu '));
  const ticks = total?.trim().split(/\s+/).slice(1, 8).map(toNumber) ?? [];
  return ticks.reduce((sum, tick) => sum + tick, 0) * nsPerTick;
}

const memTotalBytes = (meminfo: string) => toNumber(/^MemTotal:\s+(\d+)\s*kB/m.exec(meminfo)?.[1]) * 1024;

/** Counters of the interfaces in the network namespace of `pid`, from its /proc/<pid>/net/dev. */
function networkCounters(netDev: string): Record<string, NetworkCounters> {
  const networks: Record<string, NetworkCounters> = {};
  // The first two lines are headers; then `  eth0: rx(bytes packets errs drop fifo frame compressed multicast) tx(bytes packets errs drop ...)`.
  for (const line of netDev.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const counters = line.slice(colon + 1).trim().split(/\s+/).map(toNumber);
    if (name === 'lo' || counters.length < 12) continue;
    const [rxBytes, rxPackets, rxErrors, rxDropped, , , , , txBytes, txPackets, txErrors, txDropped] = counters;
    networks[name] = { rxBytes, rxPackets, rxErrors, rxDropped, txBytes, txPackets, txErrors, txDropped };
  }
  return networks;
}

/**
 * Samples the cgroup at `cgroupPath` (the same relative path under every v1 controller, or in the v2
 * tree) and the network namespace of `pid` (0 for none). Never throws for missing files: a container
 * whose cgroup is already gone samples as zeros.
 */
export async function readCgroupStats(cgroupPath: string, pid: number, roots: { cgroup?: string; proc?: string } = {}): Promise<RawStats> {
  const cgroups = roots.cgroup ?? cgroupRoot;
  const procRoot = roots.proc ?? '/proc';
  const read = new Date();
  const [unified, procStat, meminfo, netDev] = await Promise.all([
    access(join(cgroups, 'cgroup.controllers')).then(() => true, () => false),
    readText(join(procRoot, 'stat')),
    readText(join(procRoot, 'meminfo')),
    pid > 0 ? readText(join(procRoot, String(pid), 'net', 'dev')) : '',
  ]);
  const hostMemory = memTotalBytes(meminfo);
  const usage = unified ? await readV2(join(cgroups, cgroupPath), hostMemory) : await readV1(cgroups, cgroupPath, hostMemory);
  return {
    read,
    cgroupVersion: unified ? 2 : 1,
    ...usage,
    // Clients multiply the share of host CPU time by this count, so it must count the CPUs /proc/stat
    // sums over (dockerd: its own affinity), not the container's cpuset.
    cpu: { ...usage.cpu, system: hostCpuTime(procStat), onlineCpus: availableParallelism() },
    networks: networkCounters(netDev),
  };
}
