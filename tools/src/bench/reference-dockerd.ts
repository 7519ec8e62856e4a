import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { BenchEngine, ImageLayer } from './bench-engine.js';
import { ensureCommand } from './debian-package.js';

/** The reference dockerd's containers go under a parent of their own, removed afterwards. */
export const dockerdCgroup = 'flotilla-bench-dockerd';

function pings(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** dockerd keeps a layer under its chain ID: its diff ID on top of the chain ID of the layer below. */
function chainIds(layers: readonly ImageLayer[]): string[] {
  const ids: string[] = [];
  for (const { diffId } of layers) {
    const below = ids[ids.length - 1];
    ids.push(below ? `sha256:${createHash('sha256').update(`${below} ${diffId}`).digest('hex')}` : diffId);
  }
  return ids;
}

/** Debian's dockerd on its own data root and socket under `<workDir>/dockerd`, without its bridge or iptables rules. */
export async function startReferenceDockerd(workDir: string): Promise<BenchEngine | undefined> {
  if (!ensureCommand('dockerd', 'docker.io')) return undefined;
  const dir = join(workDir, 'dockerd');
  mkdirSync(dir, { recursive: true });
  const socket = join(dir, 'docker.sock');
  const dataRoot = join(dir, 'root');
  const log = openSync(join(dir, 'dockerd.log'), 'w');
  const args = ['--data-root', dataRoot, '--exec-root', join(dir, 'exec'), '-H', `unix://${socket}`, '--pidfile', join(dir, 'dockerd.pid'), '--bridge', 'none', '--iptables=false', '--cgroup-parent', dockerdCgroup];
  spawn('dockerd', args, { stdio: ['ignore', log, log], detached: true }).unref();
  closeSync(log);
  const storedLayers = (layers: readonly ImageLayer[]) => {
    // The layer store sits under the storage driver's name, e.g. image/overlay2/layerdb.
    const stores = readdirSync(join(dataRoot, 'image')).map((driver) => join(dataRoot, 'image', driver, 'layerdb'));
    const ids = chainIds(layers);
    return layers.filter((_, i) => stores.some((store) => existsSync(join(store, ids[i].replace(':', '/'))))).map((layer) => layer.digest);
  };
  for (let i = 0; i < 120; i++) {
    if (await pings(socket)) return { name: 'dockerd', socket, storedLayers };
    await new Promise((r) => setTimeout(r, 250));
  }
  console.error(`the reference dockerd did not start; see ${join(dir, 'dockerd.log')}`);
  return undefined;
}

/** Stops the reference dockerd of `workDir`, also one left behind by an aborted run. */
export async function stopReferenceDockerd(workDir: string): Promise<void> {
  const pidFile = join(workDir, 'dockerd', 'dockerd.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  try {
    process.kill(pid, 'SIGTERM');
    while (existsSync(`/proc/${pid}`)) await new Promise((r) => setTimeout(r, 100));
  } catch {
    // Not running.
  }
}
