import { EngineError } from '@flotilla/proto';
import { effectiveCapabilities } from './capabilities.js';
import type { DockerConfig, EndpointConfig, HostConfig } from './container-record.js';
import type { HostFacts } from './host-facts.js';
import { checkLogConfig } from './log-config.js';
import { parseMountRequests, type MountRequest, type VolumesFromRequest } from './mount-requests.js';
import { parseNetworking } from './network-config.js';
import { checkResources } from './resources.js';
import { seccompFromDockerProfile } from './seccomp/index.js';
import { parseSecurityOptions } from './security-options.js';
import { parseSignal } from './signals.js';
import { sysctlProblems } from './sysctls.js';
import { tmpfsMounts } from './tmpfs-mounts.js';
import { ociRlimits } from './ulimits.js';

export interface CreateRequest {
  config: DockerConfig;
  hostConfig: HostConfig;
  /** The networks to join, keyed by name, with their endpoint settings. */
  networks: Record<string, EndpointConfig>;
  /** Limits the host cannot enforce, dropped: the client prints these. */
  warnings: string[];
  mounts: MountRequest[];
  volumesFrom: VolumesFromRequest[];
}

const restartPolicies = new Set(['', 'no', 'always', 'unless-stopped', 'on-failure']);
const defaultShmSize = 64 * 1024 * 1024;

/** Features a client may ask for that this engine does not do yet: refused, never ignored. */
const notYetSupported: [string, string][] = [
  ['Links', 'links'],
  ['Devices', 'devices'],
  ['DeviceRequests', 'device requests (--gpus)'],
  ['DeviceCgroupRules', 'device cgroup rules'],
  ['BlkioWeightDevice', 'per-device block I/O weights'],
  ['BlkioDeviceReadBps', 'block I/O throttling'],
  ['BlkioDeviceWriteBps', 'block I/O throttling'],
  ['BlkioDeviceReadIOps', 'block I/O throttling'],
  ['BlkioDeviceWriteIOps', 'block I/O throttling'],
];

const namespaceModes: Record<string, readonly string[]> = {
  PidMode: ['', 'host'],
  IpcMode: ['', 'private', 'shareable', 'host', 'none'],
  UTSMode: ['', 'host'],
  UsernsMode: ['', 'host'],
  CgroupnsMode: ['', 'private', 'host'],
};

function restartPolicyProblems(policy: string, retries: number): string[] {
  if (!restartPolicies.has(policy)) return [`invalid restart policy '${policy}'`];
  if (retries < 0) return ['invalid restart policy: maximum retry count cannot be negative'];
  if (retries > 0 && policy !== 'on-failure') return ["invalid restart policy: maximum retry count can only be used with 'on-failure'"];
  return [];
}

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

const isStringList = (value: unknown) => Array.isArray(value) && value.every((v) => typeof v === 'string');

function configProblems(config: DockerConfig): string[] {
  const problems: string[] = [];
  if (typeof config.Image !== 'string' || config.Image === '') problems.push('no image was specified');
  for (const key of ['Cmd', 'Entrypoint', 'Env'] as const) {
    const value = config[key];
    if (value !== undefined && value !== null && !isStringList(value)) problems.push(`${key} must be a list of strings`);
  }
  for (const entry of config.Env ?? []) {
    if (typeof entry === 'string' && (entry === '' || entry.startsWith('='))) problems.push(`invalid environment variable: ${entry}`);
  }
  if (config.StopSignal) {
    try {
      parseSignal(config.StopSignal);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  const health = config.Healthcheck as Record<string, number> | null | undefined;
  for (const key of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval']) {
    const value = health?.[key] ?? 0;
    if (value !== 0 && value < 1_000_000) problems.push(`${key} in Healthcheck cannot be less than 1ms`);
  }
  if ((health?.Retries ?? 0) < 0) problems.push('Retries in Healthcheck cannot be negative');
  return problems;
}

function hostConfigProblems(hostConfig: HostConfig, host: HostFacts, unsupported: string[]): string[] {
  const problems: string[] = [];
  const policy = hostConfig.RestartPolicy?.Name ?? '';
  problems.push(...restartPolicyProblems(policy, hostConfig.RestartPolicy?.MaximumRetryCount ?? 0));
  if (hostConfig.AutoRemove && policy !== '' && policy !== 'no') problems.push("can't create 'AutoRemove' container with restart policy");
  if (typeof hostConfig.ShmSize === 'number' && hostConfig.ShmSize < 0) problems.push('SHM size can not be less than 0');
  const oomScoreAdj = Number(hostConfig.OomScoreAdj ?? 0);
  if (oomScoreAdj < -1000 || oomScoreAdj > 1000) problems.push(`Invalid value ${oomScoreAdj}, range for oom score adj is [-1000, 1000]`);

  for (const [field, modes] of Object.entries(namespaceModes)) {
    const mode = String(hostConfig[field] ?? '');
    if (mode.startsWith('container:') && (field === 'PidMode' || field === 'IpcMode')) unsupported.push(`sharing another container's namespaces (${field} ${mode})`);
    else if (!modes.includes(mode)) problems.push(`invalid ${field.replace(/Mode$/, '').toUpperCase()} mode: ${mode}`);
  }
  const hostNetwork = hostConfig.NetworkMode === 'host';
  const capabilities = effectiveCapabilities({ capAdd: hostConfig.CapAdd, capDrop: hostConfig.CapDrop }, host.capabilities);
  const security = parseSecurityOptions(hostConfig.SecurityOpt);
  if (security.seccomp !== 'default' && security.seccomp !== 'unconfined') {
    try {
      seccompFromDockerProfile(security.seccomp, capabilities.capabilities, host.syscallAbis);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  problems.push(
    ...capabilities.problems,
    ...security.problems,
    ...sysctlProblems(hostConfig.Sysctls, hostNetwork, hostConfig.IpcMode === 'host'),
    ...ociRlimits(hostConfig.Ulimits).problems,
    ...tmpfsMounts(hostConfig.Tmpfs).problems,
  );
  if (hostConfig.Init && !host.initBinary) unsupported.push('--init (no static init binary such as tini-static on this host)');
  for (const [field, what] of notYetSupported) if (!isEmpty(hostConfig[field])) unsupported.push(what);
  return problems;
}

/**
 * Reads the body of POST /containers/create and checks it, reporting every problem at once
 * (API 1.44 behaviour). Defaults are filled in as dockerd shows them in inspect.
 */
export function parseCreateRequest(body: unknown, host: HostFacts): CreateRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw EngineError.invalid('config cannot be empty in order to create a container');
  }
  const { HostConfig: rawHostConfig, NetworkingConfig: networkingConfig, ...config } = body as Record<string, unknown>;
  const hostConfig = { ...((rawHostConfig ?? {}) as HostConfig) };
  const dockerConfig = config as DockerConfig;
  const unsupported: string[] = [];
  const problems = [...configProblems(dockerConfig), ...hostConfigProblems(hostConfig, host, unsupported)];
  const resources = checkResources(hostConfig, host);
  const log = checkLogConfig(hostConfig.LogConfig);
  problems.push(...resources.problems, ...log.problems);

  const networking = parseNetworking(dockerConfig, hostConfig, (networkingConfig as { EndpointsConfig?: Record<string, EndpointConfig> } | null)?.EndpointsConfig);
  problems.push(...networking.problems);
  unsupported.push(...networking.unsupported);
  if (hostConfig.UTSMode === 'host' && dockerConfig.Hostname) problems.push('conflicting options: hostname and the UTS mode');
  const mounts = parseMountRequests(dockerConfig, hostConfig);
  problems.push(...mounts.problems);

  if (problems.length) throw EngineError.invalid(problems.join('\n'));
  if (unsupported.length) throw EngineError.notImplemented(`not supported by this engine yet: ${[...new Set(unsupported)].join(', ')}`);

  const policy = hostConfig.RestartPolicy?.Name ?? '';
  return {
    config: dockerConfig,
    networks: networking.networks,
    hostConfig: {
      ...hostConfig,
      ...resources.resources,
      NetworkMode: networking.networkMode,
      RestartPolicy: { Name: policy || 'no', MaximumRetryCount: hostConfig.RestartPolicy?.MaximumRetryCount ?? 0 },
      ShmSize: hostConfig.ShmSize || defaultShmSize,
      IpcMode: hostConfig.IpcMode || 'private',
      CgroupnsMode: hostConfig.CgroupnsMode || 'host',
      Privileged: hostConfig.Privileged ?? false,
      ReadonlyRootfs: hostConfig.ReadonlyRootfs ?? false,
      LogConfig: log.logConfig,
      Runtime: 'runc',
    },
    warnings: [...resources.warnings, ...networking.warnings],
    mounts: mounts.mounts,
    volumesFrom: mounts.volumesFrom,
  };
}

/** The fields `docker update` may change (null or absent: unchanged). */
const updatableResources = ['BlkioWeight', 'CpuShares', 'CpuPeriod', 'CpuQuota', 'CpusetCpus', 'CpusetMems', 'Memory', 'MemoryReservation', 'MemorySwap', 'NanoCpus', 'PidsLimit'] as const;

/**
 * Reads the body of POST /containers/{id}/update against the container's HostConfig: the
 * resulting HostConfig is checked as a create's would be.
 */
export function parseUpdateRequest(body: unknown, current: HostConfig, host: HostFacts): { hostConfig: HostConfig; warnings: string[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw EngineError.invalid('the update must be a JSON object');
  const asked = body as HostConfig;
  const merged: HostConfig = { ...current };
  for (const field of updatableResources) {
    const value = asked[field];
    // Zero leaves a limit as it is, except for the pids limit where it means none.
    if (value === undefined || value === null || (value === 0 && field !== 'PidsLimit') || value === '') continue;
    (merged as Record<string, unknown>)[field] = value;
  }
  const problems: string[] = [];
  if (asked.RestartPolicy?.Name !== undefined && asked.RestartPolicy.Name !== '') {
    const policy = asked.RestartPolicy.Name;
    const retries = asked.RestartPolicy.MaximumRetryCount ?? 0;
    const policyProblems = current.AutoRemove && policy !== 'no' ? ['Restart policy cannot be updated because AutoRemove is enabled for the container'] : restartPolicyProblems(policy, retries);
    problems.push(...policyProblems);
    if (policyProblems.length === 0) merged.RestartPolicy = { Name: policy, MaximumRetryCount: retries };
  }
  const swap = current.MemorySwap ?? 0;
  if (asked.Memory && !asked.MemorySwap && swap > 0 && asked.Memory > swap) {
    problems.push('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
  }
  const checked = checkResources(merged, host);
  problems.push(...checked.problems);
  if (problems.length) throw EngineError.invalid(problems.join('\n'));
  return { hostConfig: { ...merged, ...checked.resources }, warnings: checked.warnings };
}
