import { docker, dockerOk } from '../support/docker-cli';
import { settings } from '../support/engine';

const image = () => settings().image;
const inspect = async (name: string) => JSON.parse(await dockerOk(['inspect', name]))[0];

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('supervision', () => {
  afterEach(async () => {
    const ids = (await dockerOk(['ps', '-aq'])).split('\n').filter(Boolean);
    if (ids.length) await docker(['rm', '-f', ...ids]);
  });

  it('runs a healthcheck: starting, then healthy, with its log in inspect and its status in ps', async () => {
    await dockerOk(['run', '-d', '--name', 'checked', '--health-cmd', 'echo probing; test -f /tmp/ready', '--health-interval', '300ms', '--health-retries', '2', image(),
      'sh', '-c', 'sleep 1; touch /tmp/ready; sleep 300']);
    expect((await inspect('checked')).State.Health.Status).toBe('starting');
    expect(await dockerOk(['ps', '--format', '{{.Status}}', '--filter', 'name=checked'])).toMatch(/\(health: starting\)/);
    const healthy = await until(() => inspect('checked'), (c) => c.State.Health.Status === 'healthy');
    expect(healthy.State.Health).toMatchObject({ Status: 'healthy', FailingStreak: 0 });
    const log = healthy.State.Health.Log;
    expect(log[log.length - 1]).toMatchObject({ ExitCode: 0, Output: 'probing\n' });
    expect(Date.parse(log[0].End)).toBeGreaterThanOrEqual(Date.parse(log[0].Start));
    expect(await dockerOk(['ps', '--format', '{{.Names}}', '--filter', 'health=healthy'])).toBe('checked\n');
  });

  it('turns unhealthy after the retries, and a probe past its timeout counts as failed', async () => {
    await dockerOk(['run', '-d', '--name', 'slow', '--health-cmd', 'sleep 5', '--health-interval', '200ms', '--health-timeout', '200ms', '--health-retries', '2', image(), 'sleep', '300']);
    const unhealthy = await until(() => inspect('slow'), (c) => c.State.Health.Status === 'unhealthy');
    expect(unhealthy.State.Health.Status).toBe('unhealthy');
    expect(unhealthy.State.Health.FailingStreak).toBeGreaterThanOrEqual(2);
    expect(unhealthy.State.Health.Log[0]).toMatchObject({ ExitCode: -1, Output: 'Health check exceeded timeout (200ms)' });
  });

  it('restarts an unhealthy container that asks for it with flotilla.on-unhealthy=restart', async () => {
    await dockerOk(['run', '-d', '--name', 'healer', '--label', 'flotilla.on-unhealthy=restart', '--stop-timeout', '1',
      '--health-cmd', 'false', '--health-interval', '200ms', '--health-retries', '1', image(), 'sleep', '300']);
    const first = (await inspect('healer')).State.StartedAt;
    const restarted = await until(() => inspect('healer'), (c) => c.State.StartedAt !== first && c.State.Running);
    expect(restarted.State.StartedAt).not.toBe(first);
    expect(restarted.State.Running).toBe(true);
  });

  it('reports a container killed for memory as OOMKilled', async () => {
    await docker(['run', '--name', 'hungry', '-m', '8m', '--memory-swap', '8m', image(), 'sh', '-c', 'x=a; while true; do x=$x$x; done']);
    const hungry = await until(() => inspect('hungry'), (c) => c.State.Status === 'exited');
    expect(hungry.State).toMatchObject({ Status: 'exited', OOMKilled: true, ExitCode: 137 });
  });
});
