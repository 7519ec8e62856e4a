import { docker, dockerOk } from '../support/docker-cli';
import { settings } from '../support/engine';
import { rawRequest } from '../support/raw-http';
import { Terminal } from '../support/terminal';

const image = () => settings().image;
const isRunning = async (name: string) => JSON.parse(await dockerOk(['inspect', name]))[0].State.Running as boolean;
const frame = (stream: number, text: string) => Buffer.concat([Buffer.from([stream, 0, 0, 0, 0, 0, 0, text.length]), Buffer.from(text)]);

describe('interactive sessions and attached clients', () => {
  const terminals: Terminal[] = [];
  const terminal = (command: string) => {
    const opened = new Terminal(command);
    terminals.push(opened);
    return opened;
  };

  afterEach(async () => {
    for (const opened of terminals.splice(0)) opened.close();
    const ids = (await dockerOk(['ps', '-aq'])).split('\n').filter(Boolean);
    if (ids.length) await docker(['rm', '-f', ...ids]);
  });

  it('docker run -it: a command typed at the prompt answers, the window size is the terminal\'s, exit ends the CLI', async () => {
    const session = terminal(`docker run -it --rm ${image()} sh`);
    await session.waitFor(/# /);
    session.type('echo answer-$((6*7))\r');
    await session.waitFor(/\r\nanswer-42\r\n/);
    session.type('stty size\r');
    await session.waitFor(/\r\n40 100\r\n/);
    session.type('exit 3\r');
    expect(await session.exit).toBe(3);
  });

  it('docker exec -it: a resize of the window reaches the process', async () => {
    const id = (await dockerOk(['run', '-d', image(), 'sleep', '300'])).trim();
    const session = terminal(`docker exec -it ${id} sh`);
    await session.waitFor(/# /);
    session.type('stty size\r');
    await session.waitFor(/\r\n40 100\r\n/);
    session.resize(50, 120);
    // The CLI passes the new size on asynchronously: ask until it shows.
    for (let tries = 0; tries < 20 && !/\r\n50 120\r\n/.test(session.output); tries++) {
      session.type('stty size\r');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(session.output).toMatch(/\r\n50 120\r\n/);
    session.type('exit\r');
    expect(await session.exit).toBe(0);
  });

  it('detaches on ctrl-p ctrl-q leaving the container running, and docker attach with its own keys comes back', async () => {
    const session = terminal(`docker run -it --name lasting ${image()} sh`);
    await session.waitFor(/# /);
    session.type('\x10\x11');
    expect(await session.exit).toBe(0);
    expect(await isRunning('lasting')).toBe(true);

    const again = terminal('docker attach --detach-keys ctrl-x lasting');
    await new Promise((resolve) => setTimeout(resolve, 500));
    again.type('echo back-$((1+1))\r');
    await again.waitFor(/\r\nback-2\r\n/);
    again.type('\x18');
    // The CLI reports a detach from `docker attach` as dockerd makes it: this message and status 1.
    await again.waitFor(/read escape sequence/);
    expect(await again.exit).toBe(1);
    expect(await isRunning('lasting')).toBe(true);
  });

  it('streams to several attached clients at once, and replays the log with logs=1', async () => {
    const id = (await dockerOk(['run', '-d', image(), 'sh', '-c', 'sleep 1; for i in 1 2 3; do echo tick $i; sleep 0.2; done'])).trim();
    const [first, second] = await Promise.all([docker(['attach', '--no-stdin', id]), docker(['attach', '--no-stdin', id])]);
    expect(first).toMatchObject({ code: 0, stdout: 'tick 1\ntick 2\ntick 3\n' });
    expect(second).toMatchObject({ code: 0, stdout: 'tick 1\ntick 2\ntick 3\n' });

    // stream=0: the log alone, then the end of the response.
    const replay = await rawRequest('POST', `/v1.45/containers/${id}/attach?logs=1&stdout=1&stderr=1`);
    expect(replay.status).toBe(200);
    expect(replay.bytes).toEqual(Buffer.concat([frame(1, 'tick 1\n'), frame(1, 'tick 2\n'), frame(1, 'tick 3\n')]));
    const badKeys = await rawRequest('POST', `/v1.45/containers/${id}/attach?stream=1&stdin=1&detachKeys=ctrl-`);
    expect(badKeys.status).toBe(400);
    expect(JSON.parse(badKeys.body).message).toBe('Invalid detach keys (ctrl-) provided');
  });
});
