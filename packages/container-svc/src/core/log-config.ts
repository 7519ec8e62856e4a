import type { DockerConfig, LogConfig } from './container-record.js';
import type { LogFileOptions } from './ports.js';

/** Without --log-opt a log is bounded anyway (dockerd leaves json-file unbounded by default). */
const defaultMaxSize = 20 * 1024 * 1024;
const defaultMaxFiles = 5;

const jsonFileOptions = new Set(['max-size', 'max-file', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag']);
/** Drivers dockerd has that this engine does not: named in the error so the user knows why. */
const otherDockerDrivers = new Set(['local', 'syslog', 'journald', 'gelf', 'fluentd', 'awslogs', 'splunk', 'etwlogs', 'gcplogs', 'logentries']);

const sizeUnits: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4 };

/** `10m`, `1.5g`, `512k`: sizes as dockerd's max-size takes them (binary units). */
function parseSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?b?)$/i.exec(text.trim());
  if (!match) return undefined;
  return Math.floor(Number(match[1]) * sizeUnits[match[2].toLowerCase()]);
}

function parseBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(text)) return false;
  return undefined;
}

/**
 * Checks HostConfig.LogConfig: json-file (the default) with dockerd's options, or none. The
 * result is what inspect shows; every problem is listed.
 */
export function checkLogConfig(asked: Partial<LogConfig> | null | undefined): { logConfig: LogConfig; problems: string[] } {
  const type = asked?.Type || 'json-file';
  const config = { ...(asked?.Config ?? {}) };
  const logConfig = { Type: type, Config: config };
  if (type === 'none') return { logConfig, problems: [] };
  if (type !== 'json-file') {
    if (otherDockerDrivers.has(type)) return { logConfig, problems: [`logging driver "${type}" is not supported by this engine: use json-file or none`] };
    return { logConfig, problems: [`logger: no log driver named '${type}' is registered`] };
  }
  const problems = Object.keys(config)
    .filter((key) => !jsonFileOptions.has(key))
    .map((key) => `unknown log opt '${key}' for json-file log driver`);
  const maxSize = config['max-size'] === undefined ? undefined : parseSize(config['max-size']);
  if (config['max-size'] !== undefined && !maxSize) problems.push(`invalid max-size: ${config['max-size']}`);
  if (config['max-file'] !== undefined) {
    const maxFiles = Number(config['max-file']);
    if (!Number.isInteger(maxFiles)) problems.push(`invalid max-file: ${config['max-file']}`);
    else if (maxFiles < 1) problems.push('max-file cannot be less than 1');
    else if (maxFiles > 1 && config['max-size'] === undefined) problems.push('max-file cannot be set when max-size is not set');
  }
  if (config.compress !== undefined) {
    const compress = parseBool(config.compress);
    if (compress === undefined) problems.push(`invalid value for compress option: ${config.compress}`);
    else if (compress && config['max-size'] === undefined) problems.push('compress cannot be true when max-size is not set');
  }
  for (const key of ['labels-regex', 'env-regex']) {
    if (config[key] === undefined) continue;
    try {
      new RegExp(config[key]);
    } catch {
      problems.push(`invalid ${key}: ${config[key]}`);
    }
  }
  return { logConfig, problems };
}

/** Values of the container's labels and env the log options name, written with every entry. */
function logAttrs(config: Record<string, string>, container: DockerConfig): Record<string, string> {
  const attrs: Record<string, string> = {};
  const labels = container.Labels ?? {};
  const env = new Map(
    (container.Env ?? []).map((entry): [string, string] => {
      const at = entry.indexOf('=');
      return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
    }),
  );
  const named = (list: string | undefined) => (list ?? '').split(',').filter(Boolean);
  const matching = (pattern: string | undefined, entries: Iterable<[string, string]>) => {
    const regex = pattern ? new RegExp(pattern) : undefined;
    return regex ? [...entries].filter(([key]) => regex.test(key)) : [];
  };
  for (const key of named(config.labels)) if (key in labels) attrs[key] = labels[key];
  for (const key of named(config.env)) if (env.has(key)) attrs[key] = env.get(key)!;
  for (const [key, value] of [...matching(config['labels-regex'], Object.entries(labels)), ...matching(config['env-regex'], env)]) attrs[key] = value;
  return attrs;
}

/** Whether a container's output is kept in a log (all drivers but none). */
export function keepsLog(logConfig: Partial<LogConfig> | null | undefined): boolean {
  return logConfig?.Type !== 'none';
}

/** How a checked json-file LogConfig keeps the log; undefined for the none driver. */
export function logFileOptions(logConfig: Partial<LogConfig> | null | undefined, container: DockerConfig): LogFileOptions | undefined {
  if (!keepsLog(logConfig)) return undefined;
  const config = logConfig?.Config ?? {};
  const maxSize = config['max-size'] === undefined ? defaultMaxSize : parseSize(config['max-size'])!;
  const maxFiles = config['max-size'] === undefined ? defaultMaxFiles : Number(config['max-file'] ?? 1);
  return { maxSize, maxFiles, compress: parseBool(config.compress ?? 'false') === true, attrs: logAttrs(config, container) };
}
