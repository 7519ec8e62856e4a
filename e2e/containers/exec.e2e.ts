import { execFile } from 'node:child_process';
import { docker, dockerOk, dockerShell } from '../support/docker-cli';
import { settings } from '../support/engine';
import { rawRequest } from '../support/raw-http';

/** A command line run under `script`, so that the CLI has a terminal as in a user's shell. */
function inTerminal(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('script', ['-qec', command, '/dev/null'], { env: { ...process.env, DOCKER_HOST: `unix://${settings().apiSocket}` }, timeout: 20_000 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });
}

describe('docker exec', () => {
  beforeAll(async () => {
    await dockerOk(['run', '-d', '--name', 'target', settings().image, 'sleep', '300']);
  });
  afterAll(async () => {
    await docker(['rm', '-f', 'target', 'stopped']);
  });

  it('runs a command in the running container, with its output streams and exit code', async () => {
    expect(await docker(['exec', 'target', 'echo', 'hello'])).toEqual({ code: 0, stdout: 'hello\n', stderr: '' });
    expect(await docker(['exec', 'target', 'sh', '-c', 'echo out; echo err >&2; exit 3'])).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('reports a process that cannot start in the stream, with exit code 126, as dockerd does', async () => {
    const missing = await docker(['exec', 'target', 'nosuchcmd']);
    expect(missing.code).toBe(126);
    expect(missing.stdout).toMatch(/exec: "nosuchcmd": executable file not found in \$PATH/);
    expect(await docker(['exec', '-u', 'nosuchuser', 'target', 'true'])).toMatchObject({ code: 126, stdout: expect.stringContaining('unable to find user nosuchuser') });
    // Detached, the start itself fails.
    expect(await docker(['exec', '-d', 'target', 'nosuchcmd'])).toMatchObject({ code: 1, stderr: expect.stringContaining('Error response from daemon: OCI runtime exec failed') });
  });

  it('feeds stdin with -i, and runs as another user, elsewhere, with more environment', async () => {
    expect(await dockerOk(['exec', '-i', 'target', 'sh', '-c', 'cat; echo done'], { input: 'piped\n' })).toBe('piped\ndone\n');
    expect(await dockerOk(['exec', '-u', 'nobody', '-w', '/tmp', '-e', 'GREETING=hi', 'target', 'sh', '-c', 'id; pwd; echo $GREETING'])).toBe(
      'uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n/tmp\nhi\n',
    );
  });

  it('streams 32 MiB through stdin and back out of one exec, and the engine answers afterwards', async () => {
    // Both directions of the connections behind the CLI carry bulk at once; they must not wait on each other.
    const piped = await dockerShell('head -c 33554432 /dev/zero | docker exec -i target cat | wc -c');
    expect(piped).toMatchObject({ code: 0, stdout: '33554432\n', stderr: '' });
    expect(await dockerOk(['exec', 'target', 'echo', 'still here'])).toBe('still here\n');
  });

  it('gives the process a terminal with -t', async () => {
    // The container's terminal turns \n into \r\n; the CLI's own terminal adds a \r of its own.
    expect(await inTerminal('docker exec -t target tty')).toMatch(/^\/dev\/pts\/\d+\r+\n$/);
  });

  it('runs detached with -d, and inspects an exec as dockerd does', async () => {
    await dockerOk(['exec', '-d', 'target', 'sh', '-c', 'echo detached > /tmp/marker']);
    for (let waited = 0; (await docker(['exec', 'target', 'cat', '/tmp/marker'])).code !== 0 && waited < 5000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    expect(await dockerOk(['exec', 'target', 'cat', '/tmp/marker'])).toBe('detached\n');

    const created = await rawRequest('POST', '/v1.45/containers/target/exec', JSON.stringify({ Cmd: ['sh', '-c', 'exit 7'], AttachStdout: true }), { 'Content-Type': 'application/json' });
    expect(created.status).toBe(201);
    const { Id } = JSON.parse(created.body);
    const before = JSON.parse((await rawRequest('GET', `/v1.45/exec/${Id}/json`)).body);
    expect(before).toMatchObject({ ID: Id, Running: false, ExitCode: null, ProcessConfig: { entrypoint: 'sh', arguments: ['-c', 'exit 7'], tty: false } });
    const started = await rawRequest('POST', `/v1.45/exec/${Id}/start`, JSON.stringify({ Detach: true }), { 'Content-Type': 'application/json' });
    expect(started.status).toBe(200);
    let after = before;
    for (let waited = 0; after.ExitCode === null && waited < 5000; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
      after = JSON.parse((await rawRequest('GET', `/v1.45/exec/${Id}/json`)).body);
    }
    expect(after).toMatchObject({ Running: false, ExitCode: 7 });
    expect((await rawRequest('GET', '/v1.45/exec/nosuch/json')).status).toBe(404);
  });

  it('refuses to exec into a container that does not run, or is paused', async () => {
    await dockerOk(['create', '--name', 'stopped', settings().image, 'true']);
    const stopped = await docker(['exec', 'stopped', 'true']);
    expect(stopped.code).not.toBe(0);
    expect(stopped.stderr).toMatch(/Container [0-9a-f]{64} is not running/);
    await dockerOk(['pause', 'target']);
    const paused = await docker(['exec', 'target', 'true']);
    await dockerOk(['unpause', 'target']);
    expect(paused.stderr).toMatch(/Container [0-9a-f]{64} is paused, unpause the container before exec/);
    const empty = await rawRequest('POST', '/v1.45/containers/target/exec', JSON.stringify({ Cmd: [] }), { 'Content-Type': 'application/json' });
    expect({ status: empty.status, body: JSON.parse(empty.body) }).toEqual({ status: 400, body: { message: 'No exec command specified' } });
  });
});
