import { randomBytes } from 'node:crypto';
import { EngineError } from '@flotilla/proto';
import type { ContainerRecord } from './container-record.js';
import { DetachScanner, parseDetachKeys } from './detach-keys.js';
import type { HostFacts } from './host-facts.js';
import type { OutputStreamName } from './output-broadcast.js';
import type { ContainerEventSink, ContainerRuntime, PreparedExec, RunningExec } from './ports.js';
import { resolveUser } from './user-lookup.js';

/** Docker's ExecConfig, as `docker exec` sends it. */
export interface ExecConfig {
  Cmd?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
  Privileged?: boolean;
  Tty?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  DetachKeys?: string;
}

interface ExecSession {
  containerId: string;
  config: ExecConfig;
  started: boolean;
  running: boolean;
  exitCode: number | null;
  pid: number;
  /** Its process, made ready at the create for the start the client sends next. */
  prepared?: Promise<PreparedExec | undefined>;
}

/** How long a process made ready at an exec's create waits for its start (`docker exec` sends it at once). */
const preparedTtlMs = 5000;

/** What an attached exec streams: output until the process exits, stdin while the client sends it. */
export interface ExecAttachment {
  output: AsyncIterable<{ stream: OutputStreamName; data: Uint8Array }>;
  writeStdin(data: Uint8Array): Promise<void>;
  closeStdin(): void;
}

export interface ExecSessionsOptions {
  runtime: Pick<ContainerRuntime, 'prepareExec' | 'resizeExec' | 'readContainerFile'>;
  containers: { inspect(idOrName: string): ContainerRecord; hasTask(id: string): boolean };
  events: ContainerEventSink;
  host: HostFacts;
  warn(obj: object, msg: string): void;
}

/** Both streams as one, each chunk tagged with its stream, until both end. */
async function* merged(sources: [OutputStreamName, AsyncIterable<Uint8Array>][]): AsyncGenerator<{ stream: OutputStreamName; data: Uint8Array }> {
  const iterators = sources.map(([stream, source]) => ({ stream, iterator: source[Symbol.asyncIterator]() }));
  const pending = new Map(iterators.map((entry, i) => [i, entry.iterator.next().then((result) => ({ i, result }))]));
  while (pending.size) {
    const { i, result } = await Promise.race(pending.values());
    if (result.done) {
      pending.delete(i);
      continue;
    }
    pending.set(i, iterators[i].iterator.next().then((next) => ({ i, result: next })));
    yield { stream: iterators[i].stream, data: result.value };
  }
}

/**
 * `docker exec`: processes run in running containers, as dockerd runs them: the container's user,
 * environment and working directory unless the exec says otherwise, exec_create, exec_start and
 * exec_die events, the record kept for inspect until the container is gone.
 */
export class ExecSessions {
  private readonly sessions = new Map<string, ExecSession>();

  constructor(private readonly opts: ExecSessionsOptions) {}

  private find(id: string): ExecSession {
    const session = this.sessions.get(id);
    if (!session) throw EngineError.notFound(`No such exec instance: ${id}`);
    return session;
  }


  private runningContainer(idOrName: string): ContainerRecord {
    const record = this.opts.containers.inspect(idOrName);
    if (record.state.status === 'paused') throw EngineError.conflict(`Container ${record.id} is paused, unpause the container before exec`);
    if (!this.opts.containers.hasTask(record.id)) throw EngineError.conflict(`Container ${record.id} is not running`);
    return record;
  }

  create(containerIdOrName: string, body: unknown): string {
    const config = (body ?? {}) as ExecConfig;
    if (!Array.isArray(config.Cmd) || config.Cmd.length === 0 || !config.Cmd.every((arg) => typeof arg === 'string')) {
      throw EngineError.invalid('No exec command specified');
    }
    parseDetachKeys(config.DetachKeys);
    const record = this.runningContainer(containerIdOrName);
    this.sweep();
    const id = randomBytes(32).toString('hex');
    const session: ExecSession = { containerId: record.id, config, started: false, running: false, exitCode: null, pid: 0 };
    this.sessions.set(id, session);
    // The answer leaves first: the client turns round to start it anyway.
    setImmediate(() => {
      if (!session.started) this.prepareAhead(id, session, record);
    });
    this.opts.events.publish(`exec_create: ${config.Cmd.join(' ')}`, record, { execID: id });
    return id;
  }

  /**
   * Makes the process ready, for an attached start, while the client turns round to start it:
   * its I/O, its user looked up and Tasks.Exec come off the start. One that fails is made again,
   * and its error reported, by the start; one not started in time is released.
   */
  private prepareAhead(id: string, session: ExecSession, record: ContainerRecord): void {
    session.prepared = this.prepare(record, id, session.config, session.config.AttachStdin === true).catch(() => undefined);
    setTimeout(() => void this.takePrepared(session).then((prepared) => prepared?.abort()), preparedTtlMs).unref();
  }

  /** The process made ready ahead, now the caller's; undefined when there is none. */
  private takePrepared(session: ExecSession): Promise<PreparedExec | undefined> {
    const prepared = session.prepared ?? Promise.resolve(undefined);
    session.prepared = undefined;
    return prepared;
  }

  private async prepare(record: ContainerRecord, id: string, config: ExecConfig, withStdin: boolean): Promise<PreparedExec> {
    let user;
    if (config.User) {
      const [passwd, group] = await Promise.all(['/etc/passwd', '/etc/group'].map((path) => this.opts.runtime.readContainerFile(record, path)));
      const resolved = resolveUser(config.User, passwd, group);
      // The primary group leads the list, as for the container's own process.
      user = { ...resolved, additionalGids: [resolved.gid, ...resolved.additionalGids] };
    }
    return this.opts.runtime.prepareExec(record, id, {
      args: config.Cmd!,
      env: config.Env ?? undefined,
      cwd: config.WorkingDir || undefined,
      user,
      capabilities: config.Privileged ? this.opts.host.capabilities : undefined,
      terminal: config.Tty === true,
      stdin: withStdin,
    });
  }

  /** Whether the exec runs on a TTY; it must exist (dockerd checks that much before an attached start takes over the connection). */
  isTty(id: string): boolean {
    return this.find(id).config.Tty === true;
  }

  /**
   * Runs the exec; attached, its output and stdin stream through what is returned. One that
   * cannot run gets exit code 126, as in dockerd.
   */
  async start(id: string, detach: boolean): Promise<ExecAttachment | undefined> {
    const session = this.find(id);
    if (session.started) throw EngineError.conflict(`Error: Exec command ${id} is already running`);
    const record = this.runningContainer(session.containerId);
    session.started = true;
    const { config } = session;
    const tty = config.Tty === true;
    const withStdin = !detach && config.AttachStdin === true;
    let run: RunningExec;
    try {
      let prepared = await this.takePrepared(session);
      // Made ready with the stdin an attached start has: a detached one has none.
      if (prepared && withStdin !== (config.AttachStdin === true)) {
        await prepared.abort();
        prepared = undefined;
      }
      prepared ??= await this.prepare(record, id, config, withStdin);
      run = await prepared.start();
    } catch (err) {
      session.exitCode = 126;
      throw err;
    }
    Object.assign(session, { running: true, pid: run.pid });
    this.opts.events.publish(`exec_start: ${config.Cmd!.join(' ')}`, record, { execID: id });
    const output = merged([
      ['stdout', run.stdout],
      ['stderr', run.stderr],
    ]);
    const exitRecorded = run.exit.then((exit) => Object.assign(session, { running: false, exitCode: exit.exitCode, pid: 0 }));
    void exitRecorded
      .then(() => this.opts.events.publish('exec_die', record, { execID: id, exitCode: String(session.exitCode) }))
      .catch((err) => this.opts.warn({ err, id }, 'exec exit not recorded'));
    const drainAndRelease = async () => {
      // Nobody reads the output any more: drain it so the process never blocks on a full pipe.
      for (let next = await output.next(); !next.done; next = await output.next());
      await run.exit.catch(() => undefined);
      await run.release();
    };
    if (detach) {
      void drainAndRelease();
      return undefined;
    }
    // Streams the client did not attach are read all the same, or the process could block.
    const attached = { stdout: config.AttachStdout === true, stderr: config.AttachStderr === true };
    // As in dockerd, only a TTY's input is watched for the detach keys; detaching leaves the process running.
    const detachScanner = tty && withStdin ? new DetachScanner(parseDetachKeys(config.DetachKeys)) : undefined;
    let endAttachment!: () => void;
    const attachmentEnded = new Promise<undefined>((resolve) => (endAttachment = () => resolve(undefined)));
    return {
      output: (async function* () {
        try {
          for (;;) {
            const next = await Promise.race([output.next(), attachmentEnded]);
            if (!next) return;
            // The client asks for the exit code as soon as the output ends (as from dockerd): it must be known by then.
            if (next.done) {
              await exitRecorded.catch(() => undefined);
              return;
            }
            if (attached[next.value.stream]) yield next.value;
          }
        } finally {
          void drainAndRelease();
        }
      })(),
      writeStdin: async (data) => {
        if (!withStdin || !run.stdin) return;
        const scanned = detachScanner?.feed(data) ?? { forward: data, detached: false };
        if (scanned.forward.length) await run.stdin.write(scanned.forward);
        if (scanned.detached) endAttachment();
      },
      closeStdin: () => {
        if (!withStdin) return;
        // The end of a TTY client's input ends its attachment; a plain one's closes the process's stdin.
        if (tty) endAttachment();
        else run.stdin?.close();
      },
    };
  }

  async resize(id: string, width: number, height: number): Promise<void> {
    const session = this.find(id);
    if (!session.running) throw EngineError.conflict(`Exec ${id} is not running`);
    await this.opts.runtime.resizeExec(session.containerId, id, width, height);
  }

  /** Docker's ExecInspect. */
  inspect(id: string): Record<string, unknown> {
    const { containerId, config, running, exitCode, pid } = this.find(id);
    const [entrypoint, ...args] = config.Cmd ?? [];
    return {
      ID: id,
      Running: running,
      ExitCode: exitCode,
      ProcessConfig: { tty: config.Tty === true, entrypoint, arguments: args, privileged: config.Privileged === true, user: config.User ?? '' },
      OpenStdin: config.AttachStdin === true,
      OpenStderr: config.AttachStderr === true,
      OpenStdout: config.AttachStdout === true,
      CanRemove: false,
      ContainerID: containerId,
      DetachKeys: config.DetachKeys ?? '',
      Pid: pid,
    };
  }

  /** Execs of containers that are gone go with them. */
  private sweep(): void {
    for (const [id, session] of this.sessions) {
      try {
        this.opts.containers.inspect(session.containerId);
      } catch {
        this.sessions.delete(id);
      }
    }
  }
}
