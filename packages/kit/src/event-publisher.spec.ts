import pino from 'pino';
import { fromBinary } from '@bufbuild/protobuf';
import { eventsV1 } from '@flotilla/proto';
import { eventPublisherOn, eventSubject } from './event-publisher';

describe('eventSubject', () => {
  it('puts type and action into the subject', () => {
    expect(eventSubject('container', 'die')).toBe('engine.events.container.die');
  });

  it('keeps subject tokens free of what NATS reserves', () => {
    expect(eventSubject('container', 'exec_start: sh -c true')).toBe('engine.events.container.exec_start');
    expect(eventSubject('image', 'a.b*c>d')).toBe('engine.events.image.a_b_c_d');
  });
});

describe('eventPublisherOn', () => {
  function recordingConnection() {
    const log: string[] = [];
    const connection = {
      publish: (subject: string, data?: Uint8Array) => {
        const event = fromBinary(eventsV1.EventSchema, data!);
        log.push(`${subject} ${event.actor!.id} ${event.time!.seconds}`);
      },
      drain: async () => {
        log.push('drained');
      },
    };
    return { log, connection };
  }

  it('sends after the caller has answered, in order, with the time of the publish', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate'], now: new Date('2026-01-01T00:00:00Z') });
    try {
      const { log, connection } = recordingConnection();
      const publisher = eventPublisherOn(connection, pino({ level: 'silent' }));
      publisher.publish({ type: 'container', action: 'create', actorId: 'a' });
      publisher.publish({ type: 'container', action: 'start', actorId: 'a' });
      expect(log).toEqual([]);
      jest.setSystemTime(new Date('2026-01-01T00:00:10Z'));
      await new Promise((resolve) => setImmediate(resolve));
      const published = Date.parse('2026-01-01T00:00:00Z') / 1000;
      expect(log).toEqual([`engine.events.container.create a ${published}`, `engine.events.container.start a ${published}`]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('sends what was published before it closes the connection', async () => {
    const { log, connection } = recordingConnection();
    const publisher = eventPublisherOn(connection, pino({ level: 'silent' }));
    publisher.publish({ type: 'container', action: 'die', actorId: 'b' });
    await publisher.close();
    expect(log.map((line) => line.split(' ')[0])).toEqual(['engine.events.container.die', 'drained']);
  });
});
