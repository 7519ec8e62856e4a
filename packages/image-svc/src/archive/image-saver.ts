import { readBlob, readBlobBytes, type ContainerdServices } from '@flotilla/containerd';
import { findImage, type CatalogImage } from '../core/image-catalog.js';
import { mediaTypes, type ImageManifest } from '../core/oci-types.js';
import { familiarName, parseReference } from '../core/reference.js';
import type { ContainerdImageStore } from '../store/containerd-image-store.js';
import { writeTar, type TarEntry } from './tar-writer.js';

interface SavedImage {
  image: CatalogImage;
  /** The tag the client named, if it named one. */
  tag?: string;
  manifest: ImageManifest;
  manifestBytes: Buffer;
}

const blobPath = (digest: string) => `blobs/sha256/${digest.replace(/^sha256:/, '')}`;

/**
 * `docker save`: an OCI image layout (blobs by digest, index.json) that also carries Docker's
 * manifest.json, so both dockerd's loader and OCI tools read it, written as a stream.
 */
export class ImageSaver {
  constructor(
    private readonly containerd: ContainerdServices,
    private readonly store: ContainerdImageStore,
  ) {}

  /** Resolves every reference first: a wrong one fails before any byte is sent. */
  async save(references: string[]): Promise<{ images: CatalogImage[]; archive: AsyncIterable<Uint8Array> }> {
    const catalog = await this.store.list();
    const saved: SavedImage[] = [];
    for (const reference of references) {
      const { image, name } = findImage(reference, catalog);
      const descriptor = await this.store.platformManifestOf(name ?? image.names[0]);
      const manifestBytes = await readBlobBytes(this.containerd.content, descriptor.digest);
      saved.push({ image, tag: name && !name.includes('@') ? name : undefined, manifest: JSON.parse(manifestBytes.toString('utf8')), manifestBytes });
    }
    return { images: saved.map((s) => s.image), archive: writeTar(this.entries(saved)) };
  }

  private async *entries(saved: SavedImage[]): AsyncGenerator<TarEntry> {
    yield { name: 'blobs/', size: 0, content: Buffer.alloc(0), type: 'directory' };
    yield { name: 'blobs/sha256/', size: 0, content: Buffer.alloc(0), type: 'directory' };
    const written = new Set<string>();
    for (const { manifest, manifestBytes, image } of saved) {
      const manifestDigest = image.manifestDigest;
      for (const blob of [manifest.config, ...manifest.layers]) {
        if (written.has(blob.digest)) continue;
        written.add(blob.digest);
        yield { name: blobPath(blob.digest), size: blob.size, content: readBlob(this.containerd.content, blob.digest) };
      }
      if (!written.has(manifestDigest)) {
        written.add(manifestDigest);
        yield { name: blobPath(manifestDigest), size: manifestBytes.length, content: manifestBytes };
      }
    }
    const json = (value: unknown) => Buffer.from(JSON.stringify(value));
    const index = json({
      schemaVersion: 2,
      mediaType: mediaTypes.ociIndex,
      manifests: saved.map(({ image, manifestBytes, manifest, tag }) => ({
        mediaType: manifest.mediaType ?? mediaTypes.ociManifest,
        digest: image.manifestDigest,
        size: manifestBytes.length,
        ...(tag ? { annotations: { 'io.containerd.image.name': tag, 'org.opencontainers.image.ref.name': parseReference(tag).tag } } : {}),
      })),
    });
    const dockerManifest = json(
      saved.map(({ manifest, tag }) => ({
        Config: blobPath(manifest.config.digest),
        RepoTags: tag ? [familiarName(parseReference(tag))] : null,
        Layers: manifest.layers.map((layer) => blobPath(layer.digest)),
      })),
    );
    const layout = json({ imageLayoutVersion: '1.0.0' });
    yield { name: 'oci-layout', size: layout.length, content: layout };
    yield { name: 'index.json', size: index.length, content: index };
    yield { name: 'manifest.json', size: dockerManifest.length, content: dockerManifest };
  }
}

