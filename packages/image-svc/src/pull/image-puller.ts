import { EngineError } from '@flotilla/proto';
import { maxWriteChunkBytes, unpackLayers, withLease, writeBlob, type ContainerdServices } from '@flotilla/containerd';
import { byteBatches } from '@flotilla/kit';
import { formatPlatform, platformEntry, type Platform } from '../core/platform.js';
import { concurrencyLimit, streamOf } from '../core/progress-channel.js';
import { counted } from '../core/counted.js';
import { shortId } from '../core/short-id.js';
import { canonicalName, familiarName, type ImageReference } from '../core/reference.js';
import type { ProgressUpdate } from '../core/progress-update.js';
import { sha256Digest, type RegistryRepository } from '../registry/registry-client.js';
import { isIndexMediaType, type Descriptor, type ImageIndex, type ImageManifest } from '../core/oci-types.js';
import type { ContainerdImageStore } from '../store/containerd-image-store.js';

export interface PullRequest {
  ref: ImageReference;
  platform: Platform;
  /** The repository on each endpoint to try, mirrors first. */
  repositories: RegistryRepository[];
  /** Every tag of the repository (`docker pull -a`); `ref` then names no tag. */
  allTags?: boolean;
  signal?: AbortSignal;
}

type Report = (update: ProgressUpdate) => void;

/**
 * Layers unpack one after the other, so a layer that arrives early is worth more than two that
 * arrive together: with three downloads sharing the bandwidth the unpacking waited, and pulls
 * from a local registry were ~15% slower than with two (see the pull benchmark).
 */
const concurrentDownloads = 2;



/**
 * `docker pull`: manifest (an index resolved to the platform asked for), then the config and
 * the layers, downloaded concurrently straight into containerd's content store and unpacked in
 * order, all under one lease, then the names. Blobs already present are not downloaded again,
 * and a pull that failed part way through can simply be run again.
 */
export class ImagePuller {
  constructor(
    private readonly containerd: ContainerdServices,
    private readonly store: ContainerdImageStore,
  ) {}

  pull(request: PullRequest): AsyncIterable<ProgressUpdate> {
    return streamOf((report) => this.run(request, report));
  }

  /** The answer of the first endpoint that gives one; a mirror that fails is skipped. */
  private async firstAnswer<T>(request: PullRequest, ask: (repository: RegistryRepository) => Promise<T>): Promise<{ repository: RegistryRepository; value: T }> {
    let lastError: unknown;
    for (const repository of request.repositories) {
      try {
        return { repository, value: await ask(repository) };
      } catch (err) {
        lastError = err;
        if (request.signal?.aborted) break;
      }
    }
    throw lastError;
  }

  private async run(request: PullRequest, report: Report): Promise<void> {
    const { ref } = request;
    let newer = false;
    if (request.allTags) {
      // Each tag as its own pull; the registry's list comes from the first endpoint that answers.
      const tags = await this.firstAnswer(request, (repository) => repository.listTags(request.signal)).catch((err: unknown) => {
        throw this.explain(err, ref);
      });
      for (const tag of tags.value) newer = (await this.pullOne({ ...request, ref: { ...ref, tag } }, report)) || newer;
    } else {
      newer = await this.pullOne(request, report);
    }
    report({ id: '', status: `Status: ${newer ? 'Downloaded newer image' : 'Image is up to date'} for ${familiarName(ref)}`, plain: true });
  }

  /** One tag or digest; true when its name now points at a manifest it did not point at before. */
  private async pullOne(request: PullRequest, report: Report): Promise<boolean> {
    const { ref, platform, signal } = request;
    const reference = ref.digest ?? ref.tag ?? 'latest';
    // Nothing is reported before the registry has the image: a client gets a plain error then.
    const { repository, value: top } = await this.firstAnswer(request, (repository) => repository.getManifest(reference, signal)).catch((err: unknown) => {
      throw this.explain(err, ref);
    });
    report({ id: ref.digest ? '' : reference, status: `Pulling from ${ref.path}`, plain: true });
    let manifest = top;
    if (isIndexMediaType(top.mediaType)) {
      const index = JSON.parse(top.bytes.toString('utf8')) as ImageIndex;
      const entry = platformEntry(index.manifests, platform);
      if (!entry) throw EngineError.notFound(`no matching manifest for ${formatPlatform(platform)} in the manifest list entries`);
      manifest = await repository.getManifest(entry.digest, signal);
    }
    const image = JSON.parse(manifest.bytes.toString('utf8')) as ImageManifest;
    if (!image.config || !Array.isArray(image.layers)) throw EngineError.invalid(`${manifest.mediaType} is not an image manifest this engine can pull`);

    const name = canonicalName(ref);
    const digestName = canonicalName({ ...ref, tag: undefined, digest: top.digest });
    const upToDate = await this.store.pointsAt(name, manifest.digest);
    await withLease(this.containerd, async (leased) => {
      const configBytes = await this.fetchSmallBlob(repository, image.config, signal);
      const diffIds = (JSON.parse(configBytes.toString('utf8')) as { rootfs?: { diff_ids?: string[] } }).rootfs?.diff_ids ?? [];
      if (diffIds.length !== image.layers.length) throw EngineError.invalid(`image config lists ${diffIds.length} layers, its manifest ${image.layers.length}`);

      const present = await Promise.all(image.layers.map((layer) => this.store.hasBlob(layer.digest)));
      image.layers.forEach((layer, i) => report({ id: shortId(layer.digest), status: present[i] ? 'Already exists' : 'Pulling fs layer' }));
      // Downloads run two at a time while the layers already down are unpacked, in order.
      const downloading = new AbortController();
      const stopDownloads = () => downloading.abort();
      signal?.addEventListener('abort', stopDownloads, { once: true });
      const limit = concurrencyLimit(concurrentDownloads);
      const downloads = image.layers.map(async (layer, i) => {
        if (present[i]) return false;
        const id = shortId(layer.digest);
        await limit(() => this.downloadLayer(leased, repository, layer, downloading.signal, (current) => report({ id, status: 'Downloading', current, total: layer.size })));
        report({ id, status: 'Verifying Checksum' });
        report({ id, status: 'Download complete' });
        return true;
      });
      // A failure is reported once, by the loop below; the others only stop.
      for (const download of downloads) download.catch(() => undefined);
      let chainId = '';
      try {
        for (let i = 0; i < image.layers.length; i++) {
          const fresh = await downloads[i];
          const id = shortId(image.layers[i].digest);
          if (fresh) report({ id, status: 'Extracting', current: image.layers[i].size, total: image.layers[i].size });
          const layers = image.layers.slice(0, i + 1).map((layer, n) => ({ descriptor: { ...layer, size: BigInt(layer.size) }, diffId: diffIds[n] }));
          chainId = await unpackLayers(leased, layers, this.store.snapshotter, { signal });
          if (fresh) report({ id, status: 'Pull complete' });
        }
      } catch (err) {
        stopDownloads();
        await Promise.allSettled(downloads);
        throw err;
      } finally {
        signal?.removeEventListener('abort', stopDownloads);
      }

      // Written last, with the labels that keep layers, config and snapshots alive with them.
      await writeBlob(leased.content, configBytes, {
        ref: `pull-${image.config.digest}`,
        expectedDigest: image.config.digest,
        labels: { [`containerd.io/gc.ref.snapshot.${this.store.snapshotter}`]: chainId },
      });
      await writeBlob(leased.content, manifest.bytes, {
        ref: `pull-${manifest.digest}`,
        expectedDigest: manifest.digest,
        labels: Object.fromEntries([
          ['containerd.io/gc.ref.content.config', image.config.digest],
          ...image.layers.map((layer, i) => [`containerd.io/gc.ref.content.l.${i}`, layer.digest]),
        ]),
      });
      // Names point at the platform's manifest, as a single-platform pull in dockerd leaves them;
      // the digest the registry gave (of the index, for a multi-platform image) names it too.
      const target = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length };
      if (ref.tag) await this.store.nameImage(leased, name, target);
      await this.store.nameImage(leased, digestName, target);
    });
    report({ id: '', status: `Digest: ${top.digest}`, plain: true });
    return !upToDate;
  }

  /** A config: small, kept in memory until it can be written with its labels. */
  private async fetchSmallBlob(repository: RegistryRepository, blob: Descriptor, signal?: AbortSignal): Promise<Buffer> {
    const { body } = await repository.getBlob(blob.digest, signal);
    const chunks: Uint8Array[] = [];
    for await (const chunk of body) chunks.push(chunk);
    const bytes = Buffer.concat(chunks);
    if (sha256Digest(bytes) !== blob.digest || bytes.length !== blob.size) {
      throw EngineError.invalid(`failed to verify ${blob.digest}: the registry sent ${bytes.length} bytes with digest ${sha256Digest(bytes)}`);
    }
    return bytes;
  }

  /** Streams a layer into the content store; containerd checks its digest and size at commit. */
  private async downloadLayer(
    services: ContainerdServices,
    repository: RegistryRepository,
    blob: Descriptor,
    signal: AbortSignal | undefined,
    progress: (bytes: number) => void,
  ): Promise<void> {
    const { body } = await repository.getBlob(blob.digest, signal);
    // Batches of the socket's 64 KiB chunks, each the bytes of one write request.
    await writeBlob(services.content, counted(byteBatches(body, maxWriteChunkBytes), progress), { ref: `pull-${blob.digest}`, expectedDigest: blob.digest, expectedSize: blob.size, signal }).catch(
      (err: unknown) => {
        if (signal?.aborted) throw err;
        // containerd refuses a commit whose bytes do not match: anything else is the transfer failing.
        if (EngineError.is(err, 'invalid')) throw EngineError.invalid(`failed to verify ${blob.digest}: ${(err as Error).message}`);
        if (err instanceof EngineError) throw err;
        throw EngineError.unavailable(`downloading ${blob.digest}: ${(err as Error).message}`, err);
      },
    );
  }

  /** dockerd's wording for a repository the registry does not show. */
  private explain(err: unknown, ref: ImageReference): unknown {
    const repo = familiarName({ ...ref, tag: undefined, digest: undefined });
    if (EngineError.is(err, 'unauthorized')) {
      return new EngineError('not-found', `pull access denied for ${repo}, repository does not exist or may require 'docker login': ${(err as Error).message}`);
    }
    if (EngineError.is(err, 'not-found')) return EngineError.notFound(`manifest for ${familiarName(ref)} not found: ${(err as Error).message}`);
    return err;
  }
}
