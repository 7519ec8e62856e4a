import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startEngineProcess, stopEngineProcess, type EngineDirs } from '@flotilla/tools/fixtures';

/** Everything the suite's engine uses lives under one directory, apart from any other engine. */
export const e2eRoot = process.env.FLOTILLA_E2E_DIR || '/tmp/flotilla-e2e';
const settingsFile = join(e2eRoot, 'engine.json');
const namespace = 'flotilla-e2e';
/** The launcher names the containers' parent cgroup after the namespace. */
export const engineCgroup = namespace;
/** And its default bridge network's device. */
export const defaultBridge = `${namespace}0`;

export interface EngineSettings extends EngineDirs {
  containerdSocket: string;
  /** The engine's registry config makes a registry on this port the mirror of `mirroredDomain`. */
  mirrorPort: number;
  /** The image every suite runs, imported from Debian's busybox-static. */
  image: string;
  rootfsTar: string;
}

export function settings(): EngineSettings {
  return JSON.parse(readFileSync(settingsFile, 'utf8')) as EngineSettings;
}

/** A registry name nothing resolves: only the configured mirror can serve it. */
export const mirroredDomain = 'mirrored.invalid';

export async function newSettings(): Promise<EngineSettings> {
  const natsPort = await freePort();
  const mirrorPort = await freePort();
  const runDir = join(e2eRoot, 'run');
  const value: EngineSettings = {
    stateDir: join(e2eRoot, 'state'),
    runDir,
    apiSocket: join(runDir, 'docker.sock'),
    namespace,
    natsPort,
    mirrorPort,
    registryConfig: join(e2eRoot, 'registries.json'),
    containerdSocket: join(runDir, 'containerd', 'containerd.sock'),
    image: 'busybox:e2e',
    rootfsTar: join(e2eRoot, 'busybox-rootfs.tar'),
  };
  writeFileSync(settingsFile, JSON.stringify(value));
  writeFileSync(value.registryConfig!, JSON.stringify({ registries: { [mirroredDomain]: { mirrors: [`http://127.0.0.1:${mirrorPort}`] } } }));
  return value;
}

/** The launcher of the suite's engine, as Ctrl-C-able as `npm start`. */
export const startEngine = (s: EngineSettings = settings()) => startEngineProcess(s, e2eRoot);
export const stopEngine = () => stopEngineProcess(e2eRoot);

/** `ctr` against the suite's own containerd, to look behind the engine's back. */
export function ctr(...args: string[]): string {
  const s = settings();
  const result = spawnSync('ctr', ['--address', s.containerdSocket, '--namespace', s.namespace, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ctr ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** The engine's containers in containerd, less the keepers of shared shims (container-svc's SharedShims). */
export function containerdContainers(): string[] {
  return ctr('containers', 'ls', '-q', 'labels."flotilla.shim-keeper"!=true').split('\n').filter(Boolean);
}

/** The tasks of containerdContainers(). */
export function containerdTasks(): string[] {
  const keepers = new Set(ctr('containers', 'ls', '-q', 'labels."flotilla.shim-keeper"==true').split('\n'));
  return ctr('tasks', 'ls', '-q').split('\n').filter((id) => id && !keepers.has(id));
}
