import type { Instant } from '@flotilla/kit';
import type { MountPoint } from './container-mounts.js';
import type { NetworkAttachment } from './ports.js';
import type { ResourceConfig } from './resources.js';
import type { Ulimit } from './ulimits.js';

/** Docker's container Config, as clients send it and inspect shows it. */
export interface DockerConfig {
  Hostname?: string;
  Domainname?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ExposedPorts?: Record<string, object> | null;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Healthcheck?: Record<string, unknown> | null;
  ArgsEscaped?: boolean;
  Image?: string;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Entrypoint?: string[] | null;
  NetworkDisabled?: boolean;
  OnBuild?: string[] | null;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  StopTimeout?: number | null;
  Shell?: string[] | null;
  /** Deprecated in API 1.44 for EndpointsConfig's; still sent by older clients. */
  MacAddress?: string;
}

export interface LogConfig {
  Type: string;
  Config: Record<string, string>;
}

/** The part of Docker's HostConfig this engine acts on; other fields are kept as sent. */
export interface HostConfig extends ResourceConfig {
  NetworkMode?: string;
  RestartPolicy?: { Name?: string; MaximumRetryCount?: number };
  AutoRemove?: boolean;
  ReadonlyRootfs?: boolean;
  ShmSize?: number;
  Init?: boolean | null;
  Privileged?: boolean;
  CapAdd?: string[] | null;
  CapDrop?: string[] | null;
  SecurityOpt?: string[] | null;
  Sysctls?: Record<string, string> | null;
  Ulimits?: Ulimit[] | null;
  Tmpfs?: Record<string, string> | null;
  OomScoreAdj?: number;
  PidMode?: string;
  IpcMode?: string;
  UTSMode?: string;
  CgroupnsMode?: string;
  GroupAdd?: string[] | null;
  ExtraHosts?: string[] | null;
  Dns?: string[] | null;
  DnsSearch?: string[] | null;
  DnsOptions?: string[] | null;
  MaskedPaths?: string[] | null;
  ReadonlyPaths?: string[] | null;
  LogConfig?: Partial<LogConfig> | null;
  [field: string]: unknown;
}

/** Docker's EndpointSettings as a client asks for them (NetworkingConfig.EndpointsConfig, network connect). */
export interface EndpointConfig {
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | null;
  Aliases?: string[] | null;
  MacAddress?: string;
  Links?: string[] | null;
  DriverOpts?: Record<string, string> | null;
  [field: string]: unknown;
}

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

/** One run of a healthcheck, as inspect shows it. */
export interface HealthProbe {
  start: Instant;
  end: Instant;
  exitCode: number;
  output: string;
}

export interface HealthState {
  status: HealthStatus;
  failingStreak: number;
  /** The last five probes, oldest first. */
  log: HealthProbe[];
}

export interface ContainerState {
  status: ContainerStatus;
  pid: number;
  exitCode: number;
  error: string;
  startedAt?: Instant;
  finishedAt?: Instant;
  oomKilled: boolean;
  /** Only for containers with a healthcheck. */
  health?: HealthState;
}

/** What is persisted about a container: plain data, no live handles. */
export interface ContainerRecord {
  id: string;
  /** Without the leading slash. */
  name: string;
  created: Instant;
  /** The image as the user named it. */
  image: string;
  imageId: string;
  /** Config merged with the image's. */
  config: DockerConfig;
  hostConfig: HostConfig;
  path: string;
  args: string[];
  snapshotter: string;
  /** Starts made by the restart policy. */
  restartCount: number;
  /** Stopped by the user (docker stop): the restart policy leaves it stopped until it is started. */
  manuallyStopped?: boolean;
  state: ContainerState;
  /** The networks it joins, keyed by the name it used, with what it asked of each (none for host, none and container: modes). */
  networks?: Record<string, EndpointConfig>;
  /** What network-svc gave its current run. */
  attached?: NetworkAttachment;
  /** Its volumes, binds and --mount tmpfs mounts. */
  mounts?: MountPoint[];
}

export function isRunning(state: ContainerState): boolean {
  return state.status === 'running' || state.status === 'paused' || state.status === 'restarting';
}
