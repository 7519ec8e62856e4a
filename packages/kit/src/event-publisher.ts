import { connect, type NatsConnection } from 'nats';
import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { eventsV1 } from '@flotilla/proto';
import type { Logger } from './logger.js';

/** JetStream stream that keeps event history for `docker events --since`. */
export const eventStreamName = 'ENGINE_EVENTS';
export const eventSubjectPrefix = 'engine.events';

export interface EngineEvent {
  type: string;
  action: string;
  actorId: string;
  attributes?: Record<string, string>;
}

export interface EventPublisher {
  /** Fire and forget: called after the change is committed, never delays the caller. */
  publish(event: EngineEvent): void;
  close(): Promise<void>;
}

/** NATS subject tokens cannot hold spaces or dots: `exec_start: sh` is published as `exec_start`. */
export function eventSubject(type: string, action: string): string {
  const token = (s: string) => s.split(':')[0].trim().replace(/[.\s*>]/g, '_') || '_';
  return `${eventSubjectPrefix}.${token(type)}.${token(action)}`;
}

/** The service's NATS connection: named after it, waiting for the server, reconnecting forever. */
export function connectNats(url: string, logger: Logger): Promise<NatsConnection> {
  return connect({ servers: url, name: logger.bindings().service as string | undefined, waitOnFirstConnect: true, maxReconnectAttempts: -1 });
}

export async function connectEventPublisher(url: string, logger: Logger): Promise<EventPublisher> {
  const nc = await connectNats(url, logger);
  await ensureEventStream(nc);
  return eventPublisherOn(nc, logger);
}

/**
 * Publishes on an open connection. An event is encoded and sent after the caller's turn, so that
 * the answer to the request that made it leaves first; events keep their order, and their time is
 * when they were published.
 */
export function eventPublisherOn(nc: Pick<NatsConnection, 'publish' | 'drain'>, logger: Logger): EventPublisher {
  const send = (event: EngineEvent, time: Date) => {
    const payload = create(eventsV1.EventSchema, {
      type: event.type,
      action: event.action,
      actor: { id: event.actorId, attributes: event.attributes ?? {} },
      scope: 'local',
      time: timestampFromDate(time),
    });
    try {
      nc.publish(eventSubject(event.type, event.action), toBinary(eventsV1.EventSchema, payload));
    } catch (err) {
      logger.warn({ err, event }, 'event not published');
    }
  };
  return {
    publish(event) {
      const time = new Date();
      setImmediate(() => send(event, time));
    },
    async close() {
      // The events published before the close leave first.
      await new Promise((resolve) => setImmediate(resolve));
      await nc.drain();
    },
  };
}

/** Every publisher makes sure the stream exists, so no start order is required. */
async function ensureEventStream(nc: NatsConnection): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const config = {
    name: eventStreamName,
    subjects: [`${eventSubjectPrefix}.>`],
    max_age: 7 * 24 * 3600 * 1e9,
    max_bytes: 256 * 1024 * 1024,
  };
  try {
    await jsm.streams.info(eventStreamName);
  } catch {
    await jsm.streams.add(config).catch(async (err) => {
      // Another service created it in the meantime.
      if (!(await jsm.streams.info(eventStreamName).then(() => true, () => false))) throw err;
    });
  }
}
