import { EngineError } from '@flotilla/proto';
import { matchesLabel, parseDockerTime } from '@flotilla/kit';
import type { NetworkRecord } from './network-record.js';

/** Docker's `filters` parameter: each key with the values any of which may match. */
export type Filters = Readonly<Record<string, readonly string[]>>;

const listKeys = new Set(['driver', 'id', 'label', 'name', 'scope', 'type', 'dangling']);

function booleanValue(key: string, value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw EngineError.invalid(`Invalid filter '${key}=${value}'`);
}

/**
 * `docker network ls --filter`: every key must match, any of a key's values may. Names and IDs
 * match as regular expressions, as dockerd matches them; `dangling` means no container attached.
 */
export function networkFilter(filters: Filters, inUse: (network: NetworkRecord) => boolean): (network: NetworkRecord) => boolean {
  for (const [key, values] of Object.entries(filters)) {
    if (!listKeys.has(key)) throw EngineError.invalid(`Invalid filter '${key}'`);
    for (const value of values) {
      if (key === 'type' && value !== 'custom' && value !== 'builtin') throw EngineError.invalid(`invalid filter: 'type'='${value}'`);
      if (key === 'dangling') booleanValue(key, value);
    }
  }
  const any = (key: string, test: (value: string) => boolean) => !filters[key]?.length || filters[key].some(test);
  const patterns = (key: string) => (filters[key] ?? []).map((pattern) => new RegExp(pattern));
  const names = patterns('name');
  const ids = patterns('id');
  return (network) =>
    any('driver', (v) => v === network.driver) &&
    (!names.length || names.some((name) => name.test(network.name))) &&
    (!ids.length || ids.some((id) => id.test(network.id))) &&
    (filters.label ?? []).every((v) => matchesLabel(network.labels, v)) &&
    any('scope', (v) => v === 'local') &&
    any('type', (v) => (v === 'builtin') === network.predefined) &&
    any('dangling', (v) => booleanValue('dangling', v) === (!network.predefined && !inUse(network)));
}

/** `docker network prune --filter`: until, label and label!. */
export function pruneFilter(filters: Filters, now: number): (network: NetworkRecord) => boolean {
  for (const key of Object.keys(filters)) {
    if (key !== 'until' && key !== 'label' && key !== 'label!') throw EngineError.invalid(`Invalid filter '${key}'`);
  }
  const until = (filters.until ?? []).map((value) => {
    const time = parseDockerTime(value, now);
    if (time === undefined) throw EngineError.invalid(`failed to parse value ${value} of filter until`);
    return time;
  });
  return (network) =>
    until.every((at) => Date.parse(network.created) < at) &&
    (filters.label ?? []).every((v) => matchesLabel(network.labels, v)) &&
    (filters['label!'] ?? []).every((v) => !matchesLabel(network.labels, v));
}
