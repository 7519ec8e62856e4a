import { closeSync, constants, openSync, readSync, statSync, writeSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { FifoStock } from './fifo-stock.js';
import { openTaskIo, prepareTaskIo } from './task-io.js';

async function readAll(stream: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk;
  return text;
}

/** Plays the shim: opens its ends of the FIFOs the way containerd-shim does during Tasks.Create. */
function openShimEnds(paths: { stdin: string; stdout: string; stderr: string }) {
  return {
    stdin: openSync(paths.stdin, constants.O_RDONLY | constants.O_NONBLOCK),
    stdout: openSync(paths.stdout, constants.O_WRONLY), // would block if no reader were open yet
    stderr: openSync(paths.stderr, constants.O_WRONLY),
  };
}

describe('prepareTaskIo', () => {
  let root: string;
  let stockRoot: string;
  let stock: FifoStock;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'task-io-'));
    stockRoot = await mkdtemp(join(tmpdir(), 'task-io-stock-'));
    stock = new FifoStock(join(stockRoot, 'stock'), 4);
  });
  // A refill the last test set off would otherwise add FIFOs while the directory is removed.
  afterEach(async () => {
    await stock.idle();
    await Promise.all([root, stockRoot].map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('creates FIFOs whose read ends are open before the shim opens its write ends', async () => {
    const directory = join(root, 'web');
    const io = await prepareTaskIo({ directory, stdin: true }, stock);
    expect(io.paths).toEqual({
      stdin: join(directory, 'init-stdin'),
      stdout: join(directory, 'init-stdout'),
      stderr: join(directory, 'init-stderr'),
      terminal: false,
    });
    expect(statSync(io.paths.stdout).isFIFO()).toBe(true);

    const shim = openShimEnds(io.paths);
    const streams = await io.attach();
    writeSync(shim.stdout, 'hello\n');
    writeSync(shim.stderr, 'oops\n');
    closeSync(shim.stdout);
    closeSync(shim.stderr);
    await new Promise<void>((resolve) => streams.stdin!.end('input', resolve));

    expect(await readAll(streams.stdout)).toBe('hello\n');
    expect(await readAll(streams.stderr!)).toBe('oops\n');
    const received = Buffer.alloc(16);
    expect(received.subarray(0, readSync(shim.stdin, received)).toString()).toBe('input');
    closeSync(shim.stdin);

    await io.dispose();
    await expect(readdir(root)).resolves.toEqual([]);
  });

  it("waits for stdin's reader when the shim has not opened it yet, as after an exec's start", async () => {
    const io = await prepareTaskIo({ directory: root, processId: 'exec-1', stdin: true }, stock);
    // containerd's shim opens stdin's read end in a goroutine that may run after Tasks.Start has returned.
    let shimStdin: number | undefined;
    setTimeout(() => (shimStdin = openSync(io.paths.stdin, constants.O_RDONLY | constants.O_NONBLOCK)), 30);
    const streams = await io.attach();
    await new Promise<void>((resolve) => streams.stdin!.write('late reader', () => resolve()));
    const received = Buffer.alloc(16);
    expect(received.subarray(0, readSync(shimStdin!, received)).toString()).toBe('late reader');
    closeSync(shimStdin!);
    await io.dispose();
  });

  it('has no stderr with a terminal, and no stdin unless asked', async () => {
    const io = await prepareTaskIo({ directory: root, processId: 'exec-1', terminal: true }, stock);
    expect(io.paths).toEqual({ stdin: '', stdout: join(root, 'exec-1-stdout'), stderr: '', terminal: true });
    await io.dispose();
  });

  it('keeps the directory while another process still has FIFOs in it', async () => {
    const init = await prepareTaskIo({ directory: root }, stock);
    const exec = await prepareTaskIo({ directory: root, processId: 'exec-1' }, stock);
    await exec.dispose();
    expect((await readdir(root)).sort()).toEqual(['init-stderr', 'init-stdout']);
    await init.dispose();
    await expect(readdir(root)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('replaces FIFOs left behind by an earlier run', async () => {
    const first = await prepareTaskIo({ directory: root }, stock);
    const second = await prepareTaskIo({ directory: root }, stock);
    await first.dispose();
    await second.dispose();
  });

  it('makes more FIFOs than one batch of its stock holds, each path a FIFO of its own', async () => {
    const ios = await Promise.all(Array.from({ length: 5 }, (_, i) => prepareTaskIo({ directory: join(root, `c${i}`), stdin: true }, stock)));
    const paths = ios.flatMap((io) => [io.paths.stdin, io.paths.stdout, io.paths.stderr]);
    expect(new Set(paths.map((path) => statSync(path).ino)).size).toBe(15);
    for (const path of paths) expect(statSync(path).isFIFO()).toBe(true);
    await Promise.all(ios.map((io) => io.dispose()));
    await expect(readdir(root)).resolves.toEqual([]);
  });
});

describe('openTaskIo', () => {
  let root: string;
  let stock: FifoStock;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'task-io-'));
    stock = new FifoStock(join(root, 'stock'), 4);
  });
  afterEach(async () => {
    await stock.idle();
    await rm(root, { recursive: true, force: true });
  });

  /** The FIFOs of a running process, whose first reader (a service since killed) is gone. */
  async function fifosOfRunningProcess() {
    const directory = join(root, 'web');
    const paths = { stdout: join(directory, 'init-stdout'), stderr: join(directory, 'init-stderr') };
    await mkdir(directory, { recursive: true });
    await stock.make([paths.stdout, paths.stderr]);
    const readers = [paths.stdout, paths.stderr].map((path) => openSync(path, constants.O_RDONLY | constants.O_NONBLOCK));
    const shim = { stdout: openSync(paths.stdout, constants.O_WRONLY), stderr: openSync(paths.stderr, constants.O_WRONLY) };
    for (const fd of readers) closeSync(fd);
    return { directory, shim };
  }

  it('reads what the shim writes after a restart, to the end when its writers close', async () => {
    const { directory, shim } = await fifosOfRunningProcess();
    const streams = await (await openTaskIo({ directory })).attach();
    writeSync(shim.stdout, 'still here\n');
    closeSync(shim.stdout);
    closeSync(shim.stderr);
    expect(await readAll(streams.stdout)).toBe('still here\n');
    expect(await readAll(streams.stderr!)).toBe('');
  });

  it('ends at once when the process exited, its writers closed, before the FIFOs were opened again', async () => {
    const { directory, shim } = await fifosOfRunningProcess();
    closeSync(shim.stdout);
    closeSync(shim.stderr);
    const streams = await (await openTaskIo({ directory })).attach();
    expect(await Promise.all([readAll(streams.stdout), readAll(streams.stderr!)])).toEqual(['', '']);
  });
});
