import { randomBytes } from 'node:crypto';
import { EngineError } from '@flotilla/proto';
import {
  api,
  chainIds,
  imageIdLabel,
  ignoreNotFound,
  isAlreadyExists,
  readBlobBytes,
  readBlobJson,
  unpackLayers,
  withLease,
  writeBlob,
  type ContainerdServices,
} from '@flotilla/containerd';
import { catalog, danglingName, danglingPrefix, findImage, resolveReference, type CatalogImage, type ImageInfo, type NamedTarget } from '../core/image-catalog.js';
import { planRemoval, type ImageUser } from '../core/image-removal.js';
import { filterImages, pruneCandidates, type Filters } from '../core/image-filters.js';
import { historyItems, type HistoryItem } from '../core/image-history.js';
import { applyChanges, type ContainerConfig } from '../core/config-changes.js';
import { canonicalName, familiarName, parseReference, type ImageReference } from '../core/reference.js';
import { mediaTypes, type Descriptor, type ImageIndex, type ImageManifest } from '../core/oci-types.js';
import { formatPlatform, hostPlatform, parsePlatform, platformMatches } from '../core/platform.js';
import { decompressed } from '../archive/decompress.js';
import { requireTar } from '../archive/tar-check.js';

interface ImageConfigBlob {
  created?: string;
  author?: string;
  architecture?: string;
  os?: string;
  config?: ContainerConfig;
  rootfs?: { type: string; diff_ids: string[] };
  history?: { created?: string; author?: string; comment?: string; created_by?: string; empty_layer?: boolean }[];
}

export interface CommitOptions {
  /** The parent image's ID. */
  parent: string;
  layer: Descriptor & { diffId: string };
  config: ContainerConfig;
  changes: string[];
  author: string;
  comment: string;
  reference: string;
  createdBy: string;
}

export interface ImportOptions {
  reference: string;
  changes: string[];
  message: string;
  platform: string;
  /** A URL, or `-` (or empty) for an archive sent in the request. */
  source: string;
}

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
        images.map((image) => ({
          name: image.name,
          target: { mediaType: image.target?.mediaType ?? '', digest: image.target?.digest ?? '', size: Number(image.target?.size ?? 0n) },
        })),
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

  /** The manifest a target stands for on this host: an index resolves to the host's platform's entry in the store. */
  private async hostManifest(target: Descriptor): Promise<Descriptor> {
    const document = await readBlobJson<ImageManifest | ImageIndex>(this.containerd.content, target.digest);
    if (!('manifests' in document)) return target;
    const host = hostPlatform();
    for (const entry of document.manifests) {
      if (entry.platform && platformMatches(entry.platform, host) && (await this.hasBlob(entry.digest))) return entry;
    }
    throw EngineError.notFound(`image ${target.digest} has no manifest for ${formatPlatform(host)} in the store`);
  }

  private async readInfo(targetDigest: string): Promise<ImageInfo> {
    const { content, snapshots } = this.containerd;
    const descriptor = await this.hostManifest({ mediaType: '', digest: targetDigest, size: 0 });
    const manifest = await readBlobJson<ImageManifest>(content, descriptor.digest);
    if (!manifest.config || !Array.isArray(manifest.layers)) throw EngineError.invalid(`${targetDigest} is not an image manifest`);
    const configBytes = await readBlobBytes(content, manifest.config.digest);
    const config = JSON.parse(configBytes.toString('utf8')) as ImageConfigBlob;
    const chain = chainIds(config.rootfs?.diff_ids ?? []);
    const usages = await Promise.all(chain.map((key) => ignoreNotFound(snapshots.usage({ snapshotter: this.snapshotter, key }))));
    return {
      id: manifest.config.digest,
      manifestDigest: targetDigest,
      configJson: configBytes,
      chainId: chain[chain.length - 1] ?? '',
      size: usages.reduce((sum, usage) => sum + Number(usage?.size ?? 0n), 0),
      created: new Date(config.created ?? 0),
    };
  }

  /** Adds labels to a blob that is already stored (GC references, mostly). */
  async labelBlob(services: ContainerdServices, digest: string, labels: Record<string, string>): Promise<void> {
    await services.content.update({ info: { digest, labels }, updateMask: { paths: Object.keys(labels).map((key) => `labels.${key}`) } });
  }

  async hasBlob(digest: string): Promise<boolean> {
    return (await ignoreNotFound(this.containerd.content.info({ digest }))) !== undefined;
  }

  /** Whether the name exists and points at this manifest or index. */
  async pointsAt(name: string, digest: string): Promise<boolean> {
    return (await ignoreNotFound(this.containerd.images.get({ name })))?.image?.target?.digest === digest;
  }

  async list(filters: Filters = {}): Promise<CatalogImage[]> {
    const records = await this.loadRecords();
    const infos = new Map<string, ImageInfo>();
    await Promise.all(
      [...new Set(records.map((r) => r.target.digest))].map(async (digest) => {
        const info = await this.infoOf(digest).catch(() => undefined);
        if (info) infos.set(digest, info);
      }),
    );
    return filterImages(catalog(records, (digest) => infos.get(digest)), filters);
  }

  async inspect(reference: string): Promise<CatalogImage> {
    return resolveReference(reference, await this.list());
  }

  /**
   * `docker system df`: each image's unpacked size and the part of it other images share, and
   * the store's total with every snapshot and every blob counted once.
   */
  async diskUsage(): Promise<{ layersSize: number; images: { image: CatalogImage; sharedSize: number; containers: number }[] }> {
    const images = await this.list();
    const chains = new Map<string, CatalogImage[]>();
    const chainOf = (image: CatalogImage) => chainIds((JSON.parse(Buffer.from(image.configJson).toString('utf8')) as ImageConfigBlob).rootfs?.diff_ids ?? []);
    for (const image of images) for (const id of chainOf(image)) chains.set(id, [...(chains.get(id) ?? []), image]);
    const usage = new Map<string, number>();
    await Promise.all(
      [...chains.keys()].map(async (key) => {
        const found = await ignoreNotFound(this.containerd.snapshots.usage({ snapshotter: this.snapshotter, key }));
        usage.set(key, Number(found?.size ?? 0n));
      }),
    );
    let blobs = 0;
    for await (const { info } of this.containerd.content.list({})) for (const item of info) blobs += Number(item.size);
    const { containers } = await this.containerd.containers.list({});
    const users = new Map<string, number>();
    for (const c of containers) {
      const id = c.labels[imageIdLabel];
      if (id) users.set(id, (users.get(id) ?? 0) + 1);
    }
    const layersSize = [...usage.values()].reduce((a, b) => a + b, 0) + blobs;
    return {
      layersSize,
      images: images.map((image) => ({
        image,
        sharedSize: chainOf(image).reduce((sum, id) => sum + ((chains.get(id)?.length ?? 0) > 1 ? (usage.get(id) ?? 0) : 0), 0),
        containers: users.get(image.id) ?? 0,
      })),
    };
  }

  /** `docker history`: the config's history entries, newest first, with the size of each layer. */
  async history(reference: string): Promise<HistoryItem[]> {
    const image = await this.inspect(reference);
    const config = JSON.parse(Buffer.from(image.configJson).toString('utf8')) as ImageConfigBlob;
    const chain = chainIds(config.rootfs?.diff_ids ?? []);
    const sizes = await Promise.all(
      chain.map(async (key) => Number((await ignoreNotFound(this.containerd.snapshots.usage({ snapshotter: this.snapshotter, key })))?.size ?? 0n)),
    );
    return historyItems(config.history ?? [], sizes, image);
  }

  /**
   * `docker image prune`: images no container uses, dangling ones only unless dangling=false;
   * until and label narrow the choice. Space is what the deleted images held.
   */
  async prune(filters: Filters): Promise<{ untagged: string[]; deleted: string[]; spaceReclaimed: number }> {
    const candidates = pruneCandidates(await this.list(), filters);
    const result = { untagged: [] as string[], deleted: [] as string[], spaceReclaimed: 0 };
    for (const image of candidates) {
      if ((await this.usersOf(image.id)).length) continue;
      const removed = await this.remove(image.id, true);
      result.untagged.push(...removed.untagged);
      result.deleted.push(...removed.deleted);
      result.spaceReclaimed += image.size;
    }
    return result;
  }

  /** The tags of a repository, for `docker push --all-tags`. */
  async tagsOf(ref: ImageReference): Promise<string[]> {
    const prefix = `${ref.domain}/${ref.path}:`;
    return (await this.loadRecords()).filter((r) => r.name.startsWith(prefix)).map((r) => r.name.slice(prefix.length));
  }

  /** The manifest a name stands for on this host (an index resolved to the host's platform). */
  async platformManifestOf(name: string): Promise<Descriptor> {
    const target = (await ignoreNotFound(this.containerd.images.get({ name })))?.image?.target;
    if (!target) throw EngineError.notFound(`No such image: ${name}`);
    return this.hostManifest({ mediaType: target.mediaType, digest: target.digest, size: Number(target.size) });
  }

  /** `docker tag`: one more name for the image `source` resolves to. */
  async tag(source: string, target: string): Promise<CatalogImage> {
    const image = await this.inspect(source);
    const ref = parseReference(target);
    if (ref.digest) throw EngineError.invalid('refusing to create a tag with a digest reference');
    await this.nameImage(this.containerd, canonicalName(ref), image.target);
    return image;
  }

  /** Containers (in containerd, which container-svc labels with their image) using an image. */
  private async usersOf(imageId: string): Promise<ImageUser[]> {
    const { containers } = await this.containerd.containers.list({ filters: [`labels."${imageIdLabel}"==${imageId}`] });
    return Promise.all(
      containers.map(async (c) => {
        const task = await ignoreNotFound(this.containerd.tasks.get({ containerId: c.id }));
        const status = task?.process?.status;
        return { containerId: c.id, running: status !== undefined && status !== api.taskTypes.Status.STOPPED };
      }),
    );
  }

  /** `docker rmi`: what was untagged and deleted, in dockerd's order. */
  async remove(reference: string, force: boolean): Promise<{ untagged: string[]; deleted: string[] }> {
    const images = await this.list();
    const { image, name } = findImage(reference, images);
    const plan = planRemoval(image, name, await this.usersOf(image.id), force);
    this.records = undefined;
    for (const untag of plan.untag) {
      const last = plan.deleteImage && untag === plan.untag[plan.untag.length - 1];
      // The last deletion syncs the GC: the image's content and snapshots are gone when it returns.
      await ignoreNotFound(this.containerd.images.delete({ name: untag, sync: last }));
    }
    if (!plan.deleteImage && !image.names.some((n) => !plan.untag.includes(n))) {
      await this.nameImage(this.containerd, danglingName(image.target.digest), image.target);
    }
    this.records = undefined;
    return {
      untagged: plan.untag.filter((n) => !n.startsWith(danglingPrefix)).map((n) => familiarName(parseReference(n))),
      deleted: plan.deleteImage ? [image.id] : [],
    };
  }

  /**
   * `docker import`: the tar becomes one uncompressed layer, unpacked, with a config and a
   * manifest, all under one lease so nothing is left behind if any step fails.
   */
  async importImage(source: AsyncIterable<Uint8Array>, options: ImportOptions): Promise<CatalogImage> {
    const name = options.reference ? canonicalName(parseReference(options.reference)) : undefined;
    const { os, architecture: arch } = parsePlatform(options.platform);
    if (os !== 'linux') throw EngineError.invalid(`unsupported platform: ${options.platform}`);
    const config = applyChanges({}, options.changes);
    return withLease(this.containerd, async (leased) => {
      const layer = await writeBlob(leased.content, requireTar(decompressed(source)), { ref: `import-${randomBytes(8).toString('hex')}` });
      const created = new Date().toISOString();
      const configBlob: ImageConfigBlob = {
        created,
        architecture: arch,
        os,
        config,
        rootfs: { type: 'layers', diff_ids: [layer.digest] },
        history: [{ created, comment: options.message || `Imported from ${options.source || '-'}` }],
      };
      return this.storeImage(leased, configBlob, [{ mediaType: mediaTypes.ociLayerTar, digest: layer.digest, size: layer.size }], name);
    });
  }

  /** `docker commit`: the parent's layers and config, one more layer, the container's config with the changes. */
  async commitImage(options: CommitOptions): Promise<CatalogImage> {
    const name = options.reference ? canonicalName(parseReference(options.reference)) : undefined;
    const parent = await this.inspect(options.parent);
    const parentConfig = JSON.parse(Buffer.from(parent.configJson).toString('utf8')) as ImageConfigBlob;
    const parentManifest = await readBlobJson<ImageManifest>(this.containerd.content, (await this.hostManifest(parent.target)).digest);
    const created = new Date().toISOString();
    const configBlob: ImageConfigBlob = {
      ...parentConfig,
      created,
      ...(options.author ? { author: options.author } : {}),
      config: applyChanges(options.config, options.changes),
      rootfs: { type: 'layers', diff_ids: [...(parentConfig.rootfs?.diff_ids ?? []), options.layer.diffId] },
      history: [
        ...(parentConfig.history ?? []),
        { created, ...(options.author ? { author: options.author } : {}), created_by: options.createdBy, ...(options.comment ? { comment: options.comment } : {}) },
      ],
    };
    const { diffId, ...layer } = options.layer;
    return withLease(this.containerd, (leased) => this.storeImage(leased, configBlob, [...parentManifest.layers, layer], name));
  }

  /**
   * Unpacks the layers (those unpacked already are skipped), stores the config and the manifest
   * with the labels that keep their blobs and snapshots from the GC, and names the image.
   */
  private async storeImage(leased: ContainerdServices, configBlob: ImageConfigBlob, layers: Descriptor[], name: string | undefined): Promise<CatalogImage> {
    const diffIds = configBlob.rootfs?.diff_ids ?? [];
    const toUnpack = layers.map(({ mediaType, digest, size }, i) => ({ descriptor: { mediaType, digest, size: BigInt(size) }, diffId: diffIds[i] }));
    const chainId = await unpackLayers(leased, toUnpack, this.snapshotter);
    const configDescriptor = await this.writeJson(leased, Buffer.from(JSON.stringify(configBlob)), {
      [`containerd.io/gc.ref.snapshot.${this.snapshotter}`]: chainId,
    });
    const manifest = {
      schemaVersion: 2,
      mediaType: mediaTypes.ociManifest,
      config: { mediaType: mediaTypes.ociConfig, ...configDescriptor },
      layers: layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
    };
    const manifestDescriptor = await this.writeJson(leased, Buffer.from(JSON.stringify(manifest)), {
      'containerd.io/gc.ref.content.config': configDescriptor.digest,
      ...Object.fromEntries(layers.map((layer, i) => [`containerd.io/gc.ref.content.l.${i}`, layer.digest])),
    });
    await this.nameImage(leased, name ?? danglingName(manifestDescriptor.digest), { mediaType: mediaTypes.ociManifest, ...manifestDescriptor });
    const info = await this.infoOf(manifestDescriptor.digest);
    return (await this.list()).find((image) => image.id === info.id)!;
  }

  private async writeJson(services: ContainerdServices, bytes: Buffer, labels: Record<string, string>): Promise<{ digest: string; size: number }> {
    return writeBlob(services.content, bytes, { ref: `json-${randomBytes(8).toString('hex')}`, labels });
  }

  /**
   * Points a name at a manifest. An image that loses its last name stays as a dangling record,
   * as Docker keeps `<none>` images; a dangling record of the newly named image goes away.
   */
  async nameImage(services: ContainerdServices, name: string, target: Descriptor): Promise<void> {
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
    const orphaned = previous && previous.digest !== target.digest && !records.some((r) => r.name !== name && r.target.digest === previous.digest);
    if (orphaned) {
      await services.images.create({ image: { name: danglingName(previous.digest), target: previous } }).catch((err) => {
        if (!isAlreadyExists(err)) throw err;
      });
    }
    // Lists read while this ran may predate it.
    this.records = undefined;
  }
}
