import { ContainerLifecycle } from './container-lifecycle';
import { FakeFiles, FakeNetwork, FakeRuntime, RecordingEvents, fakeHost, fakeImages } from '../testing/fake-ports';

function setup() {
  const runtime = new FakeRuntime();
  const network = new FakeNetwork();
  const files = new FakeFiles();
  const events = new RecordingEvents();
  const lifecycle = new ContainerLifecycle({
    runtime,
    images: fakeImages,
    network,
    files,
    events,
    host: fakeHost,
    netnsDir: '/netns',
    cgroupParent: '/test',
    outputDrainMs: 50,
    warn: () => undefined,
  });
  return { lifecycle, runtime, network, files, events };
}

async function text(iterable: AsyncIterable<{ data: Uint8Array }>): Promise<string> {
  let out = '';
  for await (const chunk of iterable) out += Buffer.from(chunk.data).toString();
  return out;
}

describe('ContainerLifecycle', () => {
  it('runs like `docker run --rm`: attach and wait first, then start, output, exit code, removal', async () => {
    const { lifecycle, runtime, network, files, events } = setup();
    const { id } = await lifecycle.create('', { Image: 'busybox', Cmd: ['echo', 'hi'], HostConfig: { AutoRemove: true } });
    const attachment = lifecycle.attach(id, { stdin: false, stdout: true, stderr: true });
    const removed = lifecycle.wait(id, 'removed');
    const output = text(attachment.output);
    await lifecycle.start(id);
    expect(network.attached.has(id)).toBe(true);
    runtime.tasks.get(id)!.write('hi\n');
    runtime.tasks.get(id)!.finish(3);
    expect(await output).toBe('hi\n');
    expect(await removed).toBe(3);
    expect(() => lifecycle.inspect(id)).toThrow('No such container');
    expect(runtime.records.has(id)).toBe(false);
    expect(network.attached.size).toBe(0);
    expect(files.written.size).toBe(0);
    expect(events.actions).toEqual(['create', 'start', 'die', 'destroy']);
  });

  it('answers 304 for a second start and for stopping a stopped container', async () => {
    const { lifecycle } = setup();
    const { id } = await lifecycle.create('web', { Image: 'busybox' });
    await expect(lifecycle.stop(id, undefined, '')).rejects.toMatchObject({ kind: 'not-modified' });
    await lifecycle.start('web');
    await expect(lifecycle.start('web')).rejects.toMatchObject({ kind: 'not-modified' });
  });

  it('stops with SIGTERM, then SIGKILL after the timeout, and records exit code 137', async () => {
    const { lifecycle, runtime } = setup();
    const { id } = await lifecycle.create('', { Image: 'busybox' });
    await lifecycle.start(id);
    await lifecycle.stop(id, 0, '');
    expect(runtime.signals.map(([, s]) => s)).toEqual([15, 9]);
    expect(lifecycle.inspect(id).state).toMatchObject({ status: 'exited', exitCode: 137 });
  });

  it('returns from stop only once the exit is recorded, however long the task takes to delete', async () => {
    const { lifecycle, runtime } = setup();
    runtime.deleteTaskDelayMs = 30;
    const { id } = await lifecycle.create('', { Image: 'busybox' });
    await lifecycle.start(id);
    await lifecycle.stop(id, 0, '');
    expect(lifecycle.inspect(id).state).toMatchObject({ status: 'exited', exitCode: 137, pid: 0 });
  });

  it('refuses to remove a running container unless forced', async () => {
    const { lifecycle } = setup();
    const { id } = await lifecycle.create('', { Image: 'busybox' });
    await lifecycle.start(id);
    await expect(lifecycle.remove(id, false)).rejects.toMatchObject({ kind: 'conflict' });
    await lifecycle.remove(id, true);
    expect(lifecycle.list(true, 0)).toEqual([]);
  });

  it('refuses a taken name and frees it on removal', async () => {
    const { lifecycle } = setup();
    await lifecycle.create('db', { Image: 'busybox' });
    await expect(lifecycle.create('db', { Image: 'busybox' })).rejects.toMatchObject({ kind: 'conflict' });
    await lifecycle.remove('db', false);
    await expect(lifecycle.create('db', { Image: 'busybox' })).resolves.toBeDefined();
  });

  it('leaves nothing behind when the image does not exist', async () => {
    const { lifecycle, runtime, files } = setup();
    await expect(lifecycle.create('xx', { Image: 'nope' })).rejects.toMatchObject({ kind: 'not-found', message: 'No such image: nope:latest' });
    expect(runtime.records.size + files.written.size).toBe(0);
    await expect(lifecycle.create('xx', { Image: 'busybox' })).resolves.toBeDefined();
  });

  it('ends attachments and releases waiters when a start fails', async () => {
    const { lifecycle, runtime, network } = setup();
    const { id } = await lifecycle.create('', { Image: 'busybox', Cmd: ['nope'] });
    runtime.failStart = new Error('exec: "nope": executable file not found in $PATH');
    const attachment = lifecycle.attach(id, { stdin: false, stdout: true, stderr: true });
    const exit = lifecycle.wait(id, 'next-exit');
    await expect(lifecycle.start(id)).rejects.toThrow('executable file not found');
    expect(await text(attachment.output)).toBe('');
    expect(await exit).toBe(127);
    expect(network.attached.size).toBe(0);
  });

  it('releases the prepared task when the network cannot be attached', async () => {
    const { lifecycle, runtime, network } = setup();
    const { id } = await lifecycle.create('', { Image: 'busybox' });
    network.failAttach = new Error('no namespace for you');
    await expect(lifecycle.start(id)).rejects.toThrow('no namespace for you');
    expect(runtime.prepared.size).toBe(0);
    expect(lifecycle.inspect(id).state).toMatchObject({ status: 'exited', exitCode: 128, error: 'no namespace for you' });
  });

  it('delivers stdin sent before the start once the task runs', async () => {
    const { lifecycle, runtime } = setup();
    const { id } = await lifecycle.create('', { Image: 'busybox', OpenStdin: true, StdinOnce: true });
    const attachment = lifecycle.attach(id, { stdin: true, stdout: true, stderr: false });
    await attachment.writeStdin(Buffer.from('early'));
    attachment.closeStdin();
    await lifecycle.start(id);
    await new Promise((r) => setImmediate(r));
    expect(runtime.tasks.get(id)!.stdinReceived).toEqual(['early']);
    expect(runtime.tasks.get(id)!.stdinClosed).toBe(true);
  });
});
