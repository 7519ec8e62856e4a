import { EngineError } from '@flotilla/proto';
import { matchesLabel, parseDockerTime } from '@flotilla/kit';
import { globToRegExp } from './glob.js';
import type { CatalogImage } from './image-catalog.js';
import { findImage } from './image-catalog.js';

export type Filters = Record<string, string[]>;

const listFilters = new Set(['dangling', 'label', 'reference', 'before', 'since', 'until']);

function labelsOf(image: CatalogImage): Record<string, string> {
  const config = JSON.parse(Buffer.from(image.configJson).toString('utf8') || '{}') as { config?: { Labels?: Record<string, string> } };
  return config.config?.Labels ?? {};
}

/** `true`/`1` or `false`/`0`, as Docker's filter arguments take booleans. */
export function booleanFilter(filters: Filters, name: string): boolean | undefined {
  const values = filters[name];
  if (!values?.length) return undefined;
  const value = values[values.length - 1].toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw EngineError.invalid(`Invalid filter '${name}=${values[values.length - 1]}'`);
}

/** `key` or `key=value`: every one given must hold. */
export function labelsMatch(labels: Record<string, string>, wanted: string[] | undefined): boolean {
  return (wanted ?? []).every((filter) => matchesLabel(labels, filter));
}

/** Unix seconds (with a fraction), an RFC 3339 time, or a duration before now (`10m`, `2h30m`). */
export function parseTimeFilter(value: string, now = Date.now()): number {
  const time = parseDockerTime(value, now);
  if (time === undefined) throw EngineError.invalid(`invalid time filter "${value}"`);
  return time;
}

/** The image's tags that match one of the patterns, with or without the tag part. */
function matchingTags(image: CatalogImage, patterns: string[]): string[] {
  const globs = patterns.map(globToRegExp);
  return image.repoTags.filter((tag) => globs.some((glob) => glob.test(tag) || glob.test(tag.slice(0, tag.lastIndexOf(':')))));
}

/**
 * `docker images --filter`: every kind of filter given must hold, values of one kind are
 * alternatives. With a reference filter an image shows only the tags that matched, as in dockerd.
 */
export function filterImages(images: CatalogImage[], filters: Filters): CatalogImage[] {
  for (const name of Object.keys(filters)) if (!listFilters.has(name)) throw EngineError.invalid(`invalid filter '${name}'`);
  const dangling = booleanFilter(filters, 'dangling');
  const createdOf = (reference: string) => findImage(reference, images).image.created.getTime();
  const before = filters.before?.length ? Math.min(...filters.before.map(createdOf)) : undefined;
  const since = filters.since?.length ? Math.max(...filters.since.map(createdOf)) : undefined;
  const until = filters.until?.length ? Math.min(...filters.until.map((v) => parseTimeFilter(v))) : undefined;
  return images
    .filter((image) => {
      if (dangling !== undefined && (image.repoTags.length === 0) !== dangling) return false;
      // Labels live in the config: read only when a filter asks for them.
      if (filters.label?.length && !labelsMatch(labelsOf(image), filters.label)) return false;
      const created = image.created.getTime();
      if (before !== undefined && created >= before) return false;
      if (since !== undefined && created <= since) return false;
      return until === undefined || created < until;
    })
    .map((image) => (filters.reference?.length ? { ...image, repoTags: matchingTags(image, filters.reference) } : image))
    .filter((image) => !filters.reference?.length || image.repoTags.length > 0);
}

/**
 * What `docker image prune` may take: dangling images (every image with dangling=false),
 * narrowed by until, label and label!. Whether containers use them is the caller's check.
 */
export function pruneCandidates(images: CatalogImage[], filters: Filters): CatalogImage[] {
  for (const name of Object.keys(filters)) if (!['dangling', 'until', 'label', 'label!'].includes(name)) throw EngineError.invalid(`invalid filter '${name}'`);
  const onlyDangling = booleanFilter(filters, 'dangling') ?? true;
  const chosen = filterImages(images, { dangling: onlyDangling ? ['true'] : [], until: filters.until ?? [], label: filters.label ?? [] });
  return chosen.filter((image) => !(filters['label!'] ?? []).some((label) => labelsMatch(labelsOf(image), [label])));
}
