import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startEngineProcess } from '../fixtures/index.js';
import type { BenchEngine } from './bench-engine.js';

/** The containerd namespace of the throw-away engine, and the parent cgroup of its containers. */
export const flotillaNamespace = 'flotilla-bench';
/** Its default bridge's device, as the launcher names it after the namespace. */
export const flotillaBridge = `${flotillaNamespace}0`;
export const flotillaStateDir = (workDir: string) => join(workDir, 'flotilla', 'state');

/** A throw-away Flotilla under `<workDir>/flotilla`; stopEngineProcess(workDir) stops it. */
export async function startFlotilla(workDir: string): Promise<BenchEngine> {
  const dir = join(workDir, 'flotilla');
  const dirs = { stateDir: flotillaStateDir(workDir), runDir: join(dir, 'run'), apiSocket: join(dir, 'docker.sock'), namespace: flotillaNamespace, natsPort: await freePort() };
  await startEngineProcess(dirs, workDir);
  const blobs = join(dirs.stateDir, 'containerd', 'io.containerd.content.v1.content', 'blobs');
  return {
    name: 'flotilla',
    socket: dirs.apiSocket,
    // containerd's content store keeps each blob as blobs/<algorithm>/<hex>.
    storedLayers: (layers) => layers.map((l) => l.digest).filter((digest) => existsSync(join(blobs, digest.replace(':', '/')))),
  };
}
