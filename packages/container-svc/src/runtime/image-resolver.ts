import { imageV1, type ServiceClient } from '@flotilla/proto';
import type { ImageConfig } from '../core/image-config-merge.js';
import type { CommitRequest, ImageResolver, ResolvedImage } from '../core/ports.js';

/** image-svc answers which image a reference names, its config and its top snapshot. */
export class ImageServiceResolver implements ImageResolver {
  constructor(private readonly images: Pick<ServiceClient<typeof imageV1.ImageService>, 'inspectImage' | 'commitImage'>) {}

  async resolve(reference: string): Promise<ResolvedImage> {
    const { image } = await this.images.inspectImage({ reference });
    const config = JSON.parse(Buffer.from(image!.configJson).toString('utf8')) as { config?: ImageConfig };
    return { id: image!.id, chainId: image!.chainId, snapshotter: image!.snapshotter, config: config.config ?? {}, size: Number(image!.size) };
  }

  async commit({ parent, layer, config, changes, author, comment, reference, createdBy }: CommitRequest): Promise<string> {
    const { imageId } = await this.images.commitImage({
      parent,
      layerMediaType: layer.mediaType,
      layerDigest: layer.digest,
      layerSize: BigInt(layer.size),
      layerDiffId: layer.diffId,
      configJson: Buffer.from(JSON.stringify(config)),
      changes,
      author,
      comment,
      reference,
      createdBy,
    });
    return imageId;
  }
}
