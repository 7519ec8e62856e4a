import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { dockerOk } from '../support/docker-cli';
import { e2eRoot, settings } from '../support/engine';

/** Image changes are published on NATS, one subject per type and action, after they happen. */
describe('image events', () => {
  let nats: NatsConnection;
  beforeAll(async () => {
    nats = await connect({ servers: `nats://127.0.0.1:${settings().natsPort}` });
  });
  afterAll(() => nats.close());

  it('publishes import, tag, save, untag and delete', async () => {
    const subjects: string[] = [];
    const subscription = nats.subscribe('engine.events.image.>', { callback: (_err, msg) => subjects.push(msg.subject) });
    await dockerOk(['import', settings().rootfsTar, 'evented:1']);
    await dockerOk(['tag', 'evented:1', 'evented:2']);
    await dockerOk(['save', '-o', join(e2eRoot, 'evented.tar'), 'evented:1']);
    await dockerOk(['rmi', 'evented:2']);
    await dockerOk(['rmi', 'evented:1']);
    await nats.flush();
    for (let i = 0; i < 50 && subjects.length < 6; i++) await new Promise((r) => setTimeout(r, 20));
    subscription.unsubscribe();
    expect(subjects).toEqual(
      ['import', 'tag', 'save', 'untag', 'untag', 'delete'].map((action) => `engine.events.image.${action}`),
    );
  });
});
