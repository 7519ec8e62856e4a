import { create } from '@bufbuild/protobuf';
import { containerV1, type networkV1 } from '@flotilla/proto';
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

type EndpointConfig = { IPAMConfig?: Record<string, unknown> | null; Links?: string[] | null; Aliases?: string[] | null; MacAddress?: string; DriverOpts?: Record<string, string> | null };

/** A network's entry in NetworkSettings.Networks: what was asked for, and what network-svc made while the container runs. */
function endpointJson(config: EndpointConfig, endpoint: networkV1.Endpoint | undefined, apiVersion: string): Record<string, unknown> {
  const aliases = [...(config.Aliases ?? []), ...(endpoint?.aliases.filter((a) => !config.Aliases?.includes(a)) ?? [])];
  return {
    IPAMConfig: config.IPAMConfig ?? null,
    Links: config.Links ?? null,
    ...(compareApiVersions(apiVersion, '1.44') >= 0 ? { MacAddress: endpoint?.macAddress ?? config.MacAddress ?? '' } : {}),
    Aliases: aliases.length ? aliases : null,
    NetworkID: endpoint?.networkId ?? '',
    EndpointID: endpoint?.endpointId ?? '',
    Gateway: endpoint?.gateway ?? '',
    IPAddress: endpoint?.ipv4Address ?? '',
    IPPrefixLen: endpoint?.ipv4PrefixLength ?? 0,
    IPv6Gateway: endpoint?.ipv6Gateway ?? '',
    GlobalIPv6Address: endpoint?.ipv6Address ?? '',
    GlobalIPv6PrefixLen: endpoint?.ipv6PrefixLength ?? 0,
    ...(compareApiVersions(apiVersion, '1.44') < 0 ? { MacAddress: endpoint?.macAddress ?? '' } : {}),
    DriverOpts: config.DriverOpts ?? null,
    ...(compareApiVersions(apiVersion, '1.44') >= 0 ? { DNSNames: endpoint?.dnsNames.length ? endpoint.dnsNames : null } : {}),
  };
}

/** NetworkSettings.Networks, keyed as the container asked for its networks. */
function networksJson(c: Container, apiVersion: string): Record<string, unknown> {
  const configs = parseJson(c.endpointsConfigJson) as Record<string, EndpointConfig>;
  // host and none have an entry of their own, with no addresses; container: modes have none.
  if (!Object.keys(configs).length && (c.networkMode === 'host' || c.networkMode === 'none')) configs[c.networkMode] = {};
  return Object.fromEntries(Object.entries(configs).map(([name, config]) => [name, endpointJson(config, c.endpoints.find((e) => e.networkName === name), apiVersion)]));
}

/** NetworkSettings.Ports: each exposed or published port, with its host bindings while it runs (null when none). */
function portsJson(c: Container): Record<string, { HostIp: string; HostPort: string }[] | null> {
  const ports: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  if (!c.endpoints.length) return ports;
  for (const key of c.exposedPorts) ports[key] = null;
  for (const p of c.ports) (ports[`${p.containerPort}/${p.protocol}`] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
  return ports;
}

/** `docker ps`'s Ports: the published ones, and the exposed ones without a binding. */
function portSummaries(c: Container): Record<string, unknown>[] {
  const published = c.ports.map((p) => ({ IP: p.hostIp, PrivatePort: p.containerPort, PublicPort: p.hostPort, Type: p.protocol }));
  const unpublished = c.exposedPorts
    .map((key) => key.split('/'))
    .filter(([port, protocol]) => !c.ports.some((p) => String(p.containerPort) === port && p.protocol === (protocol ?? 'tcp')))
    .map(([port, protocol]) => ({ PrivatePort: Number(port), Type: protocol ?? 'tcp' }));
  return [...published, ...unpublished];
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

/**
 * The deprecated top-level endpoint fields describe the default bridge only, as dockerd fills
 * them; SandboxKey names the namespace while the container runs.
 */
function networkSettingsJson(c: Container, apiVersion: string): Record<string, unknown> {
  const bridge = c.endpoints.find((e) => e.networkName === 'bridge');
  return {
    Bridge: '',
    SandboxID: c.endpoints.length ? c.id : '',
    SandboxKey: c.sandboxKey,
    Ports: portsJson(c),
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: bridge?.endpointId ?? '',
    Gateway: bridge?.gateway ?? '',
    GlobalIPv6Address: bridge?.ipv6Address ?? '',
    GlobalIPv6PrefixLen: bridge?.ipv6PrefixLength ?? 0,
    IPAddress: bridge?.ipv4Address ?? '',
    IPPrefixLen: bridge?.ipv4PrefixLength ?? 0,
    IPv6Gateway: bridge?.ipv6Gateway ?? '',
    MacAddress: bridge?.macAddress ?? '',
    Networks: networksJson(c, apiVersion),
  };
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
    Mounts: c.mounts.map(mountJson),
    Config: config,
    NetworkSettings: networkSettingsJson(c, apiVersion),
  };
  if (compareApiVersions(apiVersion, '1.44') >= 0) {
    // 1.44 dropped the deprecated top-level endpoint fields from NetworkSettings.
    const settings = inspect.NetworkSettings as Record<string, unknown>;
    for (const key of ['HairpinMode', 'LinkLocalIPv6Address', 'LinkLocalIPv6PrefixLen', 'SecondaryIPAddresses', 'SecondaryIPv6Addresses']) delete settings[key];
  }
  return inspect;
}

/** Docker's MountPoint: Name and Driver only for volumes (Go's omitempty). */
function mountJson(m: containerV1.Mount): Record<string, unknown> {
  return {
    Type: m.type,
    ...(m.name ? { Name: m.name } : {}),
    Source: m.source,
    Destination: m.destination,
    ...(m.driver ? { Driver: m.driver } : {}),
    Mode: m.mode,
    RW: m.rw,
    Propagation: m.propagation,
  };
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
export function containerSummaryJson(c: Container, apiVersion: string, now = Date.now()): Record<string, unknown> {
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
    Ports: portSummaries(c),
    Labels: config.Labels ?? {},
    State: statusNames[c.state?.status ?? Status.CREATED],
    Status: statusText(c, now),
    HostConfig: { NetworkMode: hostConfig.NetworkMode ?? 'default' },
    NetworkSettings: { Networks: networksJson(c, apiVersion) },
    Mounts: c.mounts.map(mountJson),
    ...(c.sizeRw !== undefined ? { SizeRw: Number(c.sizeRw), SizeRootFs: Number(c.sizeRootFs ?? 0n) } : {}),
  };
}
