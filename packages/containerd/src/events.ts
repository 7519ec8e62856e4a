import { createRegistry, type Message } from '@bufbuild/protobuf';
import { anyUnpack, timestampDate } from '@bufbuild/protobuf/wkt';
import * as api from './api.js';
import type { ContainerdServices } from './connect.js';

export interface ContainerdEvent {
  /** `/tasks/exit`, `/containers/create`, ... */
  readonly topic: string;
  readonly namespace: string;
  readonly timestamp: Date;
  /**
   * The decoded `containerd.events` message (narrow it with `isMessage(payload,
   * api.eventTypes.TaskExitSchema)`); undefined for a type this client does not know.
   */
  readonly payload: Message | undefined;
}

export interface SubscribeEventsOptions {
  /** containerd filters such as `topic~="^/tasks/"`; any one matching lets an event through. */
  readonly filters?: readonly string[];
  /** Ends the subscription: the iteration then simply stops. */
  readonly signal?: AbortSignal;
}

const { eventTypes } = api;
const eventRegistry = createRegistry(
  eventTypes.file_github_com_containerd_containerd_api_events_container,
  eventTypes.file_github_com_containerd_containerd_api_events_content,
  eventTypes.file_github_com_containerd_containerd_api_events_image,
  eventTypes.file_github_com_containerd_containerd_api_events_namespace,
  eventTypes.file_github_com_containerd_containerd_api_events_snapshot,
  eventTypes.file_github_com_containerd_containerd_api_events_task,
);

/** containerd type URLs for events are bare message names (`containerd.events.TaskExit`). */
export function decodeEnvelope(envelope: api.events.Envelope): ContainerdEvent {
  return {
    topic: envelope.topic,
    namespace: envelope.namespace,
    timestamp: envelope.timestamp ? timestampDate(envelope.timestamp) : new Date(0),
    payload: envelope.event ? anyUnpack(envelope.event, eventRegistry) : undefined,
  };
}

/**
 * Subscription filters restricted to one namespace: a subscription otherwise sees every
 * namespace's events (the namespace header does not scope Events.Subscribe).
 */
export function namespacedFilters(namespace: string, filters: readonly string[] = []): string[] {
  const inNamespace = `namespace==${JSON.stringify(namespace)}`;
  return filters.length === 0 ? [inNamespace] : filters.map((filter) => `${inNamespace},${filter}`);
}

/** Streams the events of the client's namespace as they happen (no history). */
export async function* subscribeEvents(
  services: Pick<ContainerdServices, 'events' | 'namespace'>,
  options: SubscribeEventsOptions = {},
): AsyncGenerator<ContainerdEvent> {
  const filters = namespacedFilters(services.namespace, options.filters);
  for await (const envelope of services.events.subscribe({ filters }, { signal: options.signal })) {
    yield decodeEnvelope(envelope);
  }
}
