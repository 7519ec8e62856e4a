import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { EngineError, imageV1, type ServiceHandlers } from '@flotilla/proto';
import type { EventPublisher } from '@flotilla/kit';
import type { CatalogImage } from '../core/image-catalog.js';
import type { ProgressUpdate } from '../core/progress-update.js';
import type { Filters } from '../core/image-filters.js';
import { parsePlatform } from '../core/platform.js';
import { familiarName, parseReference } from '../core/reference.js';
import type { ImagePuller } from '../pull/image-puller.js';
import type { ImagePusher } from '../push/image-pusher.js';
import type { RegistryAccess } from '../registry/registry-access.js';
import type { RegistryCredentials } from '../registry/registry-client.js';
import { registryDomain } from '../registry/server-address.js';
import { inspectDistribution } from '../registry/distribution-inspector.js';
import type { ImageSaver } from '../archive/image-saver.js';
import type { ImageLoader } from '../archive/image-loader.js';
import type { ContainerdImageStore } from '../store/containerd-image-store.js';

function imageMessage(image: CatalogImage, snapshotter: string): imageV1.Image {
  return create(imageV1.ImageSchema, {
    id: image.id,
    repoTags: image.repoTags,
    repoDigests: image.repoDigests,
    created: timestampFromDate(image.created),
    size: BigInt(image.size),
    configJson: image.configJson,
    chainId: image.chainId,
    snapshotter,
    targetDigest: image.manifestDigest,
  });
}

function progressMessage(update: ProgressUpdate): MessageInitShape<typeof imageV1.ProgressSchema> {
  return { id: update.id, status: update.status, current: BigInt(update.current ?? 0), total: BigInt(update.total ?? 0), plain: update.plain ?? false };
}

function filtersOf(filters: Record<string, imageV1.FilterValues>): Filters {
  return Object.fromEntries(Object.entries(filters).map(([name, { values }]) => [name, values]));
}

function removedMessages(untagged: string[], deleted: string[]): MessageInitShape<typeof imageV1.RemovedImageSchema>[] {
  return [
    ...untagged.map((name) => ({ removed: { case: 'untagged' as const, value: name } })),
    ...deleted.map((id) => ({ removed: { case: 'deleted' as const, value: id } })),
  ];
}

function credentials(auth: imageV1.RegistryAuth | undefined): RegistryCredentials {
  return { username: auth?.username, password: auth?.password, identityToken: auth?.identityToken, registryToken: auth?.registryToken };
}

/** The import body: options first, then the archive in chunks. */
async function* importChunks(requests: AsyncIterator<imageV1.ImportImageRequest>): AsyncGenerator<Uint8Array> {
  for (let next = await requests.next(); !next.done; next = await requests.next()) {
    if (next.value.request.case !== 'chunk') throw EngineError.invalid('only archive chunks may follow the import options');
    yield next.value.request.value;
  }
}

export interface ImageServiceParts {
  store: ContainerdImageStore;
  puller: ImagePuller;
  pusher: ImagePusher;
  saver: ImageSaver;
  loader: ImageLoader;
  registries: RegistryAccess;
  events: EventPublisher;
}

export function imageHandlers({ store, puller, pusher, saver, loader, registries, events }: ImageServiceParts): ServiceHandlers<typeof imageV1.ImageService> {
  const imageEvent = (action: string, actorId: string, name: string) => events.publish({ type: 'image', action, actorId, attributes: { name } });
  return {
    async importImage(requests) {
      const iterator = requests[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done || first.value.request.case !== 'options') throw EngineError.invalid('import must start with its options');
      const options = first.value.request.value;
      const image = await store.importImage(importChunks(iterator), options);
      imageEvent('import', image.id, image.repoTags[0] ?? image.id);
      return { imageId: image.id };
    },
    async commitImage(req) {
      const image = await store.commitImage({
        parent: req.parent,
        layer: { mediaType: req.layerMediaType, digest: req.layerDigest, size: Number(req.layerSize), diffId: req.layerDiffId },
        config: req.configJson.length ? JSON.parse(Buffer.from(req.configJson).toString('utf8')) : {},
        changes: req.changes,
        author: req.author,
        comment: req.comment,
        reference: req.reference,
        createdBy: req.createdBy,
      });
      return { imageId: image.id };
    },
    async listImages(req) {
      return { images: (await store.list(filtersOf(req.filters))).map((image) => imageMessage(image, store.snapshotter)) };
    },
    async getImageHistory(req) {
      const items = await store.history(req.reference);
      return { entries: items.map((item) => ({ ...item, created: timestampFromDate(item.created), size: BigInt(item.size) })) };
    },
    async pruneImages(req) {
      const { untagged, deleted, spaceReclaimed } = await store.prune(filtersOf(req.filters));
      for (const id of deleted) imageEvent('delete', id, id);
      events.publish({ type: 'image', action: 'prune', actorId: '', attributes: { reclaimed: String(spaceReclaimed) } });
      return { removed: removedMessages(untagged, deleted), spaceReclaimed: BigInt(spaceReclaimed) };
    },
    async inspectImage(req) {
      return { image: imageMessage(await store.inspect(req.reference), store.snapshotter) };
    },
    async *pullImage(req, ctx): AsyncGenerator<MessageInitShape<typeof imageV1.PullImageResponseSchema>> {
      const parsed = parseReference(req.reference);
      const ref = req.allTags ? { ...parsed, tag: undefined } : parsed;
      const platform = parsePlatform(req.platform);
      const repositories = registries.repositories(ref, 'pull', credentials(req.auth));
      for await (const update of puller.pull({ ref, platform, repositories, allTags: req.allTags, signal: ctx.signal })) yield { progress: progressMessage(update) };
      imageEvent('pull', familiarName(ref), familiarName(ref));
    },
    async *pushImage(req, ctx): AsyncGenerator<MessageInitShape<typeof imageV1.PushImageResponseSchema>> {
      const parsed = parseReference(req.reference);
      const ref = req.allTags ? { ...parsed, tag: undefined } : parsed;
      const [repository] = registries.repositories(ref, 'push', credentials(req.auth));
      for await (const event of pusher.push({ ref, allTags: req.allTags, repository, signal: ctx.signal })) {
        if ('progress' in event) yield { response: { case: 'progress', value: progressMessage(event.progress) } };
        else yield { response: { case: 'pushed', value: { ...event.pushed, size: BigInt(event.pushed.size) } } };
      }
      imageEvent('push', familiarName(parsed), familiarName(parsed));
    },
    async tagImage(req) {
      const image = await store.tag(req.source, req.target);
      imageEvent('tag', image.id, familiarName(parseReference(req.target)));
      return {};
    },
    async loginRegistry(req) {
      const { identityToken } = await registries.registry(registryDomain(req.auth?.serverAddress ?? ''), credentials(req.auth)).checkLogin();
      return { status: 'Login Succeeded', identityToken: identityToken ?? '' };
    },
    async *saveImages(req): AsyncGenerator<MessageInitShape<typeof imageV1.SaveImagesResponseSchema>> {
      const { images, archive } = await saver.save(req.references);
      for await (const chunk of archive) yield { chunk };
      for (const image of images) imageEvent('save', image.id, image.repoTags[0] ?? image.id);
    },
    async loadImages(requests) {
      const chunks = (async function* () {
        for await (const req of requests) yield req.chunk;
      })();
      const images = await loader.load(chunks);
      for (const image of images) imageEvent('load', image.id, image.name ?? image.id);
      return { images: images.map((image) => ({ name: image.name ?? '', id: image.id })) };
    },
    async inspectDistribution(req) {
      const ref = parseReference(req.reference);
      const [repository] = registries.repositories(ref, 'pull', credentials(req.auth));
      const { descriptor, platforms } = await inspectDistribution(repository, ref.digest ?? ref.tag ?? 'latest');
      return { descriptor: { ...descriptor, size: BigInt(descriptor.size) }, platforms };
    },
    async getImageDiskUsage() {
      const { layersSize, images } = await store.diskUsage();
      return {
        layersSize: BigInt(layersSize),
        images: images.map(({ image, sharedSize, containers }) => ({ image: imageMessage(image, store.snapshotter), sharedSize: BigInt(sharedSize), containers })),
      };
    },
    async removeImage(req) {
      const { untagged, deleted } = await store.remove(req.reference, req.force);
      for (const name of untagged) imageEvent('untag', deleted[0] ?? name, name);
      for (const id of deleted) imageEvent('delete', id, id);
      return { removed: removedMessages(untagged, deleted) };
    },
  };
}
