import { EngineError } from '@flotilla/proto';
import type { DockerConfig, HostConfig } from './container-record.js';
import { mergeEnv } from './image-config-merge.js';

/** Docker's default capability set. */
export const defaultCapabilities = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

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
}

/** `uid[:gid]` in numbers. Names need the container's /etc/passwd, which comes later. */
export function numericUser(user: string | undefined): { uid: number; gid: number } {
  if (!user || user === 'root') return { uid: 0, gid: 0 };
  const match = /^([0-9]+)(?::([0-9]+))?$/.exec(user);
  if (!match) throw EngineError.notImplemented(`user names are not resolved yet; give a numeric uid[:gid] instead of "${user}"`);
  return { uid: Number(match[1]), gid: Number(match[2] ?? 0) };
}

function bind(destination: string, source: string, readonly = false) {
  return { destination, type: 'bind', source, options: ['rbind', 'rprivate', readonly ? 'ro' : 'rw'] };
}

/** The OCI runtime spec of a container, with dockerd's defaults. */
export function buildOciSpec(input: SpecInput): Record<string, unknown> {
  const { config, hostConfig } = input;
  const user = numericUser(config.User);
  const env = mergeEnv(
    [defaultPath, `HOSTNAME=${input.hostname}`, ...(config.Tty ? ['TERM=xterm'] : []), `HOME=${user.uid === 0 ? '/root' : '/'}`],
    config.Env ?? [],
  );
  const namespaces: { type: string; path?: string }[] = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (input.netnsPath !== undefined) namespaces.push({ type: 'network', path: input.netnsPath });
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: config.Tty ?? false,
      user: { uid: user.uid, gid: user.gid },
      args: [input.path, ...input.args],
      env,
      cwd: config.WorkingDir || '/',
      capabilities: {
        bounding: defaultCapabilities,
        effective: defaultCapabilities,
        permitted: defaultCapabilities,
      },
      noNewPrivileges: false,
    },
    root: { path: 'rootfs', readonly: hostConfig.ReadonlyRootfs ?? false },
    hostname: input.hostname,
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${hostConfig.ShmSize}`] },
      bind('/etc/resolv.conf', input.files.resolvConf),
      bind('/etc/hostname', input.files.hostname),
      bind('/etc/hosts', input.files.hosts),
    ],
    linux: {
      namespaces,
      maskedPaths,
      readonlyPaths,
      cgroupsPath: `${input.cgroupParent}/${input.id}`,
      resources: { devices: allowedDevices },
    },
  };
}
