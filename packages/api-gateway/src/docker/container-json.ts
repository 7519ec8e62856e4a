import { create } from '@bufbuild/protobuf';
import { containerV1 } from '@flotilla/proto';
import { compareApiVersions } from '../http/api-version.js';
import { humanDuration, rfc3339Nano, unixSeconds } from './time-format.js';

type Container = containerV1.Container;
const Status = containerV1.ContainerStatus;

const statusNames: Record<containerV1.ContainerStatus, string> = {
  [Status.UNSPECIFIED]: 'created',
  [Status.CREATED]: 'created',
  [Status.RUNNING]: 'running',
  [Status.PAUSED]: 'paused',
  [Status.RESTARTING]: 'restarting',
  [Status.REMOVING]: 'removing',
  [Status.EXITED]: 'exited',
  [Status.DEAD]: 'dead',
};

function parseJson(bytes: Uint8Array): Record<string, unknown> {
  return bytes.length ? (JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>) : {};
}

/** The endpoint of the network a container joined; addresses arrive with bridge networks. */
function emptyEndpoint() {
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: null,
    NetworkID: '',
    EndpointID: '',
    Gateway: '',
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    MacAddress: '',
    DriverOpts: null,
  };
}

function networkName(hostConfig: Record<string, unknown>): string {
  const mode = String(hostConfig.NetworkMode ?? 'default');
  return mode === 'default' ? 'none' : mode;
}

function healthJson(health: containerV1.Health): Record<string, unknown> {
  return {
    Status: health.status,
    FailingStreak: health.failingStreak,
    Log: health.log.map((probe) => ({ Start: rfc3339Nano(probe.start), End: rfc3339Nano(probe.end), ExitCode: probe.exitCode, Output: probe.output })),
  };
}

/** ` (healthy)` and the like, which `docker ps` appends to a running container's status. */
function healthSuffix(health: containerV1.Health | undefined): string {
  if (!health) return '';
  return health.status === 'starting' ? ' (health: starting)' : ` (${health.status})`;
}

/** `GET /containers/{id}/json`. */
export function containerInspectJson(c: Container, apiVersion: string): Record<string, unknown> {
  const state = c.state ?? create(containerV1.ContainerStateSchema);
  const hostConfig = parseJson(c.hostConfigJson);
  const config = parseJson(c.configJson);
  const status = state.status;
  const inspect: Record<string, unknown> = {
    Id: c.id,
    Created: rfc3339Nano(c.created),
    Path: c.path,
    Args: c.args,
    State: {
      Status: statusNames[status],
      Running: status === Status.RUNNING || status === Status.PAUSED || status === Status.RESTARTING,
      Paused: status === Status.PAUSED,
      Restarting: status === Status.RESTARTING,
      OOMKilled: state.oomKilled,
      Dead: status === Status.DEAD,
      Pid: state.pid,
      ExitCode: state.exitCode,
      Error: state.error,
      StartedAt: rfc3339Nano(state.startedAt),
      FinishedAt: rfc3339Nano(state.finishedAt),
      ...(state.health ? { Health: healthJson(state.health) } : {}),
    },
    Image: c.imageId,
    ResolvConfPath: c.stateDir ? `${c.stateDir}/resolv.conf` : '',
    HostnamePath: c.stateDir ? `${c.stateDir}/hostname` : '',
    HostsPath: c.stateDir ? `${c.stateDir}/hosts` : '',
    LogPath: c.logPath,
    Name: `/${c.name}`,
    RestartCount: c.restartCount,
    Driver: c.driver,
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: hostConfig,
    GraphDriver: { Data: null, Name: c.driver },
    Mounts: [],
    Config: config,
    NetworkSettings: {
      Bridge: '',
      SandboxID: '',
      SandboxKey: '',
      Ports: {},
      HairpinMode: false,
      LinkLocalIPv6Address: '',
      LinkLocalIPv6PrefixLen: 0,
      SecondaryIPAddresses: null,
      SecondaryIPv6Addresses: null,
      EndpointID: '',
      Gateway: '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      IPAddress: '',
      IPPrefixLen: 0,
      IPv6Gateway: '',
      MacAddress: '',
      Networks: { [networkName(hostConfig)]: emptyEndpoint() },
    },
  };
  if (compareApiVersions(apiVersion, '1.44') >= 0) {
    // 1.44 dropped the deprecated top-level endpoint fields from NetworkSettings.
    const settings = inspect.NetworkSettings as Record<string, unknown>;
    for (const key of ['HairpinMode', 'LinkLocalIPv6Address', 'LinkLocalIPv6PrefixLen', 'SecondaryIPAddresses', 'SecondaryIPv6Addresses']) delete settings[key];
  }
  return inspect;
}

/** `docker ps` quotes arguments that contain spaces, as dockerd builds the Command column. */
function commandLine(c: Container): string {
  if (c.args.length === 0) return c.path;
  return `${c.path} ${c.args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`;
}

function statusText(c: Container, now: number): string {
  const state = c.state;
  const since = (ts: { seconds: bigint; nanos: number } | undefined) =>
    humanDuration(now - (ts ? Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6) : now));
  switch (state?.status) {
    case Status.RUNNING:
      return `Up ${since(state.startedAt)}${healthSuffix(state.health)}`;
    case Status.PAUSED:
      return `Up ${since(state.startedAt)} (Paused)`;
    case Status.RESTARTING:
      return `Restarting (${state.exitCode}) ${since(state.finishedAt)} ago`;
    case Status.REMOVING:
      return 'Removal In Progress';
    case Status.DEAD:
      return 'Dead';
    case Status.EXITED:
      return `Exited (${state.exitCode}) ${since(state.finishedAt)} ago`;
    default:
      return 'Created';
  }
}

/** One entry of `GET /containers/json`. */
export function containerSummaryJson(c: Container, now = Date.now()): Record<string, unknown> {
  // Summaries carry labels and network mode as fields; a container-svc older than them sends the JSON.
  const config = c.configJson.length ? parseJson(c.configJson) : { Labels: c.labels };
  const hostConfig = c.hostConfigJson.length ? parseJson(c.hostConfigJson) : { NetworkMode: c.networkMode };
  return {
    Id: c.id,
    Names: [`/${c.name}`],
    Image: c.image,
    ImageID: c.imageId,
    Command: commandLine(c),
    Created: unixSeconds(c.created),
    Ports: [],
    Labels: config.Labels ?? {},
    State: statusNames[c.state?.status ?? Status.CREATED],
    Status: statusText(c, now),
    HostConfig: { NetworkMode: hostConfig.NetworkMode ?? 'default' },
    NetworkSettings: { Networks: { [networkName(hostConfig)]: emptyEndpoint() } },
    Mounts: [],
    ...(c.sizeRw !== undefined ? { SizeRw: Number(c.sizeRw), SizeRootFs: Number(c.sizeRootFs ?? 0n) } : {}),
  };
}
