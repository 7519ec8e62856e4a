import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchEngine, ImageLayer } from './bench-engine.js';
import { startReferenceDockerd, stopReferenceDockerd } from '../fixtures/index.js';

/** The reference dockerd's containers go under a parent of their own, removed afterwards. */
export const dockerdCgroup = 'flotilla-bench-dockerd';

/** dockerd keeps a layer under its chain ID: its diff ID on top of the chain ID of the layer below. */
function chainIds(layers: readonly ImageLayer[]): string[] {
  const ids: string[] = [];
  for (const { diffId } of layers) {
    const below = ids[ids.length - 1];
    ids.push(below ? `sha256:${createHash('sha256').update(`${below} ${diffId}`).digest('hex')}` : diffId);
  }
  return ids;
}

/** The reference dockerd under `<workDir>/dockerd`, able to tell which layers of an image it still keeps. */
export async function startBenchDockerd(workDir: string): Promise<BenchEngine | undefined> {
  const dockerd = await startReferenceDockerd(join(workDir, 'dockerd'), dockerdCgroup);
  if (!dockerd) return undefined;
  const storedLayers = (layers: readonly ImageLayer[]) => {
    // The layer store sits under the storage driver's name, e.g. image/overlay2/layerdb.
    const stores = readdirSync(join(dockerd.dataRoot, 'image')).map((driver) => join(dockerd.dataRoot, 'image', driver, 'layerdb'));
    const ids = chainIds(layers);
    return layers.filter((_, i) => stores.some((store) => existsSync(join(store, ids[i].replace(':', '/'))))).map((layer) => layer.digest);
  };
  return { name: 'dockerd', socket: dockerd.socket, storedLayers, netns: dockerd.netns };
}

export const stopBenchDockerd = (workDir: string) => stopReferenceDockerd(join(workDir, 'dockerd'));
