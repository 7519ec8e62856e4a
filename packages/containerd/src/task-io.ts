import { closeSync, constants, mkdirSync, openSync, rmdirSync, unlinkSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import type { FifoStock } from './fifo-stock.js';

export interface TaskIoOptions {
  /** The container's FIFO directory, created if missing (mode 0700). */
  readonly directory: string;
  /** Keeps an exec'd process's FIFOs apart from the init process's ones. Default: `init`. */
  readonly processId?: string;
  readonly stdin?: boolean;
  /** With a terminal, stdout carries everything and there is no stderr FIFO. */
  readonly terminal?: boolean;
}

/** The stdio fields of Tasks.Create / Tasks.Exec; '' means none. */
export interface TaskIoPaths {
  readonly stdin: string;
  readonly stdout: string;
  readonly stderr: string;
  readonly terminal: boolean;
}

export interface TaskStreams {
  /**
   * destroy() closes our end (end() cannot shut a FIFO down); the shim holds its own, so the
   * process reads end of input only after Tasks.CloseIO. Handle its 'error' (EPIPE once the
   * process is gone).
   */
  readonly stdin: Socket | undefined;
  /** Ends when the process has exited and the shim has copied all of its output. */
  readonly stdout: Socket;
  readonly stderr: Socket | undefined;
}

export interface TaskIo {
  readonly paths: TaskIoPaths;
  /** Call once Tasks.Create (or Start, for an exec) has returned: the shim has set up its ends by then. */
  attach(): Promise<TaskStreams>;
  /** Closes every stream and FIFO of this process and removes them (and the directory once empty). */
  dispose(): Promise<void>;
}

/**
 * The shim opens the write ends of stdout/stderr during Tasks.Create and blocks until a reader
 * exists, so the read ends are opened here, non-blocking, before Create. They are wrapped in
 * sockets only in attach(): a FIFO that has never had a writer reads as end-of-file at once.
 */
class FifoTaskIo implements TaskIo {
  private attached = false;
  private streams: TaskStreams | undefined;

  constructor(
    readonly paths: TaskIoPaths,
    private readonly directory: string,
    private readonly readFds: { stdout: number; stderr: number | undefined },
  ) {}

  async attach(): Promise<TaskStreams> {
    if (this.attached) throw new Error('task I/O is already attached');
    this.attached = true;
    const stdinFd = this.paths.stdin ? await openStdinWriter(this.paths.stdin) : undefined;
    const reader = (fd: number) => new Socket({ fd, readable: true, writable: false });
    this.streams = {
      stdin: stdinFd === undefined ? undefined : new Socket({ fd: stdinFd, readable: false, writable: true }),
      stdout: reader(this.readFds.stdout),
      stderr: this.readFds.stderr === undefined ? undefined : reader(this.readFds.stderr),
    };
    return this.streams;
  }

  async dispose(): Promise<void> {
    if (this.streams) {
      for (const stream of [this.streams.stdin, this.streams.stdout, this.streams.stderr]) stream?.destroy();
    } else {
      closeSync(this.readFds.stdout);
      if (this.readFds.stderr !== undefined) closeSync(this.readFds.stderr);
    }
    removeFifos([this.paths.stdin, this.paths.stdout, this.paths.stderr]);
    try {
      rmdirSync(this.directory);
    } catch (err) {
      // Other processes of the container may still have FIFOs here.
      const { code } = err as NodeJS.ErrnoException;
      if (code !== 'ENOTEMPTY' && code !== 'ENOENT') throw err;
    }
  }
}

function fifoPaths(options: TaskIoOptions): TaskIoPaths {
  const prefix = join(options.directory, options.processId ?? 'init');
  return {
    stdin: options.stdin ? `${prefix}-stdin` : '',
    stdout: `${prefix}-stdout`,
    stderr: options.terminal ? '' : `${prefix}-stderr`,
    terminal: options.terminal ?? false,
  };
}

/** Removes the FIFOs that exist of these paths ('' for none), synchronously as they were made. */
function removeFifos(paths: readonly string[]): void {
  for (const path of paths) {
    if (path === '') continue;
    try {
      unlinkSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/** How long stdin's writer waits for the shim's reader: the shim's own limit for setting up a process's I/O. */
const stdinReaderWaitMs = 10_000;

/**
 * Opens the write end of a process's stdin. The shim opens its read end in a goroutine (containerd's
 * fifo package opens a FIFO asked for non-blocking that way), which may not have run yet when
 * Tasks.Start returns, and until it has, there is no reader: a non-blocking open fails with ENXIO
 * (a blocking one would hold Node's only thread). So the open is tried again a little later.
 */
async function openStdinWriter(path: string): Promise<number> {
  const deadline = Date.now() + stdinReaderWaitMs;
  for (let waitMs = 1; ; waitMs = Math.min(waitMs * 2, 50)) {
    try {
      return openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENXIO' || Date.now() >= deadline) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}

/**
 * Synchronous, as the other calls that make a process's I/O: each takes microseconds (a FIFO
 * opened non-blocking does not wait), and they are on the path of every start and exec, where
 * round trips through the thread pool cost milliseconds.
 */
const openReadEnd = (path: string) => openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);

/**
 * Linux tells a FIFO's reader that the writers are gone (EPOLLHUP, hence the end of the stream)
 * only if a writer came and went after that reader opened it. A writer opened and closed here
 * makes it so: the shim's writers, gone already or going later, then end the stream; while they
 * are there, they keep it open.
 */
function markWritersSeen(path: string): void {
  closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
}

function openReadEnds(paths: TaskIoPaths, directory: string, writersOpenedBefore: boolean): TaskIo {
  const opened: number[] = [];
  try {
    const stdout = openReadEnd(paths.stdout);
    opened.push(stdout);
    const stderr = paths.stderr ? openReadEnd(paths.stderr) : undefined;
    if (stderr !== undefined) opened.push(stderr);
    if (writersOpenedBefore) for (const path of [paths.stdout, paths.stderr].filter((p) => p !== '')) markWritersSeen(path);
    return new FifoTaskIo(paths, directory, { stdout, stderr });
  } catch (err) {
    for (const fd of opened) closeSync(fd);
    throw err;
  }
}

/** Creates the FIFOs of one process (leftovers of an earlier run with the same ids are replaced) and opens their read ends. */
export async function prepareTaskIo(options: TaskIoOptions, stock: FifoStock): Promise<TaskIo> {
  const paths = fifoPaths(options);
  const fifos = [paths.stdin, paths.stdout, paths.stderr].filter((path) => path !== '');
  mkdirSync(options.directory, { recursive: true, mode: 0o700 });
  try {
    await stock.make(fifos);
    return openReadEnds(paths, options.directory, false);
  } catch (err) {
    removeFifos(fifos);
    throw err;
  }
}

/**
 * Opens the FIFOs of a process that is already running (after a restart of the service that
 * started it): the shim holds the write ends, or has just closed them because the process
 * exited, so attach() may be called at once.
 */
export async function openTaskIo(options: TaskIoOptions): Promise<TaskIo> {
  return openReadEnds(fifoPaths(options), options.directory, true);
}
