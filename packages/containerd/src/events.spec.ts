import { create, isMessage, toBinary } from '@bufbuild/protobuf';
import { AnySchema, timestampFromDate } from '@bufbuild/protobuf/wkt';
import * as api from './api.js';
import type { ContainerdServices } from './connect.js';
import { decodeEnvelope, namespacedFilters, subscribeEvents } from './events.js';

const at = new Date('2024-05-01T10:00:00.123Z');

/** An envelope as containerd sends it: the event's type URL is its bare message name. */
function taskExitEnvelope(namespace = 'flotilla') {
  const exit = create(api.eventTypes.TaskExitSchema, { containerId: 'web', id: 'web', pid: 42, exitStatus: 3 });
  return create(api.events.EnvelopeSchema, {
    timestamp: timestampFromDate(at),
    namespace,
    topic: '/tasks/exit',
    event: create(AnySchema, { typeUrl: 'containerd.events.TaskExit', value: toBinary(api.eventTypes.TaskExitSchema, exit) }),
  });
}

describe('decodeEnvelope', () => {
  it('decodes the payload through the registry of containerd.events', () => {
    const event = decodeEnvelope(taskExitEnvelope());
    expect(event).toMatchObject({ topic: '/tasks/exit', namespace: 'flotilla', timestamp: at });
    expect(isMessage(event.payload, api.eventTypes.TaskExitSchema)).toBe(true);
    expect(event.payload).toMatchObject({ containerId: 'web', pid: 42, exitStatus: 3 });
  });

  it('leaves an unknown payload undefined', () => {
    const envelope = taskExitEnvelope();
    envelope.event = create(AnySchema, { typeUrl: 'example.com/Unknown', value: new Uint8Array([8, 1]) });
    expect(decodeEnvelope(envelope).payload).toBeUndefined();
  });
});

describe('namespacedFilters', () => {
  it('restricts to the namespace, and adds it to each filter', () => {
    expect(namespacedFilters('flotilla')).toEqual(['namespace=="flotilla"']);
    expect(namespacedFilters('flotilla', ['topic~="^/tasks/"', 'topic=="/images/delete"'])).toEqual([
      'namespace=="flotilla",topic~="^/tasks/"',
      'namespace=="flotilla",topic=="/images/delete"',
    ]);
  });
});

describe('subscribeEvents', () => {
  it('subscribes with namespaced filters and yields decoded events', async () => {
    const subscribed: unknown[] = [];
    const services = {
      namespace: 'flotilla',
      events: {
        subscribe: (request: unknown, options: unknown) => {
          subscribed.push(request, options);
          return (async function* () {
            yield taskExitEnvelope();
          })();
        },
      },
    } as unknown as Pick<ContainerdServices, 'events' | 'namespace'>;
    const signal = new AbortController().signal;

    const events = [];
    for await (const event of subscribeEvents(services, { filters: ['topic~="^/tasks/"'], signal })) events.push(event);

    expect(subscribed).toEqual([{ filters: ['namespace=="flotilla",topic~="^/tasks/"'] }, { signal }]);
    expect(events.map((e) => e.topic)).toEqual(['/tasks/exit']);
  });
});
