import { execFileSync, spawnSync } from 'node:child_process';

/** A layer as a registry serves it. */
export interface ImageLayer {
  /** Of the compressed blob. */
  digest: string;
  /** Of the uncompressed tar. */
  diffId: string;
}

/** An engine under measurement, driven by the docker CLI as a user would drive it. */
export interface BenchEngine {
  name: string;
  socket: string;
  /** The digests of those of an image's layers (base first) still on disk, which a pull would not download again. */
  storedLayers(layers: readonly ImageLayer[]): string[];
  /** The network namespace it dials out from, when it is not the host's. */
  netns?: string;
}

const cliEnv = (engine: BenchEngine) => ({ ...process.env, DOCKER_HOST: `unix://${engine.socket}` });

/** The CLI's output; throws when it fails. */
export function docker(engine: BenchEngine, args: string[], input?: Buffer): string {
  return execFileSync('docker', args, { env: cliEnv(engine), input, encoding: 'utf8' });
}

/** For a command whose failure is an answer: its error output, or undefined when it succeeded. */
export function tryDocker(engine: BenchEngine, args: string[]): string | undefined {
  const result = spawnSync('docker', args, { env: cliEnv(engine), encoding: 'utf8' });
  return result.status === 0 ? undefined : result.stderr;
}
