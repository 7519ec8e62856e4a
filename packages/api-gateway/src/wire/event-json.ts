import { EngineError, type eventsV1 } from '@flotilla/proto';
import { unixSeconds } from '../docker/time-format.js';

/**
 * Docker's event message as JSON text; status, id and from are the legacy fields old clients
 * still read. timeNano is written from its digits: a JavaScript number cannot hold it exactly.
 */
export function dockerEventJson(event: eventsV1.Event): string {
  const attributes = event.actor?.attributes ?? {};
  const id = event.actor?.id ?? '';
  const nanos = event.time ? event.time.seconds * 1_000_000_000n + BigInt(event.time.nanos) : 0n;
  const legacy =
    event.type === 'container'
      ? { status: event.action, id, from: attributes.image ?? '' }
      : event.type === 'image'
        ? { status: event.action, id }
        : {};
  const fields = JSON.stringify({
    ...legacy,
    Type: event.type,
    Action: event.action,
    Actor: { ID: id, Attributes: attributes },
    scope: event.scope || 'local',
    time: unixSeconds(event.time),
  });
  return `${fields.slice(0, -1)},"timeNano":${nanos}}`;
}

const filterKeys = new Set(['type', 'event', 'container', 'image', 'label', 'network', 'volume', 'daemon', 'plugin', 'scope', 'node', 'service', 'secret', 'config']);

/** Actions a filter names without their `: detail`, matched by prefix as dockerd does. */
const fuzzyActions = new Set(['health_status', 'exec_create', 'exec_start']);

/** No values: anything goes; else one value equal to the source. */
function exact(values: readonly string[] | undefined, ...sources: (string | undefined)[]): boolean {
  return !values?.length || values.some((v) => sources.includes(v));
}

/** No values: anything goes; else one value equal to, or a prefix of, the source. */
function fuzzy(values: readonly string[] | undefined, ...sources: (string | undefined)[]): boolean {
  return !values?.length || values.some((v) => sources.some((source) => source !== undefined && (source === v || source.startsWith(v))));
}

const withoutTag = (reference: string | undefined) => reference?.replace(/:[^/:]*$/, '');

/** A predicate for Docker's event filters (type, event, container, image, label, network, volume, daemon…). */
export function eventFilter(filters: Readonly<Record<string, readonly string[]>>): (event: eventsV1.Event) => boolean {
  for (const key of Object.keys(filters)) if (!filterKeys.has(key)) throw EngineError.invalid(`invalid filter '${key}'`);
  return (event) => {
    const attributes = event.actor?.attributes ?? {};
    const id = event.actor?.id ?? '';
    const named = (type: string) => fuzzy(filters[type], ...(event.type === type ? [id, attributes.name] : []));
    const image = event.type === 'image' ? attributes.name : attributes.image;
    const eventValues = filters.event;
    const actionMatches = eventValues?.some((v) => fuzzyActions.has(v)) ? fuzzy(eventValues, event.action) : exact(eventValues, event.action);
    return (
      actionMatches &&
      exact(filters.type, event.type) &&
      exact(filters.scope, event.scope || 'local') &&
      named('container') &&
      named('network') &&
      named('volume') &&
      named('daemon') &&
      named('plugin') &&
      exact(filters.image, id, image, withoutTag(id), withoutTag(image)) &&
      (filters.label ?? []).every((label) => {
        const at = label.indexOf('=');
        return at < 0 ? label in attributes : attributes[label.slice(0, at)] === label.slice(at + 1);
      })
    );
  };
}
