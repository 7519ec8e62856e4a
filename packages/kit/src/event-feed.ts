import { setTimeout as sleep } from 'node:timers/promises';
import { DeliverPolicy } from 'nats';
import { fromBinary } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { eventsV1 } from '@flotilla/proto';
import { connectNats, eventStreamName } from './event-publisher.js';
import type { Logger } from './logger.js';

export interface EventFeedOptions {
  /** Replay the stream's history from this time; without it, only events to come. */
  since?: Date;
  /** End with the last event before this time, once it has passed. */
  until?: Date;
  signal: AbortSignal;
}

export interface EventFeed {
  /** The engine's events, oldest first: history since `since`, then live ones until `until` or the signal. */
  events(options: EventFeedOptions): AsyncIterable<eventsV1.Event>;
  close(): Promise<void>;
}

const timeOf = (event: eventsV1.Event) => (event.time ? timestampDate(event.time).getTime() : 0);

/** Reads the events services publish (see event-publisher.ts) from their JetStream stream. */
export async function connectEventFeed(url: string, logger: Logger): Promise<EventFeed> {
  const nc = await connectNats(url, logger);
  const js = nc.jetstream();
  const jsm = await nc.jetstreamManager();
  return {
    async *events({ since, until, signal }) {
      // History is what the stream held when the feed began: an `until` in the past ends with it.
      const { state } = await jsm.streams.info(eventStreamName);
      let caughtUp = !since || state.messages === 0 || Date.parse(state.last_ts) < since.getTime();
      const ended = () => caughtUp && until !== undefined && until.getTime() <= Date.now();
      if (ended()) return;
      // The stream holds events only: no subject filter, which NATS 2.9 would take for 2.10's list of them.
      const consumer = await js.consumers.get(eventStreamName, {
        ...(since ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: since.toISOString() } : { deliver_policy: DeliverPolicy.New }),
      });
      const messages = await consumer.consume();
      const stop = () => void messages.close();
      signal.addEventListener('abort', stop, { once: true });
      const finished = new AbortController();
      if (until && until.getTime() > Date.now()) {
        sleep(until.getTime() - Date.now(), undefined, { signal: AbortSignal.any([signal, finished.signal]) }).then(stop, () => undefined);
      }
      try {
        for await (const message of messages) {
          if (message.info.pending === 0) caughtUp = true;
          let event: eventsV1.Event;
          try {
            event = fromBinary(eventsV1.EventSchema, message.data);
          } catch (err) {
            logger.warn({ err, subject: message.subject }, 'unreadable event skipped');
            continue;
          }
          if (until && timeOf(event) > until.getTime()) return;
          yield event;
          if (ended()) return;
        }
      } finally {
        finished.abort();
        signal.removeEventListener('abort', stop);
        await messages.close();
      }
    },
    async close() {
      await nc.drain();
    },
  };
}
