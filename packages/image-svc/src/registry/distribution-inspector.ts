import { isIndexMediaType, type ImageIndex, type ImageManifest } from '../core/oci-types.js';
import type { Platform } from '../core/platform.js';
import type { RegistryRepository } from './registry-client.js';

export interface DistributionInfo {
  descriptor: { mediaType: string; digest: string; size: number };
  platforms: Platform[];
}

/**
 * `GET /distribution/{name}/json`: the descriptor a registry serves for a reference and the
 * platforms it covers (from the index, or from the single image's config).
 */
export async function inspectDistribution(repository: RegistryRepository, reference: string, signal?: AbortSignal): Promise<DistributionInfo> {
  const top = await repository.getManifest(reference, signal);
  const descriptor = { mediaType: top.mediaType, digest: top.digest, size: top.bytes.length };
  if (isIndexMediaType(top.mediaType)) {
    const index = JSON.parse(top.bytes.toString('utf8')) as ImageIndex;
    return { descriptor, platforms: index.manifests.flatMap((m) => (m.platform ? [m.platform] : [])) };
  }
  const manifest = JSON.parse(top.bytes.toString('utf8')) as ImageManifest;
  const chunks: Uint8Array[] = [];
  for await (const chunk of (await repository.getBlob(manifest.config.digest, signal)).body) chunks.push(chunk);
  const config = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { os?: string; architecture?: string; variant?: string };
  const platform: Platform = { os: config.os ?? '', architecture: config.architecture ?? '', ...(config.variant ? { variant: config.variant } : {}) };
  return { descriptor, platforms: [platform] };
}
