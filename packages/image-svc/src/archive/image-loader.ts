import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { EngineError } from '@flotilla/proto';
import { unpackLayers, withLease, writeBlob, type ContainerdServices } from '@flotilla/containerd';
import { danglingName } from '../core/image-catalog.js';
import { isIndexMediaType, mediaTypes, type Descriptor, type ImageIndex, type ImageManifest } from '../core/oci-types.js';
import { hostPlatform, platformEntry } from '../core/platform.js';
import { canonicalName, familiarName, parseReference } from '../core/reference.js';
import type { ContainerdImageStore } from '../store/containerd-image-store.js';
import { readTar } from './tar-reader.js';

/** A file of the archive, stored as a blob as it went by. */
interface StoredFile {
  digest: string;
  size: number;
  gzip: boolean;
}

/** Files this small are kept in memory too: manifests, configs, index.json. */
const smallFileBytes = 1024 * 1024;

export interface LoadedImage {
  /** The familiar name, or none for an image the archive does not name. */
  name?: string;
  id: string;
}

interface DockerArchiveEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

/**
 * `docker load`: a docker-archive (manifest.json) or an OCI image layout (index.json), read as
 * a stream. Every file goes into containerd's content store as it passes (nothing but small
 * JSON files is held in memory), under one lease, so an archive that fails leaves nothing.
 */
export class ImageLoader {
  constructor(
    private readonly containerd: ContainerdServices,
    private readonly store: ContainerdImageStore,
  ) {}

  async load(source: AsyncIterable<Uint8Array>): Promise<LoadedImage[]> {
    return withLease(this.containerd, async (leased) => {
      const files = new Map<string, StoredFile>();
      const small = new Map<string, Buffer>();
      const links = new Map<string, string>();
      for await (const { header, body } of readTar(source)) {
        if (header.type === 'symlink') links.set(header.name, posix.join(posix.dirname(header.name), header.linkName));
        else if (header.type === 'hardlink') links.set(header.name, header.linkName);
        if (header.type !== 'file') continue;
        const kept: Uint8Array[] = [];
        let gzip = false;
        async function* observed() {
          let first = true;
          for await (const chunk of body) {
            if (first) gzip = chunk[0] === 0x1f && chunk[1] === 0x8b;
            first = false;
            if (header.size <= smallFileBytes) kept.push(chunk);
            yield chunk;
          }
        }
        const blob = await writeBlob(leased.content, observed(), { ref: `load-${randomBytes(8).toString('hex')}` });
        files.set(header.name, { ...blob, gzip });
        if (header.size <= smallFileBytes) small.set(header.name, Buffer.concat(kept));
      }
      const archive = new LoadedArchive(files, small, links);
      const loaded: LoadedImage[] = [];
      if (small.has('manifest.json')) {
        for (const entry of archive.json<DockerArchiveEntry[]>('manifest.json')) loaded.push(...(await this.loadDockerEntry(leased, archive, entry)));
      } else if (small.has('index.json')) {
        for (const descriptor of archive.json<ImageIndex>('index.json').manifests) loaded.push(await this.loadOciEntry(leased, archive, descriptor));
      } else {
        throw EngineError.invalid('the archive has neither manifest.json nor index.json: it is not an image archive');
      }
      return loaded;
    });
  }

  /** One image of a docker-archive: its layers become a manifest of our own making. */
  private async loadDockerEntry(services: ContainerdServices, archive: LoadedArchive, entry: DockerArchiveEntry): Promise<LoadedImage[]> {
    const configFile = archive.file(entry.Config);
    const config = archive.json<{ rootfs?: { diff_ids?: string[] } }>(entry.Config);
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (diffIds.length !== entry.Layers.length) throw EngineError.invalid(`${entry.Config} lists ${diffIds.length} layers, manifest.json ${entry.Layers.length}`);
    const layers = entry.Layers.map((path, i) => {
      const file = archive.file(path);
      if (!file.gzip && file.digest !== diffIds[i]) throw EngineError.invalid(`layer ${path} does not match the image config (${file.digest}, expected ${diffIds[i]})`);
      return { mediaType: file.gzip ? mediaTypes.dockerLayerGzip : mediaTypes.dockerLayerTar, digest: file.digest, size: file.size };
    });
    const manifestBytes = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: mediaTypes.dockerManifest, config: { mediaType: mediaTypes.dockerConfig, digest: configFile.digest, size: configFile.size }, layers }),
    );
    const manifest = await writeBlob(services.content, manifestBytes, { ref: `load-${randomBytes(8).toString('hex')}` });
    const target: Descriptor = { mediaType: mediaTypes.dockerManifest, ...manifest };
    await this.commit(services, target, JSON.parse(manifestBytes.toString('utf8')) as ImageManifest, diffIds);
    const tags = entry.RepoTags ?? [];
    for (const tag of tags) await this.store.nameImage(services, canonicalName(parseReference(tag)), target);
    if (tags.length === 0) await this.store.nameImage(services, danglingName(target.digest), target);
    return tags.length ? tags.map((tag) => ({ name: familiarName(parseReference(tag)), id: configFile.digest })) : [{ id: configFile.digest }];
  }

  /** One image of an OCI layout: its manifest (an index resolved to the host) is used as it is. */
  private async loadOciEntry(services: ContainerdServices, archive: LoadedArchive, descriptor: Descriptor): Promise<LoadedImage> {
    let target = descriptor;
    if (isIndexMediaType(descriptor.mediaType)) {
      const nested = archive.blobJson<ImageIndex>(descriptor.digest);
      const entry = platformEntry(nested.manifests, hostPlatform());
      if (!entry) throw EngineError.invalid(`${descriptor.digest} has no manifest for this platform`);
      target = entry;
    }
    const manifest = archive.blobJson<ImageManifest>(target.digest);
    const config = archive.blobJson<{ rootfs?: { diff_ids?: string[] } }>(manifest.config.digest);
    await this.commit(services, target, manifest, config.rootfs?.diff_ids ?? []);
    const annotated = descriptor.annotations?.['io.containerd.image.name'];
    const name = annotated ? canonicalName(parseReference(annotated)) : danglingName(target.digest);
    await this.store.nameImage(services, name, { mediaType: target.mediaType, digest: target.digest, size: target.size });
    return { name: annotated ? familiarName(parseReference(annotated)) : undefined, id: manifest.config.digest };
  }

  /** Unpacks the layers and labels the blobs so they stay as long as the image does. */
  private async commit(services: ContainerdServices, target: Descriptor, manifest: ImageManifest, diffIds: string[]): Promise<void> {
    const layers = manifest.layers.map((layer, i) => ({ descriptor: { ...layer, size: BigInt(layer.size) }, diffId: diffIds[i] }));
    const chainId = await unpackLayers(services, layers, this.store.snapshotter);
    await this.store.labelBlob(services, manifest.config.digest, { [`containerd.io/gc.ref.snapshot.${this.store.snapshotter}`]: chainId });
    await this.store.labelBlob(services, target.digest, {
      'containerd.io/gc.ref.content.config': manifest.config.digest,
      ...Object.fromEntries(manifest.layers.map((layer, i) => [`containerd.io/gc.ref.content.l.${i}`, layer.digest])),
    });
  }
}

/** The files of a read archive, by path (links followed) or, in an OCI layout, by digest. */
class LoadedArchive {
  constructor(
    private readonly files: Map<string, StoredFile>,
    private readonly small: Map<string, Buffer>,
    private readonly links: Map<string, string>,
  ) {}

  private resolve(path: string): string {
    let resolved = posix.normalize(path).replace(/^\.\//, '');
    for (let hops = 0; this.links.has(resolved) && hops < 16; hops++) resolved = this.links.get(resolved)!;
    return resolved;
  }

  file(path: string): StoredFile {
    const file = this.files.get(this.resolve(path));
    if (!file) throw EngineError.invalid(`the archive has no ${path}`);
    return file;
  }

  json<T>(path: string): T {
    const bytes = this.small.get(this.resolve(path));
    if (!bytes) throw EngineError.invalid(`the archive has no ${path}`);
    try {
      return JSON.parse(bytes.toString('utf8')) as T;
    } catch {
      throw EngineError.invalid(`${path} in the archive is not JSON`);
    }
  }

  /** A blob of an OCI layout, checked against the digest it is stored under. */
  blobJson<T>(digest: string): T {
    const path = `blobs/sha256/${digest.replace(/^sha256:/, '')}`;
    if (this.file(path).digest !== digest) throw EngineError.invalid(`${path} does not match its digest`);
    return this.json<T>(path);
  }
}
