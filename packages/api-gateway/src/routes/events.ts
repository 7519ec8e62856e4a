import { drained, type EventFeed } from '@flotilla/kit';
import type { Route } from '../http/router.js';
import { dockerEventJson, eventFilter } from '../wire/event-json.js';
import { parseEventTime } from '../wire/event-time.js';
import { parseFilters } from '../wire/filters.js';

/** `GET /events`: the engine's events from NATS JetStream, history first when `since` asks for it. */
export function eventRoutes(feed: Pick<EventFeed, 'events'>): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/events',
      async handle({ res, query, signal }) {
        const now = new Date();
        const time = (name: string) => {
          const value = query.get(name);
          return value ? parseEventTime(value, now) : undefined;
        };
        const since = time('since');
        const until = time('until');
        const matches = eventFilter(parseFilters(query.get('filters')));
        // The head goes out at once: clients wait for it before they show anything.
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.flushHeaders();
        for await (const event of feed.events({ since, until, signal })) {
          if (!matches(event)) continue;
          if (!res.write(`${dockerEventJson(event)}\n`)) await drained(res);
        }
        res.end();
      },
    },
  ];
}
