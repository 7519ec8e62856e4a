import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { RegistryClient, type RegistryCredentials } from './registry-client';

export type MediaTypeFamily = 'docker' | 'oci';

/** The media types of an image in Docker's schema 2 and in OCI. */
export const imageMediaTypes = {
  docker: {
    index: 'application/vnd.docker.distribution.manifest.list.v2+json',
    manifest: 'application/vnd.docker.distribution.manifest.v2+json',
    config: 'application/vnd.docker.container.image.v1+json',
    layer: 'application/vnd.docker.image.rootfs.diff.tar',
    gzipLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  },
  oci: {
    index: 'application/vnd.oci.image.index.v1+json',
    manifest: 'application/vnd.oci.image.manifest.v1+json',
    config: 'application/vnd.oci.image.config.v1+json',
    layer: 'application/vnd.oci.image.layer.v1.tar',
    gzipLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  },
} as const;

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** The part of an image config that says how its containers run (`config` in the config blob). */
export interface ImageRunConfig {
  Cmd?: string[];
  Entrypoint?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
  Labels?: Record<string, string>;
  ExposedPorts?: Record<string, object>;
  Volumes?: Record<string, object>;
  StopSignal?: string;
}

export interface UploadOptions {
  mediaTypes: MediaTypeFamily;
  /** Compress the layers (the default), as registries usually hold them. */
  gzip?: boolean;
  config?: ImageRunConfig;
  auth?: RegistryCredentials;
}

export interface UploadedImage {
  manifestDigest: string;
  configDigest: string;
  /** Of the blobs as stored (compressed unless gzip is false). */
  layerDigests: string[];
  /** Of the uncompressed tars: the config's rootfs.diff_ids. */
  diffIds: string[];
}

export interface PlatformImage {
  platform: Platform;
  /** Uncompressed tars, base layer first. */
  layers: Buffer[];
  config?: ImageRunConfig;
}

export interface UploadedIndex {
  indexDigest: string;
  images: (UploadedImage & { platform: Platform })[];
}

/** A fixed creation time, so the same input always makes the same digests. */
const created = '2024-01-01T00:00:00Z';
const linuxAmd64: Platform = { os: 'linux', architecture: 'amd64' };

/**
 * Pushes a linux/amd64 image made of `layers` (uncompressed tars, base first) as `repo:tag`
 * with the distribution API alone, so pulls can be tested without the engine's own push.
 */
export async function uploadImage(
  registry: { address: string },
  repo: string,
  tag: string,
  layers: Buffer[],
  options: UploadOptions,
): Promise<UploadedImage> {
  const client = new RegistryClient(registry.address, options.auth);
  const { image } = await pushImage(client, repo, tag, { platform: linuxAmd64, layers, config: options.config }, options);
  return image;
}

/** Pushes one image per platform by digest, then a manifest list (docker) or index (oci) of them as `repo:tag`. */
export async function uploadIndex(
  registry: { address: string },
  repo: string,
  tag: string,
  platforms: PlatformImage[],
  options: Omit<UploadOptions, 'config'>,
): Promise<UploadedIndex> {
  const client = new RegistryClient(registry.address, options.auth);
  const types = imageMediaTypes[options.mediaTypes];
  const images: UploadedIndex['images'] = [];
  const manifests: object[] = [];
  for (const image of platforms) {
    const pushed = await pushImage(client, repo, undefined, image, options);
    images.push({ ...pushed.image, platform: image.platform });
    manifests.push({ mediaType: types.manifest, size: pushed.manifestSize, digest: pushed.image.manifestDigest, platform: image.platform });
  }
  const index = await putManifest(client, repo, tag, types.index, { schemaVersion: 2, mediaType: types.index, manifests });
  return { indexDigest: index.digest, images };
}

/** Blobs first, then the manifest, tagged or (for an index to point at) by digest only. */
async function pushImage(
  client: RegistryClient,
  repo: string,
  tag: string | undefined,
  image: PlatformImage,
  options: Omit<UploadOptions, 'config'>,
): Promise<{ image: UploadedImage; manifestSize: number }> {
  const types = imageMediaTypes[options.mediaTypes];
  const gzip = options.gzip ?? true;
  const blobs = image.layers.map((tar) => (gzip ? gzipSync(tar) : tar));
  const diffIds = image.layers.map(sha256Digest);
  const config = Buffer.from(
    JSON.stringify({
      created,
      ...image.platform,
      config: image.config ?? {},
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: image.layers.map((_, i) => ({ created, created_by: `flotilla e2e layer ${i + 1}` })),
    }),
  );
  const layerDigests: string[] = [];
  for (const blob of blobs) layerDigests.push(await putBlob(client, repo, blob));
  const configDigest = await putBlob(client, repo, config);
  const manifest = await putManifest(client, repo, tag, types.manifest, {
    schemaVersion: 2,
    mediaType: types.manifest,
    config: { mediaType: types.config, size: config.length, digest: configDigest },
    layers: blobs.map((blob, i) => ({ mediaType: gzip ? types.gzipLayer : types.layer, size: blob.length, digest: layerDigests[i] })),
  });
  return { image: { manifestDigest: manifest.digest, configDigest, layerDigests, diffIds }, manifestSize: manifest.size };
}

/** A monolithic upload: POST opens the upload session, PUT to its Location with ?digest= sends the bytes and closes it. */
async function putBlob(client: RegistryClient, repo: string, bytes: Buffer): Promise<string> {
  const digest = sha256Digest(bytes);
  const session = await client.fetch(`/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  await expectStatus(session, 202, `starting an upload to ${repo}`);
  const location = new URL(session.headers.get('location') ?? '', `http://${client.address}`);
  location.searchParams.set('digest', digest);
  const res = await client.fetch(location.toString(), { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: bytes });
  await expectStatus(res, 201, `uploading ${digest} to ${repo}`);
  return digest;
}

async function putManifest(
  client: RegistryClient,
  repo: string,
  tag: string | undefined,
  mediaType: string,
  manifest: object,
): Promise<{ digest: string; size: number }> {
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = sha256Digest(bytes);
  const res = await client.fetch(`/v2/${repo}/manifests/${tag ?? digest}`, { method: 'PUT', headers: { 'Content-Type': mediaType }, body: bytes });
  await expectStatus(res, 201, `putting the manifest ${repo}:${tag ?? digest}`);
  return { digest, size: bytes.length };
}

async function expectStatus(res: Response, status: number, what: string): Promise<void> {
  const body = await res.text();
  if (res.status !== status) throw new Error(`${what}: the registry answered ${res.status} ${body}`);
}

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
