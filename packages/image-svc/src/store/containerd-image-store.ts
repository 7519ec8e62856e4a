import { randomBytes } from 'node:crypto';
import { machine } from 'node:os';
import { EngineError } from '@flotilla/proto';
import {
  chainIds,
  ignoreNotFound,
  isAlreadyExists,
  readBlobBytes,
  readBlobJson,
  unpackLayers,
  withLease,
  writeBlob,
  type ContainerdServices,
} from '@flotilla/containerd';
import { catalog, danglingName, resolveReference, type CatalogImage, type ImageInfo, type NamedTarget } from '../core/image-catalog.js';
import { applyChanges, type ContainerConfig } from '../core/config-changes.js';
import { canonicalName, parseReference } from '../core/reference.js';
import { decompressed } from '../archive/decompress.js';

export const mediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerTar: 'application/vnd.oci.image.layer.v1.tar',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
};

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

interface Manifest {
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

interface ImageConfigBlob {
  created?: string;
  architecture?: string;
  os?: string;
  config?: ContainerConfig;
  rootfs?: { type: string; diff_ids: string[] };
  history?: { created?: string; comment?: string; created_by?: string }[];
}

export interface ImportOptions {
  reference: string;
  changes: string[];
  message: string;
  platform: string;
}

const goArch: Record<string, string> = { x86_64: 'amd64', aarch64: 'arm64', armv7l: 'arm', s390x: 's390x', ppc64le: 'ppc64le' };

/**
 * Images in containerd: records name manifests, blobs live in the content store, layers are
 * unpacked into snapshots named by chain ID. What each manifest describes is cached (it is
 * content-addressed, so it never changes), and so is the list of records: this service is the
 * only writer of image records in its namespace.
 */
export class ContainerdImageStore {
  private readonly infos = new Map<string, Promise<ImageInfo>>();
  private records: Promise<NamedTarget[]> | undefined;

  constructor(
    private readonly containerd: ContainerdServices,
    readonly snapshotter: string,
  ) {}

  private loadRecords(): Promise<NamedTarget[]> {
    if (!this.records) {
      this.records = this.containerd.images.list({}).then(({ images }) =>
        images.map((image) => ({ name: image.name, targetDigest: image.target?.digest ?? '' })),
      );
      this.records.catch(() => (this.records = undefined));
    }
    return this.records;
  }

  private infoOf(manifestDigest: string): Promise<ImageInfo> {
    let info = this.infos.get(manifestDigest);
    if (!info) {
      info = this.readInfo(manifestDigest);
      this.infos.set(manifestDigest, info);
      info.catch(() => this.infos.delete(manifestDigest));
    }
    return info;
  }

  private async readInfo(manifestDigest: string): Promise<ImageInfo> {
    const { content, snapshots } = this.containerd;
    const manifest = await readBlobJson<Manifest>(content, manifestDigest);
    if (!manifest.config || !Array.isArray(manifest.layers)) {
      throw EngineError.notImplemented(`image manifest ${manifestDigest} is not a single-platform image manifest`);
    }
    const configBytes = await readBlobBytes(content, manifest.config.digest);
    const config = JSON.parse(configBytes.toString('utf8')) as ImageConfigBlob;
    const chain = chainIds(config.rootfs?.diff_ids ?? []);
    const usages = await Promise.all(
      chain.map((key) => ignoreNotFound(snapshots.usage({ snapshotter: this.snapshotter, key }))),
    );
    return {
      id: manifest.config.digest,
      manifestDigest,
      configJson: configBytes,
      chainId: chain[chain.length - 1] ?? '',
      size: usages.reduce((sum, usage) => sum + Number(usage?.size ?? 0n), 0),
      created: new Date(config.created ?? 0),
    };
  }

  async list(): Promise<CatalogImage[]> {
    const records = await this.loadRecords();
    const infos = new Map<string, ImageInfo>();
    await Promise.all(
      [...new Set(records.map((r) => r.targetDigest))].map(async (digest) => {
        const info = await this.infoOf(digest).catch(() => undefined);
        if (info) infos.set(digest, info);
      }),
    );
    return catalog(records, (digest) => infos.get(digest));
  }

  async inspect(reference: string): Promise<CatalogImage> {
    return resolveReference(reference, await this.list());
  }

  /**
   * `docker import`: the tar becomes one uncompressed layer, unpacked, with a config and a
   * manifest, all under one lease so nothing is left behind if any step fails.
   */
  async importImage(source: AsyncIterable<Uint8Array>, options: ImportOptions): Promise<CatalogImage> {
    const name = options.reference ? canonicalName(parseReference(options.reference)) : undefined;
    const [os, arch] = (options.platform || `linux/${goArch[machine()] ?? machine()}`).split('/');
    if (os !== 'linux' || !arch) throw EngineError.invalid(`unsupported platform: ${options.platform}`);
    const config = applyChanges({}, options.changes);
    const manifestDigest = await withLease(this.containerd, async (leased) => {
      const layer = await writeBlob(leased.content, decompressed(source), { ref: `import-${randomBytes(8).toString('hex')}` });
      const layerDescriptor: Descriptor = { mediaType: mediaTypes.ociLayerTar, digest: layer.digest, size: layer.size };
      const chainId = await unpackLayers(leased, [{ descriptor: { ...layerDescriptor, size: BigInt(layer.size) }, diffId: layer.digest }], this.snapshotter);
      const created = new Date().toISOString();
      const configBlob: ImageConfigBlob = {
        created,
        architecture: arch,
        os,
        config,
        rootfs: { type: 'layers', diff_ids: [layer.digest] },
        history: [{ created, comment: options.message || 'Imported from -' }],
      };
      const configBytes = Buffer.from(JSON.stringify(configBlob));
      const configDescriptor = await this.writeJson(leased, configBytes, {
        [`containerd.io/gc.ref.snapshot.${this.snapshotter}`]: chainId,
      });
      const manifest = {
        schemaVersion: 2,
        mediaType: mediaTypes.ociManifest,
        config: { mediaType: mediaTypes.ociConfig, ...configDescriptor },
        layers: [layerDescriptor],
      };
      const manifestDescriptor = await this.writeJson(leased, Buffer.from(JSON.stringify(manifest)), {
        'containerd.io/gc.ref.content.config': configDescriptor.digest,
        'containerd.io/gc.ref.content.l.0': layer.digest,
      });
      await this.setName(leased, name ?? danglingName(manifestDescriptor.digest), { mediaType: mediaTypes.ociManifest, ...manifestDescriptor });
      return manifestDescriptor.digest;
    });
    const info = await this.infoOf(manifestDigest);
    return (await this.list()).find((image) => image.id === info.id)!;
  }

  private async writeJson(services: ContainerdServices, bytes: Buffer, labels: Record<string, string>): Promise<{ digest: string; size: number }> {
    return writeBlob(services.content, bytes, { ref: `json-${randomBytes(8).toString('hex')}`, labels });
  }

  /**
   * Points a name at a manifest. An image that loses its last name stays as a dangling record,
   * as Docker keeps `<none>` images; a dangling record of the newly named image goes away.
   */
  private async setName(services: ContainerdServices, name: string, target: Descriptor): Promise<void> {
    const records = await this.loadRecords();
    const previous = (await ignoreNotFound(services.images.get({ name })))?.image?.target;
    const image = { name, target: { ...target, size: BigInt(target.size) } };
    this.records = undefined;
    try {
      await services.images.create({ image });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      await services.images.update({ image });
    }
    const dangling = danglingName(target.digest);
    if (name !== dangling) await ignoreNotFound(services.images.delete({ name: dangling, sync: false }));
    const orphaned = previous && previous.digest !== target.digest && !records.some((r) => r.name !== name && r.targetDigest === previous.digest);
    if (orphaned) {
      await services.images.create({ image: { name: danglingName(previous.digest), target: previous } }).catch((err) => {
        if (!isAlreadyExists(err)) throw err;
      });
    }
    // Lists read while this ran may predate it.
    this.records = undefined;
  }
}
