import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { docker, dockerOk } from '../support/docker-cli';
import { e2eRoot, settings } from '../support/engine';
import { rawRequest } from '../support/raw-http';

const unixNow = () => Math.floor(Date.now() / 1000);

describe('GET /events', () => {
  it('replays the history between since and until, as the CLI asks for it', async () => {
    const since = unixNow() - 1;
    await dockerOk(['run', '--rm', '--name', 'replayed', settings().image, 'true']);
    const until = unixNow() + 1;
    const lines = await dockerOk(['events', '--since', String(since), '--until', String(until), '--filter', 'container=replayed', '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}']);
    // The CLI attaches before it starts, and dockerd reports that.
    expect(lines.trim().split('\n')).toEqual(['container create replayed', 'container attach replayed', 'container start replayed', 'container die replayed', 'container destroy replayed']);
  });

  it('writes Docker\'s event JSON, legacy fields included, and applies filters', async () => {
    const since = unixNow() - 1;
    const id = (await dockerOk(['run', '-d', '--label', 'team=green', settings().image, 'sh', '-c', 'exit 4'])).trim();
    await dockerOk(['wait', id]);
    const filters = encodeURIComponent(JSON.stringify({ event: ['die'], label: ['team=green'] }));
    const res = await rawRequest('GET', `/v1.45/events?since=${since}&until=${unixNow() + 1}&filters=${filters}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    const events = res.body.trim().split('\n');
    expect(events).toHaveLength(1);
    const die = JSON.parse(events[0]);
    expect(die).toMatchObject({
      status: 'die',
      id,
      from: settings().image,
      Type: 'container',
      Action: 'die',
      Actor: { ID: id, Attributes: { exitCode: '4', team: 'green', image: settings().image } },
      scope: 'local',
    });
    expect(Math.abs(die.time - unixNow())).toBeLessThan(10);
    // timeNano is written whole: its first ten digits are the seconds.
    expect(events[0]).toMatch(new RegExp(`"timeNano":${die.time}\\d{9}}$`));
    await dockerOk(['rm', id]);
  });

  it('streams events as they happen until the client goes away', async () => {
    const stream = spawn('docker', ['events', '--filter', 'container=live', '--format', '{{.Action}}'], {
      env: { ...process.env, DOCKER_HOST: `unix://${settings().apiSocket}`, DOCKER_CONFIG: join(e2eRoot, 'docker-config') },
    });
    let output = '';
    stream.stdout.on('data', (chunk) => (output += chunk));
    await new Promise((r) => setTimeout(r, 500));
    await dockerOk(['run', '--rm', '--name', 'live', settings().image, 'true']);
    for (let waited = 0; !output.includes('destroy') && waited < 5000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    stream.kill();
    expect(output.trim().split('\n')).toEqual(['create', 'attach', 'start', 'die', 'destroy']);
  });

  it('refuses filters and times it cannot read with 400', async () => {
    const badFilter = await rawRequest('GET', `/v1.45/events?filters=${encodeURIComponent('{"colour":["red"]}')}`);
    expect({ status: badFilter.status, body: JSON.parse(badFilter.body) }).toEqual({ status: 400, body: { message: "invalid filter 'colour'" } });
    const badSince = await docker(['events', '--since', 'yesterday-ish', '--until', '1']);
    expect(badSince.code).not.toBe(0);
  });
});
