import { ExecSessions, type ExecConfig } from './exec-sessions';
import { lifecycleOnFakes } from '../testing/fake-lifecycle';
import { fakeHost } from '../testing/fake-ports';

function setup() {
  const fakes = lifecycleOnFakes();
  const execs = new ExecSessions({ runtime: fakes.runtime, containers: fakes.lifecycle, events: fakes.events, host: fakeHost, warn: () => undefined });
  return { ...fakes, execs };
}

/** An exec created in a running container, its process made ready in the background meanwhile. */
async function createdExec(config: ExecConfig) {
  const fakes = setup();
  const { id } = await fakes.lifecycle.create('box', { Image: 'busybox' });
  await fakes.lifecycle.start(id);
  const prepare = jest.spyOn(fakes.runtime, 'prepareExec');
  const execId = fakes.execs.create(id, config);
  await new Promise((resolve) => setImmediate(resolve));
  return { ...fakes, prepare, execId };
}

async function text(output: AsyncIterable<{ data: Uint8Array }>): Promise<string> {
  let all = '';
  for await (const chunk of output) all += Buffer.from(chunk.data).toString();
  return all;
}

describe('ExecSessions', () => {
  it('runs a process in a running container and records how it ended', async () => {
    const { lifecycle, runtime, events, execs } = setup();
    const { id } = await lifecycle.create('box', { Image: 'busybox' });
    await lifecycle.start(id);
    const execId = execs.create('box', { Cmd: ['echo', 'hi'], User: 'app', Env: ['A=1'], AttachStdout: true });
    expect(execs.inspect(execId)).toMatchObject({ Running: false, ExitCode: null, ContainerID: id });
    const attachment = (await execs.start(execId, false))!;
    expect(await text(attachment.output)).toBe('echo hi');
    await new Promise((resolve) => setImmediate(resolve));
    expect(execs.inspect(execId)).toMatchObject({ Running: false, ExitCode: 0, ProcessConfig: { entrypoint: 'echo', arguments: ['hi'], user: 'app' } });
    expect(runtime.execs[0][1]).toMatchObject({ args: ['echo', 'hi'], env: ['A=1'], user: { uid: 1000, gid: 1000, additionalGids: [1000] } });
    expect(events.actions).toEqual(expect.arrayContaining(['exec_create: echo hi', 'exec_start: echo hi', 'exec_die']));
    await expect(execs.start(execId, false)).rejects.toMatchObject({ kind: 'conflict' });
  });

  it('gives an exec that cannot start exit code 126, as dockerd does', async () => {
    const { lifecycle, runtime, execs } = setup();
    const { id } = await lifecycle.create('box', { Image: 'busybox' });
    await lifecycle.start(id);
    jest.spyOn(runtime, 'prepareExec').mockRejectedValue(new Error('exec: "nosuchcmd": executable file not found in $PATH'));
    const execId = execs.create(id, { Cmd: ['nosuchcmd'], AttachStdout: true, Tty: true });
    expect(execs.isTty(execId)).toBe(true);
    await expect(execs.start(execId, false)).rejects.toThrow('executable file not found');
    expect(execs.inspect(execId)).toMatchObject({ Running: false, ExitCode: 126 });
    expect(() => execs.isTty('missing')).toThrow('No such exec instance: missing');
  });

  it('ends the output only once the exit code is known, since clients ask for it right then', async () => {
    const { lifecycle, runtime, execs } = setup();
    const { id } = await lifecycle.create('box', { Image: 'busybox' });
    await lifecycle.start(id);
    const execId = execs.create(id, { Cmd: ['sh', '-c', 'exit 3'], AttachStdout: true });
    const output = (await execs.start(execId, false))!.output[Symbol.asyncIterator]();
    await output.next();
    const task = runtime.execTasks.get(execId)!;
    task.closeOutput();
    const end = output.next();
    let ended = false;
    void end.then(() => (ended = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(ended).toBe(false);
    task.exitWith({ exitCode: 3, exitedAt: new Date().toISOString() });
    expect(await end).toMatchObject({ done: true });
    expect(execs.inspect(execId)).toMatchObject({ Running: false, ExitCode: 3 });
  });

  it('refuses containers that do not run or are paused, and empty commands', async () => {
    const { lifecycle, execs } = setup();
    const { id } = await lifecycle.create('box', { Image: 'busybox' });
    expect(() => execs.create(id, { Cmd: ['true'] })).toThrow(`Container ${id} is not running`);
    await lifecycle.start(id);
    await lifecycle.pause(id);
    expect(() => execs.create(id, { Cmd: ['true'] })).toThrow('is paused, unpause the container before exec');
    expect(() => execs.create(id, { Cmd: [] })).toThrow('No exec command specified');
    expect(() => execs.inspect('nosuch')).toThrow('No such exec instance: nosuch');
  });

  it('makes the process ready at the create, so that the start only runs it', async () => {
    const { runtime, execs, prepare, execId } = await createdExec({ Cmd: ['true'], AttachStdout: true });
    expect(runtime.preparedExecs).toEqual(new Set([execId]));
    await text((await execs.start(execId, false))!.output);
    expect(prepare).toHaveBeenCalledTimes(1);
    expect(runtime.preparedExecs.size).toBe(0);
  });

  it('answers the create before it makes the process ready, and a start that comes first makes it once', async () => {
    const { lifecycle, runtime, execs } = setup();
    const { id } = await lifecycle.create('box', { Image: 'busybox' });
    await lifecycle.start(id);
    const prepare = jest.spyOn(runtime, 'prepareExec');
    const ahead = execs.create(id, { Cmd: ['true'] });
    expect(prepare).not.toHaveBeenCalled();
    await new Promise((resolve) => setImmediate(resolve));
    expect(prepare).toHaveBeenCalledTimes(1);

    const startedAtOnce = execs.create(id, { Cmd: ['true'] });
    await text((await execs.start(startedAtOnce, false))!.output);
    await new Promise((resolve) => setImmediate(resolve));
    expect(prepare.mock.calls.map(([, started]) => started)).toEqual([ahead, startedAtOnce]);
  });

  it('makes a detached start of an exec that asked for stdin anew, without stdin', async () => {
    const { runtime, execs, prepare, execId } = await createdExec({ Cmd: ['sh'], AttachStdin: true });
    expect(await execs.start(execId, true)).toBeUndefined();
    expect(prepare.mock.calls.map(([, , process]) => process.stdin)).toEqual([true, false]);
    expect(runtime.execs.map(([, process]) => process.stdin)).toEqual([false]);
    expect(runtime.preparedExecs.size).toBe(0);
  });

  it('releases a process made ready that no start claims', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    try {
      const { runtime, execs, execId } = await createdExec({ Cmd: ['true'] });
      expect(runtime.preparedExecs).toEqual(new Set([execId]));
      jest.advanceTimersByTime(5000);
      await new Promise((resolve) => setImmediate(resolve));
      expect(runtime.preparedExecs.size).toBe(0);
      // A late start makes it again.
      expect(await text((await execs.start(execId, false))!.output)).toBe('');
      expect(runtime.execs.map(([started]) => started)).toEqual([execId]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('streams only the output the client attached', async () => {
    const { lifecycle, execs } = setup();
    const { id } = await lifecycle.create('box', { Image: 'busybox' });
    await lifecycle.start(id);
    const execId = execs.create(id, { Cmd: ['echo', 'unseen'], AttachStderr: true });
    expect(await text((await execs.start(execId, false))!.output)).toBe('');
  });

  it('ends a TTY exec\'s attachment on the detach keys, the process left running', async () => {
    const { lifecycle, runtime, execs } = setup();
    const { id } = await lifecycle.create('box', { Image: 'busybox' });
    await lifecycle.start(id);
    const execId = execs.create(id, { Cmd: ['sh'], Tty: true, AttachStdin: true, AttachStdout: true });
    const attachment = (await execs.start(execId, false))!;
    const output = attachment.output[Symbol.asyncIterator]();
    expect(Buffer.from((await output.next()).value!.data).toString()).toBe('sh');
    const rest = output.next();
    await attachment.writeStdin(Buffer.from('id\n\x10\x11'));
    expect(await rest).toMatchObject({ done: true });
    expect(runtime.execTasks.get(execId)!.stdinReceived).toEqual(['id\n']);
    expect(execs.inspect(execId)).toMatchObject({ Running: true });
    expect(() => execs.create(id, { Cmd: ['sh'], DetachKeys: 'ctrl-' })).toThrow('Invalid detach keys (ctrl-) provided');
  });
});
