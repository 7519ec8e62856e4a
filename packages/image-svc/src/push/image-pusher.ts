import { EngineError } from '@flotilla/proto';
import { readBlob, readBlobBytes, type ContainerdServices } from '@flotilla/containerd';
import { concurrencyLimit, streamOf } from '../core/progress-channel.js';
import { counted } from '../core/counted.js';
import { shortId } from '../core/short-id.js';
import { canonicalName, type ImageReference } from '../core/reference.js';
import type { ProgressUpdate } from '../core/progress-update.js';
import type { Descriptor, ImageManifest } from '../core/oci-types.js';
import type { RegistryRepository } from '../registry/registry-client.js';
import type { ContainerdImageStore } from '../store/containerd-image-store.js';

export interface PushRequest {
  ref: ImageReference;
  /** Push every tag of the repository (`docker push --all-tags`, or no tag given). */
  allTags: boolean;
  repository: RegistryRepository;
  signal?: AbortSignal;
}

export type PushEvent = { progress: ProgressUpdate } | { pushed: { tag: string; digest: string; size: number } };

const concurrentUploads = 3;

/**
 * `docker push`: for each tag, the layers the registry does not have yet (asked with HEAD), the
 * config, then the manifest. The pushed digest becomes one of the image's RepoDigests.
 */
export class ImagePusher {
  constructor(
    private readonly containerd: ContainerdServices,
    private readonly store: ContainerdImageStore,
  ) {}

  push(request: PushRequest): AsyncIterable<PushEvent> {
    return streamOf((emit) => this.run(request, emit));
  }

  private async run(request: PushRequest, emit: (event: PushEvent) => void): Promise<void> {
    const { ref } = request;
    const report = (progress: ProgressUpdate) => emit({ progress });
    const tags = request.allTags ? await this.store.tagsOf(ref) : [ref.tag ?? 'latest'];
    if (tags.length === 0) throw EngineError.notFound(`An image does not exist locally with the tag: ${canonicalName({ ...ref, tag: undefined })}`);
    report({ id: '', status: `The push refers to repository [${ref.domain}/${ref.path}]`, plain: true });
    for (const tag of tags) await this.pushTag({ ...ref, tag, digest: undefined }, request, report, emit);
  }

  private async pushTag(ref: ImageReference, request: PushRequest, report: (p: ProgressUpdate) => void, emit: (e: PushEvent) => void): Promise<void> {
    const { repository, signal } = request;
    const manifestDescriptor = await this.store.platformManifestOf(canonicalName(ref)).catch((err: unknown) => {
      if (EngineError.is(err, 'not-found')) throw EngineError.notFound(`An image does not exist locally with the tag: ${canonicalName(ref)}`);
      throw err;
    });
    const manifestBytes = await readBlobBytes(this.containerd.content, manifestDescriptor.digest);
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as ImageManifest;

    // Layers are listed top first, as dockerd does.
    const layers = [...manifest.layers].reverse();
    for (const layer of layers) report({ id: shortId(layer.digest), status: 'Preparing' });
    const limit = concurrencyLimit(concurrentUploads);
    await Promise.all(
      layers.map((layer) =>
        limit(async () => {
          const id = shortId(layer.digest);
          if (await repository.hasBlob(layer.digest, signal)) {
            report({ id, status: 'Layer already exists' });
            return;
          }
          await this.upload(layer, request, (current) => report({ id, status: 'Pushing', current, total: layer.size }));
          report({ id, status: 'Pushed' });
        }),
      ),
    );
    if (!(await repository.hasBlob(manifest.config.digest, signal))) await this.upload(manifest.config, request);

    const digest = await repository.putManifest(ref.tag!, manifestDescriptor.mediaType, manifestBytes, signal);
    report({ id: '', status: `${ref.tag}: digest: ${digest} size: ${manifestBytes.length}`, plain: true });
    emit({ pushed: { tag: ref.tag!, digest, size: manifestBytes.length } });
    await this.store.nameImage(this.containerd, canonicalName({ ...ref, tag: undefined, digest }), manifestDescriptor);
  }

  private async upload(blob: Descriptor, request: PushRequest, progress?: (bytes: number) => void): Promise<void> {
    const body = readBlob(this.containerd.content, blob.digest, { signal: request.signal });
    await request.repository.putBlob(blob.digest, blob.size, progress ? counted(body, progress) : body, request.signal);
  }
}

