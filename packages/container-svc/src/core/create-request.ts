import { EngineError } from '@flotilla/proto';
import type { DockerConfig, HostConfig } from './container-record.js';

export interface CreateRequest {
  config: DockerConfig;
  hostConfig: HostConfig;
}

const restartPolicies = new Set(['', 'no', 'always', 'unless-stopped', 'on-failure']);
const defaultShmSize = 64 * 1024 * 1024;

/** Features a client may ask for that this engine does not do yet: refused, never ignored. */
const notYetSupported: [keyof HostConfig | string, string][] = [
  ['Binds', 'bind mounts and volumes (-v)'],
  ['Mounts', 'mounts (--mount)'],
  ['VolumesFrom', '--volumes-from'],
  ['PortBindings', 'publishing ports (-p)'],
  ['Links', 'links'],
  ['Tmpfs', 'tmpfs mounts'],
  ['Devices', 'devices'],
];

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

/**
 * Reads the body of POST /containers/create and checks it, reporting every problem at once
 * (API 1.44 behaviour).
 */
export function parseCreateRequest(body: unknown): CreateRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw EngineError.invalid('config cannot be empty in order to create a container');
  }
  const { HostConfig: rawHostConfig, NetworkingConfig: _networking, ...config } = body as Record<string, unknown>;
  const hostConfig = { ...((rawHostConfig ?? {}) as HostConfig) };
  const problems: string[] = [];
  const unsupported: string[] = [];

  const dockerConfig = config as DockerConfig;
  if (typeof dockerConfig.Image !== 'string' || dockerConfig.Image === '') problems.push('no image was specified');
  for (const key of ['Cmd', 'Entrypoint', 'Env'] as const) {
    const value = dockerConfig[key];
    if (value !== undefined && value !== null && !(Array.isArray(value) && value.every((v) => typeof v === 'string'))) {
      problems.push(`${key} must be a list of strings`);
    }
  }
  for (const entry of dockerConfig.Env ?? []) {
    if (typeof entry === 'string' && (entry === '' || entry.startsWith('='))) problems.push(`invalid environment variable: ${entry}`);
  }

  const policy = hostConfig.RestartPolicy?.Name ?? '';
  if (!restartPolicies.has(policy)) problems.push(`invalid restart policy '${policy}'`);
  if (hostConfig.AutoRemove && policy !== '' && policy !== 'no') {
    problems.push("can't create 'AutoRemove' container with restart policy");
  }
  if (typeof hostConfig.ShmSize === 'number' && hostConfig.ShmSize < 0) problems.push('SHM size can not be less than 0');

  const networkMode = hostConfig.NetworkMode || 'default';
  if (!['default', 'bridge', 'none', 'host'].includes(networkMode)) {
    if (networkMode.startsWith('container:')) unsupported.push('sharing another container\'s network (--network container:…)');
    else throw EngineError.notFound(`network ${networkMode} not found`);
  }
  for (const [field, what] of notYetSupported) if (!isEmpty(hostConfig[field])) unsupported.push(what);

  if (problems.length) throw EngineError.invalid(problems.join('\n'));
  if (unsupported.length) throw EngineError.notImplemented(`not supported by this engine yet: ${unsupported.join(', ')}`);

  return {
    config: dockerConfig,
    hostConfig: {
      ...hostConfig,
      NetworkMode: networkMode,
      RestartPolicy: { Name: policy || 'no', MaximumRetryCount: hostConfig.RestartPolicy?.MaximumRetryCount ?? 0 },
      ShmSize: hostConfig.ShmSize || defaultShmSize,
      LogConfig: { Type: 'none', Config: {} },
      Runtime: 'runc',
    },
  };
}
