import { effectiveCapabilities } from './capabilities.js';
import type { DockerConfig, HostConfig } from './container-record.js';
import type { HostDevice, HostFacts } from './host-facts.js';
import { parentsFirst, type MountPoint } from './container-mounts.js';
import { mergeEnv } from './image-config-merge.js';
import { ociResources } from './resources.js';
import { defaultSeccompProfile, seccompFromDockerProfile, type LinuxSeccomp } from './seccomp/index.js';
import { parseSecurityOptions } from './security-options.js';
import { tmpfsDefaults, tmpfsMounts } from './tmpfs-mounts.js';
import { ociRlimits } from './ulimits.js';
import type { ExecUser } from './user-lookup.js';

/** Paths hidden from containers and paths made read-only, as dockerd sets them. */
export const maskedPaths = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
export const readonlyPaths = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

const defaultPath = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Character devices every container may use (null, zero, full, random, urandom, tty, console, ptmx, pts). */
const allowedDevices = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', major: -1, minor: -1, access: 'm' },
  { allow: true, type: 'b', major: -1, minor: -1, access: 'm' },
  ...[
    [1, 3],
    [1, 5],
    [1, 7],
    [1, 8],
    [1, 9],
    [5, 0],
    [5, 1],
    [5, 2],
    [136, -1],
  ].map(([major, minor]) => ({ allow: true, type: 'c', major, minor, access: 'rwm' })),
];

export interface ContainerFiles {
  hostname: string;
  hosts: string;
  resolvConf: string;
}

export interface SpecInput {
  id: string;
  config: DockerConfig;
  hostConfig: HostConfig;
  path: string;
  args: string[];
  hostname: string;
  /** The network namespace to join; undefined shares the host's network. */
  netnsPath: string | undefined;
  cgroupParent: string;
  files: ContainerFiles;
  /** The container's user, resolved from its /etc/passwd and /etc/group. */
  user: ExecUser;
  host: HostFacts;
  /** The host's devices, for a privileged container. */
  devices: readonly HostDevice[];
  /** Volumes, binds and --mount tmpfs. */
  mounts: readonly MountPoint[];
}

/** Where `--init` puts the host's static init inside the container. */
const initPath = '/sbin/docker-init';

function bind(destination: string, source: string, readonly = false) {
  return { destination, type: 'bind', source, options: ['rbind', 'rprivate', readonly ? 'ro' : 'rw'] };
}

function seccompOf(seccomp: string, privileged: boolean, capabilities: readonly string[], abis: readonly string[]): LinuxSeccomp | undefined {
  if (seccomp === 'unconfined' || (privileged && seccomp === 'default')) return undefined;
  return seccomp === 'default' ? defaultSeccompProfile(capabilities, abis) : seccompFromDockerProfile(seccomp, capabilities, abis);
}

function namespacesOf(hostConfig: HostConfig, netnsPath: string | undefined): { type: string; path?: string }[] {
  const namespaces: { type: string; path?: string }[] = [{ type: 'mount' }];
  if (hostConfig.PidMode !== 'host') namespaces.push({ type: 'pid' });
  if (hostConfig.IpcMode !== 'host') namespaces.push({ type: 'ipc' });
  if (hostConfig.UTSMode !== 'host') namespaces.push({ type: 'uts' });
  if (hostConfig.CgroupnsMode === 'private') namespaces.push({ type: 'cgroup' });
  if (netnsPath !== undefined) namespaces.push({ type: 'network', path: netnsPath });
  return namespaces;
}

/** The OCI mounts of a container's volumes, binds and tmpfs, parents before what is mounted inside them. */
function userMounts(mounts: readonly MountPoint[]) {
  return parentsFirst(mounts).map((mount) => {
    const access = mount.rw ? 'rw' : 'ro';
    if (mount.type === 'tmpfs') return { destination: mount.destination, type: 'tmpfs', source: 'tmpfs', options: [...tmpfsDefaults, ...(mount.tmpfsOptions ?? []), access] };
    return { destination: mount.destination, type: 'bind', source: mount.source, options: [mount.nonRecursive ? 'bind' : 'rbind', mount.propagation || 'rprivate', access] };
  });
}

function shmMount(hostConfig: HostConfig) {
  if (hostConfig.IpcMode === 'none') return [];
  if (hostConfig.IpcMode === 'host') return [bind('/dev/shm', '/dev/shm')];
  return [{ destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${hostConfig.ShmSize}`] }];
}

/** The OCI runtime spec of a container, with dockerd's defaults and what its HostConfig asks for. */
export function buildOciSpec(input: SpecInput): Record<string, unknown> {
  const { config, hostConfig, user, host } = input;
  const privileged = hostConfig.Privileged === true;
  const security = parseSecurityOptions(hostConfig.SecurityOpt);
  const { capabilities } = effectiveCapabilities({ capAdd: hostConfig.CapAdd, capDrop: hostConfig.CapDrop, privileged }, host.capabilities);
  const confined = !privileged && !security.unmaskSystemPaths;
  // No HOME: runc sets it from the container's /etc/passwd, as for dockerd's containers.
  const env = mergeEnv([defaultPath, `HOSTNAME=${input.hostname}`, ...(config.Tty ? ['TERM=xterm'] : [])], config.Env ?? []);
  const command = [input.path, ...input.args];
  const init = hostConfig.Init && host.initBinary ? host.initBinary : undefined;
  const readonlyKernelFs = privileged ? [] : ['ro'];
  const seccomp = seccompOf(security.seccomp, privileged, capabilities, host.syscallAbis);
  const mounted = new Set(input.mounts.map((m) => m.destination));
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: config.Tty ?? false,
      // The primary group leads the list, as dockerd hands it to runc.
      user: { uid: user.uid, gid: user.gid, additionalGids: [user.gid, ...user.additionalGids] },
      args: init ? [initPath, '--', ...command] : command,
      env,
      cwd: config.WorkingDir || '/',
      capabilities: { bounding: capabilities, effective: capabilities, permitted: capabilities },
      noNewPrivileges: security.noNewPrivileges,
      rlimits: ociRlimits(hostConfig.Ulimits).rlimits,
      ...(hostConfig.OomScoreAdj ? { oomScoreAdj: hostConfig.OomScoreAdj } : {}),
    },
    root: { path: 'rootfs', readonly: hostConfig.ReadonlyRootfs ?? false },
    ...(hostConfig.UTSMode === 'host' ? {} : { hostname: input.hostname, ...(config.Domainname ? { domainname: config.Domainname } : {}) }),
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', ...readonlyKernelFs] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: [...readonlyKernelFs, 'nosuid', 'noexec', 'nodev'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      ...(mounted.has('/dev/shm') ? [] : shmMount(hostConfig)),
      ...tmpfsMounts(hostConfig.Tmpfs).mounts,
      // The user's own /etc files win over the engine's, as in dockerd.
      ...[bind('/etc/resolv.conf', input.files.resolvConf), bind('/etc/hostname', input.files.hostname), bind('/etc/hosts', input.files.hosts)].filter((m) => !mounted.has(m.destination)),
      ...(init ? [bind(initPath, init, true)] : []),
      ...userMounts(input.mounts),
    ],
    linux: {
      namespaces: namespacesOf(hostConfig, input.netnsPath),
      maskedPaths: confined ? (hostConfig.MaskedPaths ?? maskedPaths) : [],
      readonlyPaths: confined ? (hostConfig.ReadonlyPaths ?? readonlyPaths) : [],
      cgroupsPath: `${input.cgroupParent}/${input.id}`,
      resources: { devices: privileged ? [{ allow: true, access: 'rwm' }] : allowedDevices, ...ociResources(hostConfig) },
      ...(privileged ? { devices: input.devices } : {}),
      ...(hostConfig.Sysctls && Object.keys(hostConfig.Sysctls).length ? { sysctl: hostConfig.Sysctls } : {}),
      ...(seccomp ? { seccomp } : {}),
    },
  };
}
