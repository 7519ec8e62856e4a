import { create } from '@bufbuild/protobuf';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import { EngineError } from '@flotilla/proto';
import * as api from './api.js';
import { chainIds } from './chain-id.js';
import type { ContainerdServices } from './connect.js';
import { unpackLayers, type LayerToUnpack } from './unpack.js';

const diffIds = ['sha256:aa', 'sha256:bb', 'sha256:cc'];
const chain = chainIds(diffIds);
const layers: LayerToUnpack[] = diffIds.map((diffId, i) => ({
  descriptor: { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:blob${i}`, size: 10n },
  diffId,
}));

interface FakeOptions {
  withoutLease?: boolean;
  committed?: string[];
  /** Diff.Apply's result for a layer blob, when not the layer's diff ID. */
  appliedDigest?: (blobDigest: string) => string | undefined;
  commitError?: (name: string) => Error | undefined;
}

/** Snapshots and Diff services that log calls as short strings. */
function fakeServices(options: FakeOptions = {}) {
  const calls: string[] = [];
  const committed = new Set(options.committed);
  const snapshots = {
    stat: async ({ key }: { key: string }) => {
      if (!committed.has(key)) throw new EngineError('not-found', `snapshot ${key} does not exist`);
      return create(api.snapshots.StatSnapshotResponseSchema, { info: { name: key } });
    },
    prepare: async ({ key, parent }: { key: string; parent: string }) => {
      calls.push(`prepare ${key.replace(/^extract-[0-9a-f]+-/, 'extract-*-')} on ${parent || '-'}`);
      return create(api.snapshots.PrepareSnapshotResponseSchema, { mounts: [{ type: 'overlay', source: 'overlay' }] });
    },
    commit: async ({ name }: { name: string }) => {
      calls.push(`commit ${name}`);
      const failure = options.commitError?.(name);
      if (failure) throw failure;
      committed.add(name);
      return create(EmptySchema);
    },
    remove: async () => {
      calls.push('remove prepared');
      return create(EmptySchema);
    },
  };
  const diff = {
    apply: async ({ diff, mounts }: { diff: { digest: string }; mounts: unknown[] }) => {
      calls.push(`apply ${diff.digest} (${mounts.length} mount)`);
      const layer = layers.find((l) => l.descriptor.digest === diff.digest)!;
      const digest = options.appliedDigest?.(diff.digest) ?? layer.diffId;
      return create(api.diff.ApplyResponseSchema, { applied: { digest } });
    },
  };
  const leaseId = options.withoutLease ? undefined : 'lease-1';
  const services = { leaseId, snapshots, diff } as unknown as ContainerdServices;
  return { services, calls };
}

describe('unpackLayers', () => {
  it('prepares, applies and commits each layer on its parent, bottom first', async () => {
    const { services, calls } = fakeServices();
    await expect(unpackLayers(services, layers, 'overlayfs')).resolves.toBe(chain[2]);
    expect(calls).toEqual([
      `prepare extract-*-${chain[0]} on -`,
      'apply sha256:blob0 (1 mount)',
      `commit ${chain[0]}`,
      `prepare extract-*-${chain[1]} on ${chain[0]}`,
      'apply sha256:blob1 (1 mount)',
      `commit ${chain[1]}`,
      `prepare extract-*-${chain[2]} on ${chain[1]}`,
      'apply sha256:blob2 (1 mount)',
      `commit ${chain[2]}`,
    ]);
  });

  it('starts above the highest committed chain ID', async () => {
    const { services, calls } = fakeServices({ committed: [chain[0], chain[1]] });
    await unpackLayers(services, layers, 'overlayfs');
    expect(calls).toEqual([`prepare extract-*-${chain[2]} on ${chain[1]}`, 'apply sha256:blob2 (1 mount)', `commit ${chain[2]}`]);
  });

  it('does nothing for a stack already unpacked', async () => {
    const { services, calls } = fakeServices({ committed: chain });
    await expect(unpackLayers(services, layers, 'overlayfs')).resolves.toBe(chain[2]);
    expect(calls).toEqual([]);
  });

  it('removes the prepared snapshot when a layer does not match its diff ID', async () => {
    const { services, calls } = fakeServices({ appliedDigest: (blob) => (blob === 'sha256:blob1' ? 'sha256:evil' : undefined) });
    await expect(unpackLayers(services, layers, 'overlayfs')).rejects.toMatchObject({ kind: 'invalid' });
    expect(calls.slice(-2)).toEqual(['apply sha256:blob1 (1 mount)', 'remove prepared']);
  });

  it('accepts a chain ID committed concurrently by another unpack', async () => {
    const { services, calls } = fakeServices({
      commitError: (name) => (name === chain[0] ? new EngineError('conflict', 'snapshot already exists') : undefined),
    });
    await expect(unpackLayers(services, layers, 'overlayfs')).resolves.toBe(chain[2]);
    expect(calls.slice(0, 4)).toEqual([
      `prepare extract-*-${chain[0]} on -`,
      'apply sha256:blob0 (1 mount)',
      `commit ${chain[0]}`,
      'remove prepared',
    ]);
  });

  it('refuses to run without a lease', async () => {
    const { services } = fakeServices({ withoutLease: true });
    await expect(unpackLayers(services, layers, 'overlayfs')).rejects.toThrow('lease');
  });
});
