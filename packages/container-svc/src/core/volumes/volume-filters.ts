import { EngineError } from '@flotilla/proto';
import { matchesLabel } from '@flotilla/kit';
import { isAnonymous, type VolumeRecord } from './volume-record.js';

/** Docker's `filters` parameter: each key with the values any of which may match. */
export type Filters = Readonly<Record<string, readonly string[]>>;

const listKeys = new Set(['dangling', 'name', 'label', 'driver']);
const pruneKeys = new Set(['label', 'label!', 'all']);

function booleanValue(key: string, value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw EngineError.invalid(`Invalid filter '${key}=[${value}]'`);
}

function checkKeys(filters: Filters, keys: ReadonlySet<string>): void {
  for (const key of Object.keys(filters)) if (!keys.has(key)) throw EngineError.invalid(`Invalid filter '${key}'`);
}

/** `docker volume ls --filter`: every key must match, any of its values may; names match as regular expressions, as dockerd matches them. */
export function volumeFilter(filters: Filters, inUse: (volume: VolumeRecord) => boolean): (volume: VolumeRecord) => boolean {
  checkKeys(filters, listKeys);
  const dangling = (filters.dangling ?? []).map((value) => booleanValue('dangling', value));
  const names = (filters.name ?? []).map((pattern) => new RegExp(pattern));
  const any = (key: string, test: (value: string) => boolean) => !filters[key]?.length || filters[key].some(test);
  return (volume) =>
    (!names.length || names.some((name) => name.test(volume.name))) &&
    any('driver', (v) => v === volume.driver) &&
    (filters.label ?? []).every((v) => matchesLabel(volume.labels, v)) &&
    (!dangling.length || dangling.some((wanted) => wanted === !inUse(volume)));
}

/** `docker volume prune --filter`: label, label! and `all` (API 1.42: without it only anonymous volumes go). */
export function pruneFilter(filters: Filters): (volume: VolumeRecord) => boolean {
  checkKeys(filters, pruneKeys);
  const all = (filters.all ?? []).some((value) => booleanValue('all', value));
  return (volume) =>
    (all || isAnonymous(volume)) &&
    (filters.label ?? []).every((v) => matchesLabel(volume.labels, v)) &&
    (filters['label!'] ?? []).every((v) => !matchesLabel(volume.labels, v));
}
