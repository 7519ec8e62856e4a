import { EngineError } from '@flotilla/proto';
import type { DockerConfig } from './container-record.js';

/** The `config` object of an image's OCI config (Docker's keys). */
export type ImageConfig = Pick<
  DockerConfig,
  'User' | 'ExposedPorts' | 'Env' | 'Entrypoint' | 'Cmd' | 'Volumes' | 'WorkingDir' | 'Labels' | 'StopSignal' | 'Healthcheck' | 'ArgsEscaped' | 'OnBuild' | 'Shell'
>;

/** Later values win over earlier ones with the same key, order of first appearance is kept. */
export function mergeEnv(base: readonly string[], overrides: readonly string[]): string[] {
  const result = [...base];
  for (const entry of overrides) {
    const key = entry.split('=')[0];
    const i = result.findIndex((e) => e.split('=')[0] === key);
    if (i >= 0) result[i] = entry;
    else result.push(entry);
  }
  return result;
}

function union<T>(a: Record<string, T> | null | undefined, b: Record<string, T> | null | undefined): Record<string, T> | null {
  if (!a && !b) return null;
  return { ...a, ...b };
}

/**
 * The container's effective config: what the user gave, completed from the image the way dockerd
 * does it. An Entrypoint given by the user drops the image's Cmd.
 */
export function mergeImageConfig(user: DockerConfig, image: ImageConfig): DockerConfig {
  const merged: DockerConfig = { ...user };
  if (!user.User) merged.User = image.User ?? '';
  merged.ExposedPorts = union(image.ExposedPorts, user.ExposedPorts);
  merged.Env = mergeEnv(image.Env ?? [], user.Env ?? []);
  merged.Labels = { ...image.Labels, ...user.Labels };
  merged.Volumes = union(image.Volumes, user.Volumes);
  if (!user.Entrypoint || user.Entrypoint.length === 0) {
    if (!user.Cmd || user.Cmd.length === 0) {
      merged.Cmd = image.Cmd ?? null;
      if (image.ArgsEscaped) merged.ArgsEscaped = image.ArgsEscaped;
    }
    if (!user.Entrypoint) merged.Entrypoint = image.Entrypoint ?? null;
  }
  if (!user.WorkingDir) merged.WorkingDir = image.WorkingDir ?? '';
  if (!user.StopSignal && image.StopSignal) merged.StopSignal = image.StopSignal;
  if (!user.Healthcheck && image.Healthcheck) merged.Healthcheck = image.Healthcheck;
  if (!user.OnBuild && image.OnBuild) merged.OnBuild = image.OnBuild;
  if (!user.Shell && image.Shell) merged.Shell = image.Shell;
  return merged;
}

/** Path and arguments of the container's first process. */
export function commandOf(config: DockerConfig): { path: string; args: string[] } {
  const argv = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  if (argv.length === 0 || argv[0] === '') throw EngineError.invalid('no command specified');
  return { path: argv[0], args: argv.slice(1) };
}
