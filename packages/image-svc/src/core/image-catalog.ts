import { EngineError } from '@flotilla/proto';
import type { Descriptor } from './oci-types.js';
import { canonicalName, familiarName, familiarRepository, parseReference } from './reference.js';

/** What one image (one config) is, however many names point at it. */
export interface ImageInfo {
  /** sha256 of the config blob: the image ID. */
  id: string;
  manifestDigest: string;
  configJson: Uint8Array;
  chainId: string;
  size: number;
  created: Date;
}

/** An image record as containerd keeps it: a name and the manifest (or index) it points at. */
export interface NamedTarget {
  name: string;
  target: Descriptor;
}

export interface CatalogImage extends ImageInfo {
  /** What its records point at. */
  target: Descriptor;
  /** Canonical names of the records pointing at it. */
  names: string[];
  repoTags: string[];
  repoDigests: string[];
}

/** Records of images that lost their last name, so they stay listed as dangling (`<none>`). */
export const danglingPrefix = 'flotilla.dangling@';

export function danglingName(manifestDigest: string): string {
  return `${danglingPrefix}${manifestDigest}`;
}

/** `busybox:latest` for a tagged record; nothing for a dangling one. */
export function repoTagOf(name: string): string | undefined {
  if (name.startsWith(danglingPrefix)) return undefined;
  const ref = parseReference(name);
  return ref.tag ? familiarName({ ...ref, digest: undefined }) : undefined;
}

/** `busybox@sha256:…` for records that name an image by digest. */
function repoDigestOf(name: string): string | undefined {
  if (name.startsWith(danglingPrefix)) return undefined;
  const ref = parseReference(name);
  return ref.digest ? `${familiarRepository(ref)}@${ref.digest}` : undefined;
}

/** Groups image records by the image they name. */
export function catalog(records: NamedTarget[], infoOf: (manifestDigest: string) => ImageInfo | undefined): CatalogImage[] {
  const byId = new Map<string, CatalogImage>();
  for (const record of records) {
    const info = infoOf(record.target.digest);
    if (!info) continue;
    const image = byId.get(info.id) ?? { ...info, target: record.target, names: [], repoTags: [], repoDigests: [] };
    image.names.push(record.name);
    const tag = repoTagOf(record.name);
    if (tag) image.repoTags.push(tag);
    const digest = repoDigestOf(record.name);
    if (digest) image.repoDigests.push(digest);
    byId.set(info.id, image);
  }
  return [...byId.values()].sort((a, b) => b.created.getTime() - a.created.getTime());
}

const fullId = /^(?:sha256:)?([0-9a-f]{64})$/;
const idPrefix = /^(?:sha256:)?([0-9a-f]{1,63})$/;

/**
 * Finds the image a reference means, as dockerd does: a full ID, else a name, else a unique ID
 * prefix.
 */
export function resolveReference(reference: string, images: CatalogImage[]): CatalogImage {
  return findImage(reference, images).image;
}

/** The image a reference means, and the record name it matched (none when matched by ID). */
export function findImage(reference: string, images: CatalogImage[]): { image: CatalogImage; name?: string } {
  const id = fullId.exec(reference);
  if (id) {
    const image = images.find((i) => i.id === `sha256:${id[1]}`);
    if (image) return { image };
    throw EngineError.notFound(`No such image: ${reference}`);
  }
  let canonical: string | undefined;
  let display = reference;
  try {
    const ref = parseReference(reference);
    canonical = canonicalName(ref);
    display = familiarName(ref);
  } catch (err) {
    if (!idPrefix.test(reference)) throw err;
  }
  const named = canonical ? images.find((i) => i.names.includes(canonical!)) : undefined;
  if (named) return { image: named, name: canonical };
  const prefix = idPrefix.exec(reference);
  if (prefix) {
    const matches = images.filter((i) => i.id.startsWith(`sha256:${prefix[1]}`));
    if (matches.length === 1) return { image: matches[0] };
    if (matches.length > 1) throw EngineError.invalid(`multiple images found with provided prefix: ${reference}`);
  }
  throw EngineError.notFound(`No such image: ${display}`);
}
