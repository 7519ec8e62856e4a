import { lifecycleOnFakes as setup } from '../testing/fake-lifecycle';

async function text(iterable: AsyncIterable<{ data: Uint8Array }>): Promise<string> {
  let out = '';
  for await (const chunk of iterable) out += Buffer.from(chunk.data).toString();
  return out;
}

describe('ContainerLifecycle', () => {
  it('runs like `docker run --rm`: attach and wait first, then start, output, exit code, removal', async () => {
    const { lifecycle, runtime, network, files, events } = setup();
    runtime.deleteTaskDelayMs = 50;
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
    expect(network.attached.size).toBe(0);
    expect(files.written.size).toBe(0);
    expect(events.actions).toEqual(['create', 'attach', 'start', 'die', 'destroy']);
    // containerd is still deleting the task; its record goes after it, at the latest by close().
    expect(runtime.tasks.has(id)).toBe(true);
    expect(runtime.records.has(id)).toBe(true);
    expect(runtime.imagesReleased.has(id)).toBe(true);
    await lifecycle.close();
    expect(runtime.tasks.has(id)).toBe(false);
    expect(runtime.records.has(id)).toBe(false);
  });

  it('lets an --rm container\'s image, files and log go while its network is being released', async () => {
    const { lifecycle, runtime, network, files, logs } = setup();
    const { id } = await lifecycle.create('', { Image: 'busybox', HostConfig: { AutoRemove: true } });
    const removed = lifecycle.wait(id, 'removed');
    await lifecycle.start(id);
    let detached!: () => void;
    network.detachGate = new Promise((resolve) => (detached = resolve));
    runtime.tasks.get(id)!.finish(0);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(network.attached.has(id)).toBe(true);
    expect(runtime.imagesReleased.has(id)).toBe(true);
    expect(files.written.has(id)).toBe(false);
    expect(logs.runs.has(id)).toBe(false);
    detached();
    expect(await removed).toBe(0);
    expect(network.attached.has(id)).toBe(false);
  });

  it('logs each run\'s output and closes the log with the run; --log-driver none keeps nothing and cannot be read', async () => {
    const { lifecycle, runtime, logs } = setup();
    const { id } = await lifecycle.create('', { Image: 'busybox', HostConfig: { LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '2' } } } });
    await lifecycle.start(id);
    runtime.tasks.get(id)!.write('hi\n');
    runtime.tasks.get(id)!.finish(0);
    await lifecycle.wait(id, 'not-running');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(logs.runs.get(id)).toEqual([{ options: { maxSize: 1024 * 1024, maxFiles: 2, compress: false, attrs: {} }, written: [expect.objectContaining({ stream: 'stdout' })], closed: true }]);
    expect(Buffer.from(logs.runs.get(id)![0].written[0].log).toString()).toBe('hi\n');
    expect(lifecycle.logPath(id)).toBe(logs.path(id));

    const silent = await lifecycle.create('', { Image: 'busybox', HostConfig: { LogConfig: { Type: 'none', Config: {} } } });
    await lifecycle.start(silent.id);
    expect(logs.runs.has(silent.id)).toBe(false);
    expect(lifecycle.logPath(silent.id)).toBe('');
    expect(() => lifecycle.logs(silent.id, { stdout: true, stderr: true, follow: false })).toThrow('configured logging driver does not support reading');
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
    expect(await lifecycle.list(true, 0)).toEqual([]);
  });

  it('never removes a container a concurrent start left running: a plain rm is refused, a forced one kills it first', async () => {
    const { lifecycle, runtime } = setup();
    const { id } = await lifecycle.create('', { Image: 'busybox' });
    const [started, removed] = await Promise.allSettled([lifecycle.start(id), lifecycle.remove(id, false)]);
    expect(started.status).toBe('fulfilled');
    expect(removed).toMatchObject({ status: 'rejected', reason: { kind: 'conflict' } });
    expect(runtime.tasks.has(id)).toBe(true);

    await lifecycle.stop(id, 0, '');
    await Promise.all([lifecycle.start(id), lifecycle.remove(id, true)]);
    expect(runtime.tasks.size).toBe(0);
    expect(runtime.records.size).toBe(0);
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

  it('releases the task and the namespace when the network cannot be attached', async () => {
    const { lifecycle, runtime, network } = setup();
    network.failAttach = new Error('no network for you');
    const { id } = await lifecycle.create('', { Image: 'busybox' });
    await expect(lifecycle.start(id)).rejects.toThrow('no network for you');
    expect(runtime.prepared.size + network.namespaces.size).toBe(0);
    expect(lifecycle.inspect(id).state).toMatchObject({ status: 'exited', exitCode: 128, error: 'no network for you' });
  });

  it('creates the task in its namespace while the interfaces are added, and runs it once they are', async () => {
    const { lifecycle, runtime, network } = setup();
    let interfacesAdded!: () => void;
    network.attachGate = new Promise((resolve) => (interfacesAdded = resolve));
    const { id } = await lifecycle.create('', { Image: 'busybox' });
    const started = lifecycle.start(id);
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(network.namespaces.has(id)).toBe(true);
    expect(runtime.created).toEqual([id]);
    expect(runtime.tasks.has(id)).toBe(false);
    interfacesAdded();
    await started;
    expect(network.attached.has(id)).toBe(true);
    expect(runtime.tasks.has(id)).toBe(true);
  });

  it('attaches before creating the task when network-svc cannot prepare a namespace alone', async () => {
    const { lifecycle, runtime, network } = setup();
    network.lacksPrepare = true;
    let interfacesAdded!: () => void;
    network.attachGate = new Promise((resolve) => (interfacesAdded = resolve));
    const { id } = await lifecycle.create('', { Image: 'busybox' });
    const started = lifecycle.start(id);
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(runtime.created).toEqual([]);
    interfacesAdded();
    await started;
    expect(network.attached.has(id)).toBe(true);
    expect(runtime.tasks.has(id)).toBe(true);
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

  it('detaches a TTY attachment on its detach keys and at the end of its input, leaving stdin open', async () => {
    const { lifecycle, runtime, events } = setup();
    const { id } = await lifecycle.create('', { Image: 'busybox', Tty: true, OpenStdin: true, StdinOnce: true });
    await lifecycle.start(id);
    const typed = lifecycle.attach(id, { stdin: true, stdout: true, stderr: true, detachKeys: 'ctrl-x' });
    const output = text(typed.output);
    await typed.writeStdin(Buffer.from('ls\n\x18'));
    expect(await output).toBe('');
    const ended = lifecycle.attach(id, { stdin: true, stdout: true, stderr: true });
    const rest = text(ended.output);
    ended.closeStdin();
    await rest;
    expect(runtime.tasks.get(id)!.stdinReceived).toEqual(['ls\n']);
    expect(runtime.tasks.get(id)!.stdinClosed).toBe(false);
    expect(lifecycle.inspect(id).state.status).toBe('running');
    expect(events.actions).toEqual(['create', 'start', 'attach', 'detach', 'attach']);
    expect(() => lifecycle.attach(id, { stdin: true, stdout: true, stderr: true, detachKeys: 'meta-x' })).toThrow('Invalid detach keys (meta-x) provided');
  });

  it('pauses and unpauses with dockerd\'s conflicts, and a paused container cannot be started', async () => {
    const { lifecycle, runtime, events } = setup();
    const { id } = await lifecycle.create('pz', { Image: 'busybox' });
    await expect(lifecycle.pause(id)).rejects.toThrow(`Container ${id} is not running`);
    await lifecycle.start(id);
    await lifecycle.pause(id);
    expect(runtime.paused.has(id)).toBe(true);
    expect(lifecycle.inspect(id).state.status).toBe('paused');
    await expect(lifecycle.pause(id)).rejects.toThrow(`Container ${id} is already paused`);
    await expect(lifecycle.start(id)).rejects.toThrow('cannot start a paused container, try unpause instead');
    expect(() => lifecycle.attach('pz', { stdin: false, stdout: true, stderr: true })).toThrow('container pz is paused, unpause the container before attach');
    await lifecycle.unpause(id);
    await expect(lifecycle.unpause(id)).rejects.toMatchObject({ kind: 'conflict', message: `Container ${id} is not paused` });
    expect(events.actions).toEqual(['create', 'start', 'pause', 'unpause']);
  });

  it('thaws a paused container it kills', async () => {
    const { lifecycle, runtime } = setup();
    const { id } = await lifecycle.create('', { Image: 'busybox' });
    await lifecycle.start(id);
    await lifecycle.pause(id);
    await lifecycle.kill(id, 'KILL');
    expect(runtime.paused.has(id)).toBe(false);
    expect(lifecycle.inspect(id).state).toMatchObject({ status: 'exited', exitCode: 137 });
  });

  it('renames, keeping names unique', async () => {
    const { lifecycle, events } = setup();
    const { id } = await lifecycle.create('old', { Image: 'busybox' });
    await lifecycle.create('taken', { Image: 'busybox' });
    await expect(lifecycle.rename(id, 'taken')).rejects.toMatchObject({ kind: 'conflict', message: expect.stringMatching(/^Error when allocating new name: Conflict/) });
    await expect(lifecycle.rename(id, 'old')).rejects.toThrow('Renaming a container with the same name as its current name');
    await expect(lifecycle.rename(id, 'bad name')).rejects.toMatchObject({ kind: 'invalid' });
    await lifecycle.rename(id, '/new');
    expect(lifecycle.inspect('new').id).toBe(id);
    expect(() => lifecycle.inspect('old')).toThrow('No such container');
    await lifecycle.create('old', { Image: 'busybox' });
    expect(events.actions.filter((a) => a === 'rename')).toHaveLength(1);
  });

  it('restarts a running --rm container without removing it', async () => {
    const { lifecycle, runtime, events } = setup();
    const { id } = await lifecycle.create('', { Image: 'busybox', HostConfig: { AutoRemove: true } });
    await lifecycle.start(id);
    const restarting = lifecycle.restart(id, 0, '');
    await restarting;
    expect(lifecycle.inspect(id).state.status).toBe('running');
    expect(runtime.tasks.has(id)).toBe(true);
    expect(events.actions).toEqual(['create', 'start', 'kill', 'kill', 'die', 'stop', 'start', 'restart']);
  });

  it('updates limits of a running container and its restart policy', async () => {
    const { lifecycle, runtime } = setup();
    const { id } = await lifecycle.create('', { Image: 'busybox', HostConfig: { Memory: 64 << 20 } });
    await lifecycle.start(id);
    expect(await lifecycle.update(id, { Memory: 128 << 20, PidsLimit: 10, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } })).toEqual([]);
    expect(runtime.updates).toEqual([[id, { memory: { limit: 128 << 20, swap: 256 << 20 }, pids: { limit: 10 } }, true]]);
    expect(lifecycle.inspect(id).hostConfig).toMatchObject({ Memory: 128 << 20, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } });
    await expect(lifecycle.update(id, { Memory: 1 })).rejects.toThrow('Minimum memory limit allowed is 6MB');
  });

  it('prunes stopped containers only, by label', async () => {
    const { lifecycle, events } = setup();
    const keep = await lifecycle.create('keep', { Image: 'busybox', Labels: { keep: 'yes' } });
    const gone = await lifecycle.create('gone', { Image: 'busybox' });
    const running = await lifecycle.create('running', { Image: 'busybox' });
    await lifecycle.start(running.id);
    expect(await lifecycle.prune({ 'label!': ['keep'] })).toEqual({ deleted: [gone.id], spaceReclaimed: 0 });
    expect((await lifecycle.list(true, 0)).map((r) => r.id).sort()).toEqual([keep.id, running.id].sort());
    expect(events.actions).toContain('prune');
  });

  it('lists by filters, stopped ones too when the status is asked for', async () => {
    const { lifecycle } = setup();
    const { id } = await lifecycle.create('web', { Image: 'busybox', Labels: { tier: 'web' } });
    expect(await lifecycle.list(false, 0, { label: ['tier=web'] })).toEqual([]);
    expect((await lifecycle.list(false, 0, { status: ['created'] })).map((r) => r.id)).toEqual([id]);
    await expect(lifecycle.list(false, 0, { nope: ['x'] })).rejects.toMatchObject({ kind: 'invalid' });
  });

  it('restarts on failure with back-off until the retries run out', async () => {
    const { lifecycle, runtime } = setup();
    const { id } = await lifecycle.create('', { Image: 'busybox', HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } } });
    await lifecycle.start(id);
    for (let run = 0; run < 3; run++) {
      const task = runtime.tasks.get(id)!;
      const exited = lifecycle.wait(id, 'next-exit');
      task.finish(1);
      await exited;
      if (run < 2) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        expect(lifecycle.inspect(id).state.status).toBe('restarting');
        while (runtime.tasks.get(id) === task || !runtime.tasks.has(id)) await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(lifecycle.inspect(id)).toMatchObject({ restartCount: 2, state: { status: 'exited', exitCode: 1 } });
  });

  it('leaves an always-restarting container stopped once the user stops it, and cancels a pending restart', async () => {
    const { lifecycle, runtime } = setup();
    const { id } = await lifecycle.create('', { Image: 'busybox', HostConfig: { RestartPolicy: { Name: 'always' } } });
    await lifecycle.start(id);
    await lifecycle.stop(id, 0, '');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(lifecycle.inspect(id).state.status).toBe('exited');

    await lifecycle.start(id);
    runtime.tasks.get(id)!.finish(0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lifecycle.inspect(id).state.status).toBe('restarting');
    await expect(lifecycle.remove(id, false)).rejects.toMatchObject({ kind: 'conflict' });
    await lifecycle.stop(id, 0, '');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(lifecycle.inspect(id)).toMatchObject({ manuallyStopped: true, state: { status: 'exited' } });
  });

  it('removes an --rm container whose run ended while the service was down', async () => {
    const before = setup();
    const { id } = await before.lifecycle.create('gone', { Image: 'busybox', HostConfig: { AutoRemove: true } });
    const record = before.lifecycle.inspect(id);
    const after = setup();
    after.runtime.records.set(id, record);
    after.runtime.recovered = [{ record: { ...record, state: { ...record.state, status: 'running', pid: 99 } }, task: undefined }];
    await after.lifecycle.recover();
    expect(() => after.lifecycle.inspect('gone')).toThrow('No such container');
    expect(after.runtime.records.has(id)).toBe(false);
  });

  it('applies the restart policy to a task lost while the service was down', async () => {
    const before = setup();
    const { id } = await before.lifecycle.create('lost', { Image: 'busybox', HostConfig: { RestartPolicy: { Name: 'unless-stopped' } } });
    const record = before.lifecycle.inspect(id);
    const after = setup();
    after.runtime.recovered = [{ record: { ...record, state: { ...record.state, status: 'running', pid: 99 } }, task: undefined }];
    await after.lifecycle.recover();
    expect(after.lifecycle.inspect('lost').state).toMatchObject({ status: 'restarting', exitCode: 255 });
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(after.lifecycle.inspect('lost').state.status).toBe('running');
    expect(after.runtime.tasks.has(id)).toBe(true);
  });




  it('reports health changes as events and restarts an unhealthy container that asks for it', async () => {
    const { lifecycle, runtime, events } = setup();
    runtime.probeExitCodes = [0, 1];
    const { id } = await lifecycle.create('', {
      Image: 'busybox',
      Labels: { 'flotilla.on-unhealthy': 'restart' },
      StopTimeout: 0,
      Healthcheck: { Test: ['CMD', 'check'], Interval: 10_000_000, Retries: 1 },
    });
    await lifecycle.start(id);
    const firstTask = runtime.tasks.get(id);
    for (let waited = 0; !events.actions.includes('restart') && waited < 2000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(events.actions).toEqual(expect.arrayContaining(['health_status: healthy', 'health_status: unhealthy', 'exec_die', 'restart']));
    expect(runtime.tasks.get(id)).not.toBe(firstTask);
    await lifecycle.remove(id, true);
  });

  it('marks an out-of-memory kill on the container and reports it', async () => {
    const { lifecycle, runtime, events } = setup();
    const { id } = await lifecycle.create('', { Image: 'busybox' });
    await lifecycle.start(id);
    runtime.oomHandler!(id);
    runtime.tasks.get(id)!.finish(137);
    await lifecycle.wait(id, 'not-running');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(lifecycle.inspect(id).state).toMatchObject({ status: 'exited', exitCode: 137, oomKilled: true });
    expect(events.actions).toContain('oom');
  });

  it('creates the task while the client gets ready to start it, and only once', async () => {
    const { lifecycle, runtime } = setup();
    const { id } = await lifecycle.create('', { Image: 'busybox' });
    await lifecycle.start(id);
    expect(runtime.created).toEqual([id]);
    await lifecycle.stop(id, 0, '');
    await lifecycle.start(id);
    expect(runtime.created).toEqual([id, id]);
  });

  it('answers a create before it makes the task ahead of the start', async () => {
    const { lifecycle, runtime } = setup();
    const { id } = await lifecycle.create('', { Image: 'busybox' });
    expect(runtime.prepared.has(id)).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(runtime.prepared.has(id)).toBe(true);
    await lifecycle.start(id);
    // A start that comes before the task is made ahead takes that one: no second task is made.
    const next = await lifecycle.create('', { Image: 'busybox' });
    await lifecycle.start(next.id);
    expect(runtime.created).toEqual([id, next.id]);
  });

  it('deletes a task created ahead of a start that never comes when the container is removed', async () => {
    const { lifecycle, runtime, network } = setup();
    const { id } = await lifecycle.create('', { Image: 'busybox' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(runtime.prepared.has(id)).toBe(true);
    await lifecycle.remove(id, false);
    expect(runtime.prepared.size).toBe(0);
    expect(network.attached.size).toBe(0);
  });

  it('keeps only a few tasks waiting for their start', async () => {
    const { lifecycle, runtime } = setup();
    for (let i = 0; i < 6; i++) await lifecycle.create('', { Image: 'busybox' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(runtime.created).toHaveLength(4);
  });

  it('commits a running container paused, with its config under the changes, and releases the layer', async () => {
    const { lifecycle, runtime, images, events } = setup();
    const { id } = await lifecycle.create('', { Image: 'busybox', Cmd: ['sleep', '1d'], Env: ['A=1'] });
    await lifecycle.start(id);
    const statuses: string[] = [];
    let released = false;
    runtime.writeLayer = async () => {
      statuses.push(lifecycle.inspect(id).state.status);
      return { mediaType: 'm', digest: 'sha256:l', size: 1, diffId: 'sha256:d', release: async () => void (released = true) };
    };
    expect(await lifecycle.commit(id, { reference: 'mine:v1', comment: 'c', author: 'a', changes: ['CMD ["x"]'], pause: true, config: { Env: ['B=2'] } })).toBe('sha256:committed');
    expect(statuses).toEqual(['paused']);
    expect(lifecycle.inspect(id).state.status).toBe('running');
    expect(released).toBe(true);
    expect(images.commits).toEqual([expect.objectContaining({ parent: 'sha256:busybox', reference: 'mine:v1', changes: ['CMD ["x"]'], createdBy: 'sleep 1d', config: expect.objectContaining({ Env: ['B=2'], Cmd: ['sleep', '1d'] }) })]);
    expect(events.actions.slice(-3)).toEqual(['pause', 'unpause', 'commit']);
  });
});
