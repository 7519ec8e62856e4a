import { EngineError } from '@flotilla/proto';

/** The `config` object of an OCI image config (Docker's keys). */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  OnBuild?: string[];
}

function jsonStringArray(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed) && parsed.every((a) => typeof a === 'string')) return parsed;
  } catch {
    // Not JSON: Docker falls back to the shell form.
  }
  return undefined;
}

/** Exec form (`["a","b"]`) or shell form (`a b`, run by /bin/sh -c). */
function commandOf(args: string): string[] {
  const trimmed = args.trim();
  return jsonStringArray(trimmed) ?? ['/bin/sh', '-c', trimmed];
}

/** `KEY=VALUE KEY2="two words"` or the legacy `KEY value`. */
function keyValues(instruction: string, args: string): [string, string][] {
  const trimmed = args.trim();
  const firstSpace = trimmed.search(/\s/);
  const firstEq = trimmed.indexOf('=');
  if (firstEq < 0 || (firstSpace >= 0 && firstSpace < firstEq)) {
    if (firstSpace < 0) throw EngineError.invalid(`${instruction} requires at least one argument`);
    return [[trimmed.slice(0, firstSpace), trimmed.slice(firstSpace).trim()]];
  }
  const pairs: [string, string][] = [];
  const pattern = /([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  for (const m of trimmed.matchAll(pattern)) {
    let value = m[2];
    if (value.startsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    else if (value.startsWith("'")) value = value.slice(1, -1);
    pairs.push([m[1], value]);
  }
  return pairs;
}

function words(args: string): string[] {
  const trimmed = args.trim();
  return jsonStringArray(trimmed) ?? trimmed.split(/\s+/).filter(Boolean);
}

/**
 * Applies Dockerfile instructions to an image config, as `docker import --change` and
 * `docker commit --change` do. Only the instructions that describe configuration are allowed.
 */
export function applyChanges(config: ContainerConfig, changes: string[]): ContainerConfig {
  const result: ContainerConfig = { ...config };
  for (const change of changes) {
    const match = /^\s*(\w+)\s*(.*)$/s.exec(change);
    if (!match) throw EngineError.invalid(`invalid change: "${change}"`);
    const instruction = match[1].toUpperCase();
    const args = match[2];
    switch (instruction) {
      case 'CMD':
        result.Cmd = commandOf(args);
        break;
      case 'ENTRYPOINT':
        result.Entrypoint = commandOf(args);
        break;
      case 'ENV': {
        const env = [...(result.Env ?? [])];
        for (const [key, value] of keyValues(instruction, args)) {
          const i = env.findIndex((e) => e.split('=')[0] === key);
          if (i >= 0) env[i] = `${key}=${value}`;
          else env.push(`${key}=${value}`);
        }
        result.Env = env;
        break;
      }
      case 'LABEL':
        result.Labels = { ...result.Labels, ...Object.fromEntries(keyValues(instruction, args)) };
        break;
      case 'EXPOSE':
        result.ExposedPorts = { ...result.ExposedPorts };
        for (const port of words(args)) result.ExposedPorts[port.includes('/') ? port : `${port}/tcp`] = {};
        break;
      case 'VOLUME':
        result.Volumes = { ...result.Volumes };
        for (const path of words(args)) result.Volumes[path] = {};
        break;
      case 'USER':
        result.User = args.trim();
        break;
      case 'WORKDIR':
        result.WorkingDir = args.trim();
        break;
      case 'STOPSIGNAL':
        result.StopSignal = args.trim();
        break;
      case 'ONBUILD':
        result.OnBuild = [...(result.OnBuild ?? []), args.trim()];
        break;
      default:
        throw EngineError.invalid(`${instruction} is not a valid change command`);
    }
  }
  return result;
}
