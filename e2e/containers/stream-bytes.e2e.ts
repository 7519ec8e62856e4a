import { execFileSync } from 'node:child_process';
import { startReferenceDockerd, type ReferenceDockerd } from '@flotilla/tools/fixtures';
import { cliEnv } from '../support/docker-cli';
import { settings } from '../support/engine';
import { rawRequest } from '../support/raw-http';
import { referenceDockerdCgroup, referenceDockerdDir, stopE2eDockerd } from '../support/reference-dockerd';

/** The reference dockerd speaks API 1.41 at most: both engines are asked in it. */
const api = '/v1.41';

/** The same request to both engines: status, content type and body bytes must be the same. */
describe('stream bytes, Flotilla next to dockerd', () => {
  let reference: ReferenceDockerd | undefined;
  const engines = () => [
    { name: 'flotilla', socket: settings().apiSocket },
    { name: 'dockerd', socket: reference!.socket },
  ];
  const cli = (socket: string, args: string[]) => execFileSync('docker', args, { env: { ...cliEnv(), DOCKER_HOST: `unix://${socket}` }, encoding: 'utf8' }).trim();
  /** Runs the container to its end on both engines; its IDs by engine. */
  const ran = (args: string[]) => new Map(engines().map(({ name, socket }) => {
    const id = cli(socket, ['run', '-d', '--network', 'none', ...args]);
    cli(socket, ['wait', id]);
    return [name, id];
  }));
  async function sameAnswer(method: string, path: (id: string) => string, ids: Map<string, string>): Promise<Buffer> {
    const [ours, theirs] = await Promise.all(engines().map(({ name, socket }) => rawRequest(method, `${api}${path(ids.get(name)!)}`, undefined, {}, socket)));
    // Debian's dockerd (20.10) sends no Content-Type on logs; later ones send the one asked for here.
    const theirType = theirs.headers['content-type'] ?? ours.headers['content-type'];
    expect({ status: ours.status, type: ours.headers['content-type'], body: ours.bytes }).toEqual({ status: theirs.status, type: theirType, body: theirs.bytes });
    return ours.bytes;
  }

  beforeAll(async () => {
    reference = await startReferenceDockerd(referenceDockerdDir, referenceDockerdCgroup);
    if (!reference) throw new Error('no reference dockerd could be started (Debian docker.io)');
    cli(reference.socket, ['import', settings().rootfsTar, settings().image]);
  }, 120_000);
  afterAll(async () => {
    for (const { socket } of engines()) cli(socket, ['container', 'prune', '-f']);
    await stopE2eDockerd();
  });

  it('frames logs per stream, with tail, and holds an unterminated line to the end', async () => {
    const ids = ran([settings().image, 'sh', '-c', 'echo out; sleep 0.1; echo err >&2; sleep 0.1; printf "no newline"']);
    const body = await sameAnswer('GET', (id) => `/containers/${id}/logs?stdout=1&stderr=1`, ids);
    expect(body.length).toBeGreaterThan(0);
    await sameAnswer('GET', (id) => `/containers/${id}/logs?stdout=1&stderr=1&tail=1`, ids);
    await sameAnswer('GET', (id) => `/containers/${id}/logs?stderr=1`, ids);
  });

  it('keeps a TTY log raw', async () => {
    await sameAnswer('GET', (id) => `/containers/${id}/logs?stdout=1&stderr=1`, ran(['-t', settings().image, 'sh', '-c', 'echo one; echo two >&2']));
  });

  it('replays the log on attach with logs=1 and stream=0', async () => {
    const ids = ran([settings().image, 'sh', '-c', 'echo out; sleep 0.1; echo err >&2']);
    await sameAnswer('POST', (id) => `/containers/${id}/attach?logs=1&stdout=1&stderr=1`, ids);
  });

  it('frames the output of an exec', async () => {
    const json = { 'Content-Type': 'application/json' };
    const [ours, theirs] = await Promise.all(
      engines().map(async ({ socket }) => {
        const container = cli(socket, ['run', '-d', '--network', 'none', settings().image, 'sleep', '60']);
        const exec = { Cmd: ['sh', '-c', 'echo out; sleep 0.1; echo err >&2'], AttachStdout: true, AttachStderr: true };
        const created = await rawRequest('POST', `${api}/containers/${container}/exec`, JSON.stringify(exec), json, socket);
        const answer = await rawRequest('POST', `${api}/exec/${JSON.parse(created.body).Id}/start`, JSON.stringify({ Detach: false, Tty: false }), json, socket);
        cli(socket, ['rm', '-f', container]);
        return answer;
      }),
    );
    expect([ours.status, ours.headers['content-type'], ours.bytes]).toEqual([theirs.status, theirs.headers['content-type'], theirs.bytes]);
  });

  it('refuses the same bad requests the same way', async () => {
    const ids = ran([settings().image, 'true']);
    const [ours, theirs] = await Promise.all(engines().map(({ name, socket }) => rawRequest('GET', `${api}/containers/${ids.get(name)}/logs`, undefined, {}, socket)));
    expect([ours.status, JSON.parse(ours.body)]).toEqual([theirs.status, JSON.parse(theirs.body)]);
  });
});
