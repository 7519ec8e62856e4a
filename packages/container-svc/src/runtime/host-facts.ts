import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { availableParallelism, release } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { linuxCapabilities } from '../core/capabilities.js';
import type { HostDevice, HostFacts } from '../core/host-facts.js';
import { kernelAbis } from '../core/seccomp/index.js';

/** Where the host's cgroup hierarchies are mounted (v2, or one directory per v1 controller). */
export const cgroupRoot = '/sys/fs/cgroup';

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

const firstLine = (path: string) => readText(path).split('\n')[0].trim() || undefined;

/** Linux dev_t: 12 bits of major and 20 of minor, split across the number. */
const majorOf = (rdev: number) => Number((BigInt(rdev) >> 8n) & 0xfffn) | Number((BigInt(rdev) >> 32n) & ~0xfffn);
const minorOf = (rdev: number) => Number(BigInt(rdev) & 0xffn) | Number((BigInt(rdev) >> 12n) & ~0xffn);

/** Device nodes under /dev, except the ones every container gets its own of. */
async function hostDevices(dir = '/dev'): Promise<HostDevice[]> {
  const devices: HostDevice[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!['/dev/pts', '/dev/shm', '/dev/mqueue'].includes(path)) devices.push(...(await hostDevices(path)));
    } else if (entry.isCharacterDevice() || entry.isBlockDevice()) {
      if (path === '/dev/console' || path === '/dev/ptmx') continue;
      const info = await stat(path).catch(() => undefined);
      if (!info) continue;
      devices.push({ path, type: entry.isCharacterDevice() ? 'c' : 'b', major: majorOf(info.rdev), minor: minorOf(info.rdev), fileMode: info.mode & 0o7777, uid: info.uid, gid: info.gid });
    }
  }
  return devices;
}

/**
 * Capabilities this process may hand on (its bounding set): every capability the kernel knows,
 * unless the engine itself runs with fewer (in a container or a restricted VM).
 */
function boundingCapabilities(): string[] {
  const lastCap = Number(firstLine('/proc/sys/kernel/cap_last_cap') ?? linuxCapabilities.length - 1);
  const known = linuxCapabilities.slice(0, lastCap + 1);
  const bounding = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readText('/proc/self/status'));
  if (!bounding) return known;
  const mask = BigInt(`0x${bounding[1]}`);
  return known.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}

/**
 * Whether cgroups under `controller` have one of `files`. The root cgroup lacks most limit files
 * (memory.memsw.*, blkio.bfq.weight), so the children, where containers live, are asked too.
 */
function cgroupsHave(controller: string, files: string[]): boolean {
  const dir = join(cgroupRoot, controller);
  let children: string[] = [];
  try {
    children = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(dir, entry.name));
  } catch {
    // No such controller: nothing to find.
  }
  return [dir, ...children].some((cgroup) => files.some((file) => existsSync(join(cgroup, file))));
}

/** The kernel's build configuration: /proc/config.gz where the kernel offers it, else the distribution's copy. */
function kernelConfig(): string | undefined {
  try {
    return gunzipSync(readFileSync('/proc/config.gz')).toString('utf8');
  } catch {
    return readText(`/boot/config-${release()}`) || undefined;
  }
}

/** Reads the host's cgroups (v1 or v2), capabilities, syscall ABIs and init binary. */
export function readHostFacts(initBinary: string): HostFacts {
  const v2 = existsSync(join(cgroupRoot, 'cgroup.controllers'));
  return {
    cpus: firstLine(join(cgroupRoot, v2 ? 'cpuset.cpus.effective' : 'cpuset/cpuset.cpus')) ?? `0-${availableParallelism() - 1}`,
    swapLimit: v2 ? cgroupsHave('', ['memory.swap.max']) : cgroupsHave('memory', ['memory.memsw.limit_in_bytes']),
    blkioWeight: v2 ? cgroupsHave('', ['io.weight', 'io.bfq.weight']) : cgroupsHave('blkio', ['blkio.weight', 'blkio.bfq.weight']),
    capabilities: boundingCapabilities(),
    syscallAbis: kernelAbis(kernelConfig(), readText('/proc/cmdline')),
    initBinary: existsSync(initBinary) ? initBinary : undefined,
    devices: () => hostDevices(),
  };
}
