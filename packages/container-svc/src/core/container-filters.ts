import { EngineError } from '@flotilla/proto';
import { matchesLabel, parseDockerTime } from '@flotilla/kit';
import type { ContainerRecord, ContainerStatus } from './container-record.js';

/** Docker's `filters` parameter: each key with the values any of which may match. */
export type Filters = Readonly<Record<string, readonly string[]>>;

const statuses: readonly ContainerStatus[] = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];
const healthValues = ['starting', 'healthy', 'unhealthy', 'none'];
const listKeys = new Set(['status', 'label', 'name', 'id', 'ancestor', 'before', 'since', 'exited', 'health', 'network', 'volume', 'publish', 'expose', 'is-task']);

/** What a filter needs beyond the record: other containers (before/since) and image IDs (ancestor). */
export interface FilterContext {
  find(idOrName: string): ContainerRecord;
  /** The image ID a reference names, or undefined. */
  imageIdOf(reference: string): Promise<string | undefined>;
}

/** `80`, `80/udp` or `8000-8080/tcp` against `<port>/<proto>` keys. */
function matchesPort(ports: Iterable<string>, wanted: string): boolean {
  const [range, proto = 'tcp'] = wanted.split('/');
  const [from, to = from] = range.split('-').map(Number);
  for (const port of ports) {
    const [number, portProto = 'tcp'] = port.split('/');
    if (portProto === proto && Number(number) >= from && Number(number) <= to) return true;
  }
  return false;
}

function healthOf(record: ContainerRecord): string {
  return record.state.health?.status ?? 'none';
}

/** Refuses keys and values dockerd refuses, before any container is looked at. */
export function checkListFilters(filters: Filters): void {
  for (const [key, values] of Object.entries(filters)) {
    if (!listKeys.has(key)) throw EngineError.invalid(`Invalid filter '${key}'`);
    for (const value of values) {
      if (key === 'status' && !statuses.includes(value as ContainerStatus)) throw EngineError.invalid(`Invalid filter 'status=${value}'`);
      if (key === 'health' && !healthValues.includes(value)) throw EngineError.invalid(`Unrecognised filter value for health: ${value}`);
      if (key === 'exited' && !/^-?\d+$/.test(value)) throw EngineError.invalid(`Invalid filter 'exited=${value}'`);
      if (key === 'is-task' && value !== 'true' && value !== 'false') throw EngineError.invalid(`Invalid filter 'is-task=[${value}]'`);
    }
  }
}

/**
 * A predicate for `docker ps --filter`: every key must match, any of a key's values may. Names
 * and IDs match as regular expressions, as dockerd matches them.
 */
export async function containerFilter(filters: Filters, context: FilterContext): Promise<(record: ContainerRecord) => boolean> {
  checkListFilters(filters);
  const any = (key: string, test: (value: string) => boolean) => {
    const values = filters[key];
    return !values || values.length === 0 || values.some(test);
  };
  const created = (key: string) => filters[key]?.map((ref) => context.find(ref).created);
  const before = created('before');
  const since = created('since');
  const ancestors = filters.ancestor && (await Promise.all(filters.ancestor.map(async (ref) => (await context.imageIdOf(ref)) ?? ref)));
  const patterns = (key: string) => filters[key]?.map((pattern) => new RegExp(pattern));
  const names = patterns('name');
  const ids = patterns('id');
  return (record) =>
    any('status', (v) => record.state.status === v) &&
    any('label', (v) => matchesLabel(record.config.Labels, v)) &&
    (!names?.length || names.some((name) => name.test(`/${record.name}`))) &&
    (!ids?.length || ids.some((id) => id.test(record.id))) &&
    (!ancestors || ancestors.some((id) => id === record.imageId || id === record.image)) &&
    (!before || before.every((at) => record.created < at)) &&
    (!since || since.every((at) => record.created > at)) &&
    any('exited', (v) => record.state.status === 'exited' && record.state.exitCode === Number(v)) &&
    any('health', (v) => healthOf(record) === v) &&
    any('network', (v) => record.hostConfig.NetworkMode === v || (v === 'bridge' && record.hostConfig.NetworkMode === 'default')) &&
    any('volume', (v) => (record.mounts ?? []).some((m) => m.name === v || m.source === v || m.destination === v)) &&
    any('publish', (v) => matchesPort((record.attached?.ports ?? []).map((p) => `${p.hostPort}/${p.protocol}`), v)) &&
    any('expose', (v) => matchesPort(Object.keys(record.config.ExposedPorts ?? {}), v)) &&
    // Swarm tasks do not exist here.
    any('is-task', (v) => v === 'false');
}

/** `docker container prune --filter`: until (a time) and label / label!=. */
export function pruneFilter(filters: Filters, now: Date): (record: ContainerRecord) => boolean {
  for (const key of Object.keys(filters)) {
    if (key !== 'until' && key !== 'label' && key !== 'label!') throw EngineError.invalid(`Invalid filter '${key}'`);
  }
  const until = filters.until?.map((value) => untilTime(value, now));
  return (record) =>
    (!until || until.every((at) => new Date(record.created).getTime() < at)) &&
    (filters.label ?? []).every((v) => matchesLabel(record.config.Labels, v)) &&
    (filters['label!'] ?? []).every((v) => !matchesLabel(record.config.Labels, v));
}

/** `until`: a Unix timestamp, an RFC 3339 time, or a duration before now (`10m`, `1h30m`). */
function untilTime(value: string, now: Date): number {
  const time = parseDockerTime(value, now.getTime());
  if (time === undefined) throw EngineError.invalid(`failed to parse value ${value} of filter until`);
  return time;
}
