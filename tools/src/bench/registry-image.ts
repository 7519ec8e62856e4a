import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildBusyboxRootfs } from '../fixtures/index.js';
import type { ImageLayer } from './bench-engine.js';
import { singleFileTar } from './single-file-tar.js';

/** Random data: gzip cannot shrink it, so every byte of it is pulled. */
const randomLayers = 5;
const randomLayerBytes = 20_000_000;

const mediaTypes = {
  manifest: 'application/vnd.docker.distribution.manifest.v2+json',
  config: 'application/vnd.docker.container.image.v1+json',
  gzipLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
};

export interface PushedImage {
  /** What to pull: `<registry>/<repository>:<tag>`. */
  reference: string;
  /** Base first. */
  layers: ImageLayer[];
  /** The config and the compressed layers: what a pull downloads. */
  bytes: number;
}

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/**
 * A busybox root filesystem and ~100 MB of random files on top, one layer each, pushed as
 * `repository:tag` through the registry's HTTP API alone: no engine takes part. One layer is in
 * memory at a time.
 */
export async function pushBenchImage(registry: string, repository: string, tag: string, workDir: string): Promise<PushedImage> {
  const push = new RegistryPush(registry, repository);
  const layers: (ImageLayer & { size: number })[] = [];
  for (const uncompressed of layerTars(workDir)) {
    const blob = gzipSync(uncompressed);
    layers.push({ digest: await push.blob(blob), diffId: sha256(uncompressed), size: blob.length });
  }

  const config = Buffer.from(
    JSON.stringify({
      // Go's name for Node's x64.
      architecture: process.arch === 'x64' ? 'amd64' : process.arch,
      os: 'linux',
      config: { Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    }),
  );
  const manifest = {
    schemaVersion: 2,
    mediaType: mediaTypes.manifest,
    config: { mediaType: mediaTypes.config, size: config.length, digest: await push.blob(config) },
    layers: layers.map(({ digest, size }) => ({ mediaType: mediaTypes.gzipLayer, size, digest })),
  };
  await push.manifest(tag, mediaTypes.manifest, Buffer.from(JSON.stringify(manifest)));
  return {
    reference: `${registry}/${repository}:${tag}`,
    layers: layers.map(({ digest, diffId }) => ({ digest, diffId })),
    bytes: config.length + layers.reduce((sum, l) => sum + l.size, 0),
  };
}

/** The uncompressed layers, base first, made one at a time. */
function* layerTars(workDir: string): Generator<Buffer> {
  const rootfs = join(workDir, 'pull-rootfs.tar');
  buildBusyboxRootfs(rootfs);
  yield readFileSync(rootfs);
  for (let i = 1; i <= randomLayers; i++) yield singleFileTar(`random-${i}`, randomBytes(randomLayerBytes));
}

/** The distribution API's pushes: monolithic blob uploads, then the manifest. */
class RegistryPush {
  constructor(
    private readonly registry: string,
    private readonly repository: string,
  ) {}

  /** POST opens an upload session; a PUT to its location with the digest sends the bytes and commits them. */
  async blob(bytes: Buffer): Promise<string> {
    const digest = sha256(bytes);
    const session = await fetch(`http://${this.registry}/v2/${this.repository}/blobs/uploads/`, { method: 'POST' });
    await expectStatus(session, 202, 'opening an upload');
    const location = new URL(session.headers.get('location') ?? '', `http://${this.registry}`);
    location.searchParams.set('digest', digest);
    const put = await fetch(location, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: bytes });
    await expectStatus(put, 201, `uploading ${digest}`);
    return digest;
  }

  async manifest(tag: string, mediaType: string, bytes: Buffer): Promise<void> {
    const put = await fetch(`http://${this.registry}/v2/${this.repository}/manifests/${tag}`, { method: 'PUT', headers: { 'Content-Type': mediaType }, body: bytes });
    await expectStatus(put, 201, `putting the manifest of ${this.repository}:${tag}`);
  }
}

async function expectStatus(res: Response, status: number, what: string): Promise<void> {
  const body = await res.text();
  if (res.status !== status) throw new Error(`${what}: the registry answered ${res.status} ${body}`);
}
