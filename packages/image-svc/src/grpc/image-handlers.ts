import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { EngineError, imageV1, type ServiceHandlers } from '@flotilla/proto';
import type { EventPublisher } from '@flotilla/kit';
import type { CatalogImage } from '../core/image-catalog.js';
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

/** The import body: options first, then the archive in chunks. */
async function* importChunks(requests: AsyncIterator<imageV1.ImportImageRequest>): AsyncGenerator<Uint8Array> {
  for (let next = await requests.next(); !next.done; next = await requests.next()) {
    if (next.value.request.case !== 'chunk') throw EngineError.invalid('only archive chunks may follow the import options');
    yield next.value.request.value;
  }
}

export function imageHandlers(store: ContainerdImageStore, events: EventPublisher): ServiceHandlers<typeof imageV1.ImageService> {
  return {
    async importImage(requests) {
      const iterator = requests[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done || first.value.request.case !== 'options') throw EngineError.invalid('import must start with its options');
      const options = first.value.request.value;
      const image = await store.importImage(importChunks(iterator), options);
      events.publish({ type: 'image', action: 'import', actorId: image.id, attributes: { name: image.repoTags[0] ?? image.id } });
      return { imageId: image.id };
    },
    async listImages() {
      return { images: (await store.list()).map((image) => imageMessage(image, store.snapshotter)) };
    },
    async inspectImage(req) {
      return { image: imageMessage(await store.inspect(req.reference), store.snapshotter) };
    },
  };
}
