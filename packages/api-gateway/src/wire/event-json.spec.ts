import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { eventsV1 } from '@flotilla/proto';
import { dockerEventJson, eventFilter } from './event-json';
import { parseEventTime } from './event-time';

const event = (type: string, action: string, id: string, attributes: Record<string, string>) =>
  create(eventsV1.EventSchema, { type, action, actor: { id, attributes }, scope: 'local', time: { ...timestampFromMs(1_700_000_000_123), nanos: 123_456_789 } });

const start = event('container', 'start', 'c0ffee', { name: 'web', image: 'busybox:latest', tier: 'front' });
const health = event('container', 'health_status: healthy', 'c0ffee', { name: 'web', image: 'busybox:latest' });
const pull = event('image', 'pull', 'busybox:latest', { name: 'busybox:latest' });

describe('dockerEventJson', () => {
  it('writes Docker\'s shape with the legacy fields', () => {
    const json = dockerEventJson(start);
    expect(json.endsWith(',"timeNano":1700000000123456789}')).toBe(true);
    expect(JSON.parse(json)).toEqual({
      status: 'start',
      id: 'c0ffee',
      from: 'busybox:latest',
      Type: 'container',
      Action: 'start',
      Actor: { ID: 'c0ffee', Attributes: { name: 'web', image: 'busybox:latest', tier: 'front' } },
      scope: 'local',
      time: 1_700_000_000,
      timeNano: expect.any(Number),
    });
    expect(JSON.parse(dockerEventJson(pull))).toMatchObject({ status: 'pull', id: 'busybox:latest', Type: 'image' });
  });
});

describe('eventFilter', () => {
  const passing = (filters: Record<string, string[]>) => [start, health, pull].filter(eventFilter(filters)).map((e) => e.action);

  it('matches type, action (health_status by prefix), container by name or ID prefix, labels', () => {
    expect(passing({ type: ['image'] })).toEqual(['pull']);
    expect(passing({ event: ['start'] })).toEqual(['start']);
    expect(passing({ event: ['health_status'] })).toEqual(['health_status: healthy']);
    expect(passing({ container: ['web'] })).toEqual(['start', 'health_status: healthy']);
    expect(passing({ container: ['c0f'] })).toEqual(['start', 'health_status: healthy']);
    expect(passing({ label: ['tier=front'] })).toEqual(['start']);
  });

  it('matches images by name with or without the tag', () => {
    expect(passing({ image: ['busybox'] })).toEqual(['start', 'health_status: healthy', 'pull']);
  });

  it('refuses keys dockerd does not know', () => {
    expect(() => eventFilter({ colour: ['red'] })).toThrow("invalid filter 'colour'");
  });
});

describe('parseEventTime', () => {
  const now = new Date('2026-01-01T00:10:00Z');

  it('reads Unix seconds, durations before now and RFC 3339 times', () => {
    expect(parseEventTime('1700000000.5', now).getTime()).toBe(1_700_000_000_500);
    expect(parseEventTime('10m', now).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(parseEventTime('1h30s', now).toISOString()).toBe('2025-12-31T23:09:30.000Z');
    expect(parseEventTime('2026-01-01T00:05:00Z', now).toISOString()).toBe('2026-01-01T00:05:00.000Z');
    expect(() => parseEventTime('yesterday-ish', now)).toThrow('failed to parse');
  });
});
