import { existsSync, readdirSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { docker, dockerOk } from '../support/docker-cli';
import { containerdContainers, ctr, settings } from '../support/engine';
import { eventually } from '../support/eventually';
import { leftNetworkNamespaces } from '../support/host-network';
import { rawRequest } from '../support/raw-http';

const image = () => settings().image;

describe('docker run', () => {
  it('prints the output of the command', async () => {
    const result = await docker(['run', '--rm', image(), 'echo', 'hello']);
    expect(result).toEqual({ code: 0, stdout: 'hello\n', stderr: '' });
  });

  it('keeps stdout and stderr apart', async () => {
    const result = await docker(['run', '--rm', image(), 'sh', '-c', 'echo out; echo err >&2']);
    expect(result).toEqual({ code: 0, stdout: 'out\n', stderr: 'err\n' });
  });

  it('exits with the exit code of the command', async () => {
    expect((await docker(['run', '--rm', image(), 'sh', '-c', 'exit 3'])).code).toBe(3);
  });

  it('feeds piped stdin to the command and closes it at the end (-i)', async () => {
    const result = await docker(['run', '--rm', '-i', image(), 'sh', '-c', 'cat; echo end of input'], { input: 'line one\nline two\n' });
    expect(result).toEqual({ code: 0, stdout: 'line one\nline two\nend of input\n', stderr: '' });
  });

  it('gives the command a terminal with -t', async () => {
    // `script` gives the CLI a terminal of its own, as a user's shell would.
    const result = await runInTerminal(`docker run --rm -t ${image()} sh -c 'tty; echo hi'`);
    // The container's terminal turns \n into \r\n; the CLI's own terminal adds a \r of its own.
    expect(result).toMatch(/^\/dev\/pts\/\d+\r+\nhi\r+\n$/);
  });

  it('runs on the host network or with loopback only', async () => {
    expect(await dockerOk(['run', '--rm', '--network', 'host', image(), 'hostname'])).toBe(`${hostname()}\n`);
    const isolated = await dockerOk(['run', '--rm', '--network', 'none', image(), 'sh', '-c', 'ip -o link | cut -d: -f2']);
    expect(isolated).toBe(' lo\n');
  });

  it('frames stdout and stderr on a hijacked attach connection', async () => {
    const id = (await dockerOk(['create', image(), 'sh', '-c', 'echo out; sleep 0.1; echo err >&2'])).trim();
    const frames = await attachAndStart(id);
    expect(frames).toEqual([
      [1, 'out\n'],
      [2, 'err\n'],
    ]);
    await dockerOk(['rm', id]);
  });

  it('--rm removes the container, its snapshot, its FIFOs and its network namespace', async () => {
    const name = 'removed-after-run';
    await dockerOk(['run', '--rm', '--name', name, image(), 'true']);
    expect((await docker(['inspect', name])).code).toBe(1);
    expect(await dockerOk(['ps', '-aq', '--no-trunc'])).toBe('');
    // containerd's deletion of the task, and then of the snapshot and record, ends just after, as
    // does the unbinding of the network namespace.
    await eventually(() => {
      expect(leftNetworkNamespaces()).toEqual([]);
      expect(containerdContainers()).toEqual([]);
      // Only the committed image layers remain.
      expect(ctr('snapshots', '--snapshotter', 'overlayfs', 'ls')).not.toMatch(/Active/);
      const entries = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);
      expect(entries(join(settings().runDir, 'container', 'io'))).toEqual([]);
    });
  });

  it('leaves the image free to remove once `docker run --rm` returns', async () => {
    const source = (await dockerOk(['create', image(), 'true'])).trim();
    await dockerOk(['commit', '--change', 'LABEL run=rm', source, 'run-rm-image']);
    await dockerOk(['rm', source]);
    await dockerOk(['run', '--rm', 'run-rm-image', 'true']);
    expect(await dockerOk(['rmi', 'run-rm-image'])).toMatch(/^Untagged: run-rm-image:latest\nDeleted: sha256:/);
  });

  it('reports an unknown image as 404, which makes the CLI try to pull', async () => {
    const res = await rawRequest('POST', '/v1.45/containers/create', JSON.stringify({ Image: 'nosuchimage' }), {
      'Content-Type': 'application/json',
    });
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toEqual({ message: 'No such image: nosuchimage:latest' });
    const result = await docker(['run', '--rm', 'nosuchimage', 'true']);
    expect(result.code).toBe(125);
    expect(result.stderr).toContain("Unable to find image 'nosuchimage:latest' locally");
  });
});

function runInTerminal(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('script', ['-qec', command, '/dev/null'], { env: { ...process.env, DOCKER_HOST: `unix://${settings().apiSocket}` }, timeout: 30_000 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });
}

/** Attaches over a raw socket with `Upgrade: tcp`, starts the container, and decodes the frames. */
async function attachAndStart(id: string): Promise<[number, string][]> {
  const socket = connect(settings().apiSocket);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    `POST /v1.45/containers/${id}/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n`,
  );
  const chunks: Buffer[] = [];
  const ended = new Promise((resolve) => socket.on('end', resolve));
  socket.on('data', (d: Buffer) => chunks.push(d));
  // The head arrives before the container starts.
  await new Promise<void>((resolve) => {
    const check = () => (Buffer.concat(chunks).includes('\r\n\r\n') ? resolve() : setTimeout(check, 5));
    check();
  });
  const head = Buffer.concat(chunks).toString('latin1');
  expect(head.split('\r\n')[0]).toBe('HTTP/1.1 101 UPGRADED');
  expect(head).toContain('Content-Type: application/vnd.docker.multiplexed-stream');
  expect((await rawRequest('POST', `/v1.45/containers/${id}/start`)).status).toBe(204);
  await ended;
  let stream = Buffer.concat(chunks);
  stream = stream.subarray(stream.indexOf('\r\n\r\n') + 4);
  const frames: [number, string][] = [];
  for (let at = 0; at < stream.length; ) {
    const size = stream.readUInt32BE(at + 4);
    frames.push([stream[at], stream.subarray(at + 8, at + 8 + size).toString()]);
    at += 8 + size;
  }
  return frames;
}
