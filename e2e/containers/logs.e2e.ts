import { existsSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { docker, dockerOk } from '../support/docker-cli';
import { settings } from '../support/engine';
import { rawRequest } from '../support/raw-http';

const image = () => settings().image;
const inspect = async (id: string) => JSON.parse(await dockerOk(['inspect', id]))[0];

/** Runs a container to its end and returns its ID. */
async function ran(args: string[]): Promise<string> {
  const id = (await dockerOk(['run', '-d', ...args], { timeoutMs: 60_000 })).trim();
  await dockerOk(['wait', id], { timeoutMs: 60_000 });
  return id;
}

describe('docker logs', () => {
  afterEach(async () => {
    const ids = (await dockerOk(['ps', '-aq'])).split('\n').filter(Boolean);
    if (ids.length) await docker(['rm', '-f', ...ids]);
  });

  it('keeps stdout and stderr apart, with timestamps, tail, since and until', async () => {
    // stdout and stderr are two pipes: lines written to both at once are logged in either order.
    const id = await ran([image(), 'sh', '-c', 'echo one; sleep 0.1; echo two >&2; sleep 1.2; echo three']);
    const all = await docker(['logs', id]);
    expect(all).toMatchObject({ code: 0, stdout: 'one\nthree\n', stderr: 'two\n' });

    const stamped = (await dockerOk(['logs', '--timestamps', '--tail', '2', id])).split('\n').filter(Boolean);
    expect(stamped).toHaveLength(1);
    expect(stamped[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z three$/);
    const threeAt = stamped[0].split(' ')[0];
    expect(await dockerOk(['logs', '--since', threeAt, id])).toBe('three\n');
    const beforeThree = await docker(['logs', '--until', threeAt, id]);
    expect(beforeThree).toMatchObject({ stdout: 'one\n', stderr: 'two\n' });
    expect((await docker(['logs', '--tail', '0', id])).stdout).toBe('');
  });

  it('reads and tails 100k lines', async () => {
    const id = await ran([image(), 'seq', '1', '100000']);
    const all = await dockerOk(['logs', id], { timeoutMs: 60_000 });
    expect(all.length).toBe(588_895);
    expect(all.endsWith('99999\n100000\n')).toBe(true);
    expect(await dockerOk(['logs', '--tail', '3', id])).toBe('99998\n99999\n100000\n');
  });

  it('follows a running container until it exits', async () => {
    const id = (await dockerOk(['run', '-d', image(), 'sh', '-c', 'for i in 1 2 3 4 5; do echo tick $i; sleep 0.3; done'])).trim();
    const followed = await dockerOk(['logs', '--follow', id], { timeoutMs: 20_000 });
    expect(followed).toBe('tick 1\ntick 2\ntick 3\ntick 4\ntick 5\n');
    expect((await inspect(id)).State.Running).toBe(false);
  });

  it('frames a non-TTY log per stream and keeps a TTY log raw', async () => {
    // As above: without the pause dockerd too logs err first in 81 of 200 runs.
    const plain = await ran([image(), 'sh', '-c', 'echo out; sleep 0.1; echo err >&2']);
    const framed = await rawRequest('GET', `/v1.45/containers/${plain}/logs?stdout=1&stderr=1`);
    expect(framed.status).toBe(200);
    expect(framed.headers['content-type']).toBe('application/vnd.docker.multiplexed-stream');
    expect(framed.bytes).toEqual(Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, 4]), Buffer.from('out\n'), Buffer.from([2, 0, 0, 0, 0, 0, 0, 4]), Buffer.from('err\n')]));

    const tty = await ran(['-t', image(), 'echo', 'hello']);
    const raw = await rawRequest('GET', `/v1.45/containers/${tty}/logs?stdout=1&stderr=1`);
    expect(raw.headers['content-type']).toBe('application/vnd.docker.raw-stream');
    expect(raw.body).toBe('hello\r\n');

    const neither = await rawRequest('GET', `/v1.45/containers/${plain}/logs`);
    expect(neither.status).toBe(400);
    expect(JSON.parse(neither.body).message).toBe('Bad parameters: you must choose at least one stream');
    expect((await rawRequest('GET', '/v1.45/containers/nosuch/logs?stdout=1')).status).toBe(404);
  });

  it('rotates by --log-opt, keeping the newest lines, and shows the log in inspect', async () => {
    const id = await ran(['--log-opt', 'max-size=100k', '--log-opt', 'max-file=2', image(), 'seq', '1', '20000']);
    const container = await inspect(id);
    expect(container.HostConfig.LogConfig).toEqual({ Type: 'json-file', Config: { 'max-size': '100k', 'max-file': '2' } });
    expect(existsSync(container.LogPath)).toBe(true);
    const files = readdirSync(dirname(container.LogPath)).filter((name) => name.startsWith(`${id}-json.log`));
    expect(files.sort()).toEqual([`${id}-json.log`, `${id}-json.log.1`]);
    const lines = (await dockerOk(['logs', id])).split('\n').filter(Boolean);
    expect(lines.at(-1)).toBe('20000');
    expect(lines.length).toBeLessThan(20000);
    // What is kept is a contiguous run of the newest lines.
    expect(lines).toEqual(Array.from({ length: lines.length }, (_, i) => String(20000 - lines.length + 1 + i)));
  });

  it('keeps nothing with --log-driver none and refuses drivers it does not have', async () => {
    const id = await ran(['--log-driver', 'none', image(), 'echo', 'gone']);
    expect((await inspect(id)).LogPath).toBe('');
    const refused = await docker(['logs', id]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('configured logging driver does not support reading');

    const syslog = await docker(['create', '--log-driver', 'syslog', image()]);
    expect(syslog.code).not.toBe(0);
    expect(syslog.stderr).toContain('logging driver "syslog" is not supported by this engine');
    const badOpt = await docker(['create', '--log-opt', 'max-file=3', image()]);
    expect(badOpt.stderr).toContain('max-file cannot be set when max-size is not set');
  });
});
