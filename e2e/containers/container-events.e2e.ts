import { fromBinary } from '@bufbuild/protobuf';
import { eventsV1 } from '@flotilla/proto';
import { connect, type NatsConnection } from 'nats';
import { docker, dockerOk } from '../support/docker-cli';
import { settings } from '../support/engine';

/** Every state change of a container is published on NATS after it happens, in Docker's terms. */
describe('container events', () => {
  let nats: NatsConnection;
  beforeAll(async () => {
    nats = await connect({ servers: `nats://127.0.0.1:${settings().natsPort}` });
  });
  afterAll(() => nats.close());

  it('publishes every change of a container\'s life with its attributes', async () => {
    const events: eventsV1.Event[] = [];
    const subscription = nats.subscribe('engine.events.container.>', { callback: (_err, msg) => events.push(fromBinary(eventsV1.EventSchema, msg.data)) });
    const id = (await dockerOk(['run', '-d', '--name', 'evented', '--label', 'team=blue', settings().image, 'sleep', '300'])).trim();
    await dockerOk(['pause', 'evented']);
    await dockerOk(['unpause', 'evented']);
    await dockerOk(['rename', 'evented', 'renamed']);
    await dockerOk(['update', '--cpu-shares', '512', 'renamed']);
    await dockerOk(['restart', '-t', '0', 'renamed']);
    await dockerOk(['kill', '-s', 'USR1', 'renamed']);
    await dockerOk(['rm', '-f', 'renamed']);
    await docker(['run', '--rm', '--health-cmd', 'true', '--health-interval', '100ms', settings().image, 'sleep', '0.5']);
    await nats.flush();
    await new Promise((r) => setTimeout(r, 300));
    subscription.unsubscribe();

    const mine = events.filter((e) => e.actor?.id === id).map((e) => e.action);
    expect(mine).toEqual([
      'create', 'start', 'pause', 'unpause', 'rename', 'update',
      'kill', 'kill', 'die', 'stop', 'start', 'restart',
      'kill', 'kill', 'die', 'destroy',
    ]);
    const rename = events.find((e) => e.action === 'rename')!;
    expect(rename.actor?.attributes).toMatchObject({ name: 'renamed', oldName: '/evented', team: 'blue', image: settings().image });
    const die = events.find((e) => e.action === 'die' && e.actor?.id === id)!;
    expect(die.actor?.attributes.exitCode).toBe('137');
    const actions = events.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['exec_create: /bin/sh -c true', 'exec_start: /bin/sh -c true', 'exec_die', 'health_status: healthy']));
  });
});
