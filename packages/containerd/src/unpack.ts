import { randomBytes } from 'node:crypto';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { EngineError } from '@flotilla/proto';
import type * as api from './api.js';
import { chainIds } from './chain-id.js';
import type { ContainerdServices } from './connect.js';
import { ignoreNotFound, isAlreadyExists } from './errors.js';

export interface LayerToUnpack {
  /** The layer blob in the content store; its media type tells Diff.Apply how to decompress it. */
  readonly descriptor: MessageInitShape<typeof api.types.DescriptorSchema>;
  /** Digest of the uncompressed layer tar (the image config's `rootfs.diff_ids`). */
  readonly diffId: string;
}

export interface UnpackOptions {
  readonly signal?: AbortSignal;
}

interface LayerStep {
  readonly layer: LayerToUnpack;
  readonly chainId: string;
  readonly parentChainId: string;
}

/** How many layers from the bottom are already committed (a committed snapshot implies its parents). */
async function countUnpacked(
  services: ContainerdServices,
  chain: readonly string[],
  snapshotter: string,
  signal?: AbortSignal,
): Promise<number> {
  for (let i = chain.length - 1; i >= 0; i--) {
    if (await ignoreNotFound(services.snapshots.stat({ snapshotter, key: chain[i] }, { signal }))) return i + 1;
  }
  return 0;
}

async function unpackLayer(services: ContainerdServices, step: LayerStep, snapshotter: string, signal?: AbortSignal) {
  const { snapshots, diff } = services;
  const key = `extract-${randomBytes(6).toString('hex')}-${step.chainId}`;
  const { mounts } = await snapshots.prepare({ snapshotter, key, parent: step.parentChainId }, { signal });
  try {
    const { applied } = await diff.apply({ diff: step.layer.descriptor, mounts }, { signal });
    if (applied?.digest !== step.layer.diffId) {
      throw EngineError.invalid(
        `layer ${step.layer.descriptor.digest} unpacked to ${applied?.digest}, the image says ${step.layer.diffId}`,
      );
    }
    await snapshots.commit({ snapshotter, name: step.chainId, key }, { signal });
  } catch (err) {
    // Best effort: the lease holds the prepared snapshot and lets the GC take it afterwards anyway.
    await snapshots.remove({ snapshotter, key }).catch(() => undefined);
    // Another unpack of the same stack committed this chain ID first: just as good.
    if (!isAlreadyExists(err)) throw err;
  }
}

/**
 * Unpacks an image's layers (bottom first) into committed snapshots named by chain ID, skipping
 * those already there, and returns the top chain ID: the parent for a container's rootfs.
 * `leased` must carry a lease (see withLease), held until a record references the snapshots
 * (an image's `containerd.io/gc.ref.snapshot.<snapshotter>` label, a container): without one
 * the GC could collect them as soon as they are committed.
 */
export async function unpackLayers(
  leased: ContainerdServices,
  layers: readonly LayerToUnpack[],
  snapshotter: string,
  options: UnpackOptions = {},
): Promise<string> {
  if (leased.leaseId === undefined) throw EngineError.invalid('unpackLayers needs services with a lease');
  if (layers.length === 0) throw EngineError.invalid('no layers to unpack');
  const chain = chainIds(layers.map((layer) => layer.diffId));
  const unpacked = await countUnpacked(leased, chain, snapshotter, options.signal);
  for (let i = unpacked; i < layers.length; i++) {
    const step = { layer: layers[i], chainId: chain[i], parentChainId: i > 0 ? chain[i - 1] : '' };
    await unpackLayer(leased, step, snapshotter, options.signal);
  }
  return chain[chain.length - 1];
}
