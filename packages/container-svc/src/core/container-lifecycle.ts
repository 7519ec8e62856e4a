import { randomBytes } from 'node:crypto';
import { hostname as hostName } from 'node:os';
import { EventEmitter, once } from 'node:events';
import { EngineError } from '@flotilla/proto';
import { ContainerRegistry } from './container-registry.js';
import { isRunning, type ContainerRecord, type DockerConfig, type EndpointConfig, type HealthStatus } from './container-record.js';
import { HealthMonitor, type ProbeResult } from './health-monitor.js';
import { containerFilter, pruneFilter, type Filters } from './container-filters.js';
import { parseCreateRequest, parseUpdateRequest } from './create-request.js';
import { DetachScanner, parseDetachKeys } from './detach-keys.js';
import { keepsLog, logFileOptions } from './log-config.js';
import { ociResources } from './resources.js';
import { RestartBackoff, restartsAfterExit } from './restart-policy.js';
import { WarmTasks } from './warm-tasks.js';
import { ContainerNetworking } from './container-networking.js';
import { inheritedMounts, type ContainerMounts, type MountPoint } from './container-mounts.js';
import type { VolumesFromRequest } from './mount-requests.js';
import { containerChanges, type FilesystemChange } from './filesystem-changes.js';
import { commandOf, mergeImageConfig } from './image-config-merge.js';
import { KeyedLock, now } from '@flotilla/kit';
import type { HostFacts } from './host-facts.js';
import { buildOciSpec } from './oci-spec.js';
import { resolveUser } from './user-lookup.js';
import { OutputBroadcast, type OutputStreamName, type Subscription } from './output-broadcast.js';
import { parseSignal, SIGKILL, SIGTERM } from './signals.js';
import { generateName, normaliseName } from './container-names.js';
import type {
  ContainerEventSink,
  ContainerFilesStore,
  ContainerLayer,
  ContainerLogs,
  ContainerRuntime,
  CreatedTask,
  ImageResolver,
  LogEntry,
  LogQuery,
  LogSink,
  NetworkAttacher,
  PreparedTask,
  RootfsFiles,
  RunningTask,
  StdinWriter,
  TaskExit,
  TaskOutput,
} from './ports.js';

export interface LifecycleOptions {
  runtime: ContainerRuntime;
  images: ImageResolver;
  network: NetworkAttacher;
  files: ContainerFilesStore;
  /** Volumes, binds and tmpfs mounts of containers. */
  mounts: ContainerMounts;
  logs: ContainerLogs;
  events: ContainerEventSink;
  host: HostFacts;
  /** Where network namespaces of containers are kept (`<dir>/<id>`). */
  netnsDir: string;
  /** cgroup parent of every container (cgroupfs path). */
  cgroupParent: string;
  /** How long to wait for output to drain after the process exited. */
  outputDrainMs?: number;
  warn(obj: object, msg: string): void;
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export interface CommitOptions {
  /** repository[:tag]; empty for an untagged image. */
  reference: string;
  comment: string;
  author: string;
  changes: string[];
  pause: boolean;
  /** Config fields that override the container's. */
  config: DockerConfig;
}

export interface AttachOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** `--detach-keys`; Docker's ctrl-p,ctrl-q when empty. */
  detachKeys?: string;
}

export interface Attachment {
  tty: boolean;
  output: Subscription;
  writeStdin(data: Uint8Array): Promise<void>;
  /** The client closed its input: the container's stdin closes when it is StdinOnce. */
  closeStdin(): void;
}

/** The live parts of a running container, kept apart from its persisted record. */
interface Run {
  task: RunningTask;
  /** Resolves once the exit has been recorded. */
  finished: Promise<void>;
}

const stopTimeoutDefault = 10;
/** A label that makes an unhealthy container restart (`--label flotilla.on-unhealthy=restart`). */
const onUnhealthyLabel = 'flotilla.on-unhealthy';

/**
 * Docker's container lifecycle over the ports: create, start, stop, kill, restart, pause, rename,
 * update, remove, prune, wait and attach, with restart policies and healthchecks. The state
 * every read is answered from is kept in memory.
 */
export class ContainerLifecycle {
  private readonly registry = new ContainerRegistry();
  private readonly broadcast = new OutputBroadcast();
  private readonly runs = new Map<string, Run>();
  /** The last run's log, closed once its output has drained: the next run appends after it. */
  private readonly logsClosed = new Map<string, Promise<void>>();
  /** Stdin that arrived before the task existed, delivered when it starts. */
  private readonly pendingStdin = new Map<string, { chunks: Uint8Array[]; closed: boolean }>();
  /** One operation at a time per container; reads never take the lock. */
  private readonly locks = new KeyedLock();
  /** Containers being stopped by a restart: their exit neither removes them nor applies the policy. */
  private readonly restarting = new Set<string>();
  private readonly warmTasks = new WarmTasks((id) => void this.locks.run(id, () => this.coolDown(id)));
  /** Policy restarts waiting for their back-off. */
  private readonly pendingRestarts = new Map<string, NodeJS.Timeout>();
  private readonly backoff = new RestartBackoff();
  private readonly health: HealthMonitor;
  private readonly closed = new AbortController();
  /** Auto-removed containers whose task, snapshot and containerd record are still being deleted. */
  private readonly runtimeRemovals = new Set<Promise<void>>();
  /** 'exit:<id>' and 'removed:<id>' carry the exit code to waiters. */
  private readonly signals = new EventEmitter().setMaxListeners(0);
  private readonly networking: ContainerNetworking;

  constructor(private readonly opts: LifecycleOptions) {
    this.networking = new ContainerNetworking({ network: opts.network, files: opts.files, netnsDir: opts.netnsDir, warn: opts.warn });
    this.health = new HealthMonitor({
      probe: (record, args, timeoutMs) => this.runProbe(record, args, timeoutMs),
      changed: (record, status) => this.healthChanged(record, status),
    });
    opts.runtime.watchOom((id) => this.recordOom(id), this.closed.signal);
  }

  /** Stops watching for OOM kills (probe timers do not keep the process alive) and finishes removals under way. */
  async close(): Promise<void> {
    this.closed.abort();
    await Promise.all(this.runtimeRemovals);
  }

  /** A healthcheck probe, with the exec events dockerd reports for it. */
  private async runProbe(record: ContainerRecord, args: string[], timeoutMs: number): Promise<ProbeResult> {
    const execId = randomBytes(32).toString('hex');
    const command = args.join(' ');
    this.opts.events.publish(`exec_create: ${command}`, record, { execID: execId });
    this.opts.events.publish(`exec_start: ${command}`, record, { execID: execId });
    const result = await this.opts.runtime.runProbe(record, execId, args, timeoutMs);
    this.opts.events.publish('exec_die', record, { execID: execId, exitCode: String(result.exitCode) });
    return result;
  }

  private healthChanged(record: ContainerRecord, status: HealthStatus): void {
    this.opts.events.publish(`health_status: ${status}`, record);
    void this.persist(record);
    // Beyond dockerd: a container may ask to be restarted when it turns unhealthy.
    if (status === 'unhealthy' && record.config.Labels?.[onUnhealthyLabel] === 'restart') {
      this.restart(record.id, undefined, '').catch((err) => this.opts.warn({ err, id: record.id }, 'restart of an unhealthy container failed'));
    }
  }

  /** The kernel killed a process of the container for memory: its exit will say OOMKilled. */
  private recordOom(id: string): void {
    const record = this.registry.get(id);
    if (!record) return;
    record.state = { ...record.state, oomKilled: true };
    this.opts.events.publish('oom', record);
  }

  /** `docker ps`: newest first; a status filter shows stopped containers without `all`, as in dockerd. */
  async list(all: boolean, limit: number, filters: Filters = {}): Promise<ContainerRecord[]> {
    const matches = await containerFilter(filters, {
      find: (ref) => this.registry.find(ref),
      imageIdOf: (ref) => this.opts.images.resolve(ref).then((image) => image.id, () => undefined),
    });
    const everything = all || (filters.status?.length ?? 0) > 0;
    const records = this.registry
      .list()
      .filter((r) => (everything || isRunning(r.state)) && matches(r))
      .sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
    return limit > 0 ? records.slice(0, limit) : records;
  }

  inspect(idOrName: string): ContainerRecord {
    return this.registry.find(idOrName);
  }

  /** What `docker ps -s` shows: the container's own layer, and that plus its image. */
  async sizes(records: ContainerRecord[]): Promise<Map<string, { rw: number; rootFs: number }>> {
    const imageSizes = new Map<string, Promise<number>>();
    const imageSize = (id: string) => {
      if (!imageSizes.has(id)) imageSizes.set(id, this.opts.images.resolve(id).then((image) => image.size, () => 0));
      return imageSizes.get(id)!;
    };
    const entries = await Promise.all(
      records.map(async (record) => {
        const [rw, image] = await Promise.all([this.opts.runtime.usage(record), imageSize(record.imageId)]);
        return [record.id, { rw, rootFs: rw + image }] as const;
      }),
    );
    return new Map(entries);
  }

  async create(requestedName: string, body: unknown): Promise<{ id: string; warnings: string[] }> {
    const request = parseCreateRequest(body, this.opts.host);
    const { hostConfig } = request;
    const id = randomBytes(32).toString('hex');
    const name = requestedName ? normaliseName(requestedName) : generateName((n) => this.registry.isNameTaken(n));
    // --network container:X shares X's namespace and its /etc files, as dockerd does.
    const joined = this.joinedContainer(String(hostConfig.NetworkMode));
    if (joined) hostConfig.NetworkMode = `container:${joined.id}`;
    const hostNetwork = hostConfig.NetworkMode === 'host' || joined?.hostConfig.NetworkMode === 'host';
    const inherited = this.volumesFrom(request.volumesFrom);
    this.registry.reserveName(name, id);
    const hostname = joined?.config.Hostname ?? (request.config.Hostname || (hostNetwork || hostConfig.UTSMode === 'host' ? hostName() : id.slice(0, 12)));
    try {
      // The container's /etc files do not depend on the image: write them while it is resolved.
      const [image, files, devices, networks] = await Promise.all([
        this.opts.images.resolve(request.config.Image!),
        joined
          ? this.opts.files.paths(joined.id)
          : this.opts.files.write(id, {
              hostname,
              domainname: request.config.Domainname || undefined,
              hostNetwork,
              extraHosts: hostConfig.ExtraHosts ?? [],
              dns: { servers: hostConfig.Dns ?? [], search: hostConfig.DnsSearch ?? [], options: hostConfig.DnsOptions ?? [] },
            }),
        hostConfig.Privileged ? this.opts.host.devices() : [],
        this.networking.resolveNetworks(request.networks),
      ]).catch(async (err) => {
        await this.opts.files.remove(id);
        throw err;
      });
      const claimed = await this.opts.mounts.claim(id, request.mounts, inherited).catch(async (err) => {
        await this.opts.files.remove(id);
        throw err;
      });
      const config = { ...mergeImageConfig(request.config, image.config), Hostname: hostname };
      const { path, args } = commandOf(config);
      const record: ContainerRecord = {
        id,
        name,
        created: now(),
        image: request.config.Image!,
        imageId: image.id,
        config,
        hostConfig,
        path,
        args,
        snapshotter: image.snapshotter,
        restartCount: 0,
        state: { status: 'created', pid: 0, exitCode: 0, error: '', oomKilled: false },
        networks,
        mounts: claimed.mounts,
      };
      // The user is looked up in the container's own /etc/passwd and /etc/group, as runc does.
      const specFor = async (rootfs: RootfsFiles) => {
        const [passwd, group] = await Promise.all([rootfs('/etc/passwd'), rootfs('/etc/group')]);
        const user = resolveUser(config.User, passwd, group, hostConfig.GroupAdd ?? []);
        const netnsPath = hostNetwork ? undefined : this.networking.netnsPath(joined?.id ?? id);
        return buildOciSpec({ id, config, hostConfig, path, args, hostname, netnsPath, cgroupParent: this.opts.cgroupParent, files, user, host: this.opts.host, devices, mounts: claimed.mounts });
      };
      try {
        await this.opts.runtime.create(record, image, specFor);
      } catch (err) {
        await Promise.all([this.opts.files.remove(id), this.opts.mounts.release(id, claimed.mounts, true)]);
        throw err;
      }
      try {
        // As dockerd: a new (or empty) volume starts with what the image has at its destination.
        for (const mount of claimed.populate) await this.opts.runtime.copyImageContent(record, mount.destination, mount.source);
      } catch (err) {
        await Promise.all([this.opts.runtime.remove(record), this.opts.files.remove(id), this.opts.mounts.release(id, claimed.mounts, true)]);
        throw err;
      }
      this.registry.put(record);
      this.opts.events.publish('create', record);
      this.warmUp(record);
      return { id, warnings: request.warnings };
    } catch (err) {
      this.registry.releaseName(name, id);
      throw err;
    }
  }

  /** The mounts `--volumes-from` copies from other containers. */
  private volumesFrom(requests: readonly VolumesFromRequest[]): MountPoint[] {
    return requests.flatMap(({ container, readOnly }) => inheritedMounts(this.registry.find(container).mounts ?? [], readOnly));
  }

  /** The container a `container:<name or ID>` network mode joins. */
  private joinedContainer(networkMode: string): ContainerRecord | undefined {
    if (!networkMode.startsWith('container:')) return undefined;
    return this.registry.find(networkMode.slice('container:'.length));
  }

  async start(idOrName: string): Promise<void> {
    const { id } = this.registry.find(idOrName);
    await this.locks.run(id, async () => {
      const record = this.registry.find(id);
      // A user's start does not wait for a pending policy restart.
      this.cancelRestart(record);
      if (record.state.status === 'paused') throw EngineError.conflict('cannot start a paused container, try unpause instead');
      if (isRunning(record.state) && record.state.status !== 'restarting') throw EngineError.notModified();
      if (record.state.status === 'removing' || record.state.status === 'dead') {
        throw EngineError.conflict(`container ${id} is marked for removal and cannot be started`);
      }
      let task: RunningTask;
      try {
        const created = (await this.warmTasks.take(id)) ?? (await this.createTask(record));
        task = await created.start().catch(async (err) => {
          await this.releaseRun(record);
          throw err;
        });
      } catch (err) {
        await this.recordStartFailure(record, EngineError.from(err));
        throw err;
      }
      record.state = { status: 'running', pid: task.pid, exitCode: 0, error: '', startedAt: now(), finishedAt: record.state.finishedAt, oomKilled: false };
      record.manuallyStopped = false;
      this.track(record, task);
      this.health.start(record);
      this.opts.mounts.publishMounted(id, record.mounts ?? []);
      this.opts.events.publish('start', record);
      void this.persist(record);
    });
  }

  /** Releases what a run (or a task created for one) holds: its network namespace and its volumes' filesystems. */
  private async releaseRun(record: ContainerRecord): Promise<void> {
    await Promise.all([
      this.networking.detach(record),
      this.opts.mounts.unmount(record.id, record.mounts ?? []).catch((err) => this.opts.warn({ err, id: record.id }, 'volumes not unmounted')),
    ]);
  }

  /** The network namespace and the task, created and not started; nothing is left when it fails. */
  private async createTask(record: ContainerRecord): Promise<CreatedTask> {
    const joined = this.joinedContainer(String(record.hostConfig.NetworkMode));
    if (joined && !this.runs.has(joined.id)) throw EngineError.conflict(`cannot join network of a non running container: ${joined.id}`);
    // The namespace, the volumes and the task's I/O and mounts do not depend on each other.
    const [namespace, prepared, volumes] = await Promise.allSettled([
      this.networking.prepare(record),
      this.opts.runtime.prepareTask(record),
      this.opts.mounts.mount(record.id, record.mounts ?? []),
    ]);
    const failed = [namespace, prepared, volumes].find((result) => result.status === 'rejected');
    if (failed) {
      if (prepared.status === 'fulfilled') await prepared.value.abort();
      await this.releaseRun(record);
      throw failed.reason;
    }
    // The interfaces are added while runc creates the task in the namespace (the CNI plugins
    // take about 30 ms, runc's create longer); its process only runs once both are done.
    const attachLeft = (namespace as PromiseFulfilledResult<boolean>).value;
    const [network, created] = await Promise.allSettled([
      attachLeft ? this.networking.attach(record) : undefined,
      (prepared as PromiseFulfilledResult<PreparedTask>).value.create(),
    ]);
    if (network.status === 'rejected' || created.status === 'rejected') {
      if (created.status === 'fulfilled') await created.value.abort();
      await this.releaseRun(record);
      throw network.status === 'rejected' ? network.reason : (created as PromiseRejectedResult).reason;
    }
    return created.value;
  }

  /** Creates the task of a container just created, for its start to claim (see WarmTasks). */
  private warmUp(record: ContainerRecord): void {
    this.warmTasks.add(record.id, async () => {
      // The create's answer leaves first: the start it waits for comes after that answer anyway.
      await new Promise((resolve) => setImmediate(resolve));
      return this.createTask(record).catch((err) => {
        this.opts.warn({ err, id: record.id }, 'task not created ahead of the start');
        return undefined;
      });
    });
  }

  /** Deletes a task created ahead of a start that did not come (or whose config changed). */
  private async coolDown(id: string): Promise<void> {
    const created = await this.warmTasks.take(id);
    if (!created) return;
    await created.abort();
    const record = this.registry.get(id);
    if (record) await this.releaseRun(record);
  }

  /**
   * A start that failed ends the run it was to begin, as dockerd does: attached clients and
   * waiters are released with exit code 127 (command not found), 126 (not executable) or 128.
   */
  private async recordStartFailure(record: ContainerRecord, err: EngineError): Promise<void> {
    const exitCode = /executable file not found|no such file or directory/.test(err.message) ? 127 : /permission denied/.test(err.message) ? 126 : 128;
    record.state = { ...record.state, status: 'exited', pid: 0, exitCode, error: err.message, finishedAt: now() };
    this.broadcast.endRun(record.id);
    this.signals.emit(`exit:${record.id}`, exitCode);
    if (record.hostConfig.AutoRemove) {
      await this.removeStopped(record, true).catch((removeErr) => this.opts.warn({ err: removeErr, id: record.id }, 'auto-remove failed'));
    } else {
      await this.persist(record);
    }
  }

  /** Follows a running task: pumps its output to attached clients and the log, and records its exit. */
  private track(record: ContainerRecord, task: RunningTask): void {
    const log = this.openLog(record, this.logsClosed.get(record.id));
    const pumps = Promise.all([this.pump(record.id, 'stdout', task.stdout, log), this.pump(record.id, 'stderr', task.stderr, log)]);
    const pending = this.pendingStdin.get(record.id);
    if (pending && task.stdin) {
      this.pendingStdin.delete(record.id);
      void (async () => {
        for (const chunk of pending.chunks) await task.stdin!.write(chunk);
        if (pending.closed) task.stdin!.close();
      })().catch(() => undefined);
    }
    const finished = task.exit.then(async (exit) => {
      // Output written just before the exit is still in the pipes: let it through first.
      await Promise.race([pumps, delay(this.opts.outputDrainMs ?? 2000)]);
      await this.recordExit(record.id, exit);
    });
    this.runs.set(record.id, { task, finished });
    // Followers of the log end once the exit is recorded: what they look at next is the stopped container.
    const logClosed = Promise.all([pumps, finished]).then(async () => (await log)?.close());
    this.logsClosed.set(record.id, logClosed.catch((err) => this.opts.warn({ err, id: record.id }, 'log not closed')));
  }

  /** The log this run writes to; none with `--log-driver none`, or when it cannot be opened. */
  private async openLog(record: ContainerRecord, previousClosed: Promise<void> | undefined): Promise<LogSink | undefined> {
    const options = logFileOptions(record.hostConfig.LogConfig, record.config);
    if (!options) return undefined;
    await previousClosed;
    return this.opts.logs.open(record.id, options).catch((err) => {
      this.opts.warn({ err, id: record.id }, 'output not logged: the log could not be opened');
      return undefined;
    });
  }

  private async pump(id: string, stream: OutputStreamName, source: TaskOutput, log: Promise<LogSink | undefined>): Promise<void> {
    try {
      const sink = await log;
      await source.drain((data) => {
        // The log first: a chunk is in the file before this service does anything else, so a
        // kill of it loses no output the container wrote.
        const logged = sink?.write(stream, data);
        // Attached clients and the log each hold the pipe back until they have taken the chunk.
        const delivered = this.broadcast.publish(id, { stream, data });
        return logged && delivered ? Promise.all([logged, delivered]).then(() => undefined) : (logged ?? delivered);
      });
    } catch (err) {
      this.opts.warn({ err, id, stream }, 'output stream failed');
    }
  }

  /** `docker logs`: the container's log, and with `follow` what its current run writes next. */
  logs(idOrName: string, query: LogQuery): { tty: boolean; entries: AsyncIterable<LogEntry[]> } {
    const record = this.registry.find(idOrName);
    if (!keepsLog(record.hostConfig.LogConfig)) throw EngineError.notImplemented('configured logging driver does not support reading');
    return { tty: record.config.Tty === true, entries: this.opts.logs.read(record.id, query) };
  }

  /** Inspect's LogPath: empty with the none driver. */
  logPath(idOrName: string): string {
    const record = this.registry.find(idOrName);
    return keepsLog(record.hostConfig.LogConfig) ? this.opts.logs.path(record.id) : '';
  }

  /** Inspect's SandboxKey: the network namespace the container runs in, empty when it does not run. */
  sandboxKey(idOrName: string): string {
    const record = this.registry.find(idOrName);
    const mode = String(record.hostConfig.NetworkMode);
    if (!this.runs.has(record.id) || mode === 'host') return '';
    const owner = mode.startsWith('container:') ? this.registry.get(mode.slice('container:'.length)) : record;
    return owner ? this.networking.netnsPath(owner.id) : '';
  }

  private async recordExit(id: string, exit: TaskExit): Promise<void> {
    const record = this.registry.get(id);
    const autoRemove = record?.hostConfig.AutoRemove === true && !this.restarting.has(id);
    const taskDeleted = this.opts.runtime.deleteTask(id).catch((err) => this.opts.warn({ err, id }, 'task not deleted'));
    // An --rm container is not started again, so nothing waits for its task (containerd's
    // shim cleanup, about 30 ms) but the removal of its record in containerd, and its image,
    // files and log go while its network does.
    const remainsReleased = autoRemove && record ? this.releaseRemains(record, taskDeleted) : undefined;
    await Promise.all([autoRemove ? undefined : taskDeleted, record && this.releaseRun(record), remainsReleased]);
    if (record) {
      this.health.stop(record);
      record.state = { ...record.state, status: 'exited', pid: 0, exitCode: exit.exitCode, finishedAt: exit.exitedAt };
    }
    // Only now is the run over: stop and kill wait for this point, and a client that sees its
    // attach stream end finds the container exited.
    this.runs.delete(id);
    this.broadcast.endRun(id);
    if (!record) return;
    this.opts.events.publish('die', record, { exitCode: String(exit.exitCode) });
    this.opts.mounts.publishUnmounted(id, record.mounts ?? []);
    this.signals.emit(`exit:${id}`, exit.exitCode);
    if (autoRemove) {
      await this.locks.run(id, () => this.removeStopped(record, true, remainsReleased)).catch((err) => this.opts.warn({ err, id }, 'auto-remove failed'));
    } else if (!this.restarting.has(id) && restartsAfterExit(record, exit.exitCode)) {
      const ranForMs = Date.parse(exit.exitedAt) - Date.parse(record.state.startedAt ?? exit.exitedAt);
      await this.scheduleRestart(record, this.backoff.next(id, ranForMs));
    } else {
      await this.persist(record);
    }
  }

  /** The restart policy's start, after the back-off; `docker ps` shows the container restarting meanwhile. */
  private async scheduleRestart(record: ContainerRecord, delayMs: number): Promise<void> {
    const id = record.id;
    record.state = { ...record.state, status: 'restarting' };
    // Pending from this moment: a stop that comes while the state is saved cancels it.
    const timer = setTimeout(() => {
      this.pendingRestarts.delete(id);
      record.restartCount++;
      this.start(id).catch((err) => this.opts.warn({ err, id }, 'restart by policy failed'));
    }, delayMs);
    this.pendingRestarts.set(id, timer);
    await this.persist(record);
  }

  /** Stops a pending policy restart; the container is left exited. */
  private cancelRestart(record: ContainerRecord): boolean {
    const timer = this.pendingRestarts.get(record.id);
    if (!timer) return false;
    clearTimeout(timer);
    this.pendingRestarts.delete(record.id);
    record.state = { ...record.state, status: 'exited' };
    return true;
  }

  /** Resolves when the current run has been recorded as exited, or after `timeoutMs`. */
  private async waitForExit(id: string, timeoutMs?: number): Promise<boolean> {
    const run = this.runs.get(id);
    if (!run) return true;
    if (timeoutMs === undefined) {
      await run.finished;
      return true;
    }
    return Promise.race([run.finished.then(() => true), delay(timeoutMs).then(() => false)]);
  }

  async stop(idOrName: string, timeoutSeconds: number | undefined, signal: string): Promise<void> {
    const { id } = this.registry.find(idOrName);
    const record = this.registry.find(id);
    // A policy start under way is let finish, and what it started is stopped.
    if (record.state.status === 'restarting' && !this.pendingRestarts.has(id)) await this.locks.run(id, async () => undefined);
    if (this.cancelRestart(record)) {
      record.manuallyStopped = true;
      await this.persist(record);
      this.opts.events.publish('stop', record);
      return;
    }
    if (!isRunning(record.state) || !this.runs.has(id)) throw EngineError.notModified();
    record.manuallyStopped = true;
    const stopSignal = parseSignal(signal || record.config.StopSignal || String(SIGTERM));
    const timeout = timeoutSeconds ?? record.config.StopTimeout ?? stopTimeoutDefault;
    // dockerd reports each signal of a stop as a kill event.
    this.opts.events.publish('kill', record, { signal: String(stopSignal) });
    await this.opts.runtime.signal(id, stopSignal).catch((err) => this.opts.warn({ err, id }, 'stop signal not delivered'));
    const exited = await this.waitForExit(id, timeout < 0 ? undefined : timeout * 1000);
    if (!exited) {
      this.opts.events.publish('kill', record, { signal: String(SIGKILL) });
      await this.killNow(record);
      await this.waitForExit(id);
    }
    this.opts.events.publish('stop', record);
  }

  /** SIGKILL; a paused container is thawed too, or its frozen processes could not die. */
  private async killNow(record: ContainerRecord): Promise<void> {
    const paused = record.state.status === 'paused';
    await this.opts.runtime.signal(record.id, SIGKILL);
    if (paused) await this.opts.runtime.resume(record.id).catch(() => undefined);
  }

  async kill(idOrName: string, signal: string): Promise<void> {
    const record = this.registry.find(idOrName);
    const number = parseSignal(signal || 'SIGKILL');
    if (!isRunning(record.state) || !this.runs.has(record.id)) throw EngineError.conflict(`Container ${record.id} is not running`);
    if (number === SIGKILL) await this.killNow(record);
    else await this.opts.runtime.signal(record.id, number);
    this.opts.events.publish('kill', record, { signal: String(number) });
    if (number === SIGKILL) await this.waitForExit(record.id);
  }

  /** `docker rm`; `removeVolumes` (-v) removes its anonymous volumes too. */
  async remove(idOrName: string, force: boolean, removeVolumes = false): Promise<void> {
    const { id } = this.registry.find(idOrName);
    // A start (the user's, a restart policy's or a healthcheck's) may take the lock first: what it
    // started is killed too, or the removal refused, so no task is ever left without its container.
    for (;;) {
      const record = this.registry.get(id);
      // Auto-removal may have won the race.
      if (!record) return;
      if (record.state.status === 'restarting' && this.pendingRestarts.has(id)) {
        if (!force) throw EngineError.conflict(`You cannot remove a restarting container ${id}. Stop the container before attempting removal or force remove`);
        this.cancelRestart(record);
      }
      if (isRunning(record.state)) {
        if (!force) throw EngineError.conflict(`You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`);
        if (this.runs.has(id)) {
          this.opts.events.publish('kill', record, { signal: String(SIGKILL) });
          await this.killNow(record).catch((err) => this.opts.warn({ err, id }, 'kill failed'));
          await this.waitForExit(id);
        }
      }
      const removed = await this.locks.run(id, async () => {
        const current = this.registry.get(id);
        if (current && (this.runs.has(id) || this.pendingRestarts.has(id))) return false;
        if (current) await this.removeStopped(current, removeVolumes);
        return true;
      });
      if (removed) return;
    }
  }

  /**
   * Removes a container that does not run. An auto-removal passes its remains already being
   * released (see recordExit).
   */
  private async removeStopped(record: ContainerRecord, removeVolumes: boolean, remainsReleased?: Promise<void>): Promise<void> {
    if (!this.registry.get(record.id)) return;
    record.state = { ...record.state, status: 'removing' };
    await this.coolDown(record.id);
    await (remainsReleased ?? this.releaseRemains(record));
    await this.opts.mounts.release(record.id, record.mounts ?? [], removeVolumes);
    this.registry.delete(record.id);
    this.logsClosed.delete(record.id);
    this.backoff.forget(record.id);
    this.pendingStdin.delete(record.id);
    this.broadcast.endRun(record.id);
    this.opts.events.publish('destroy', record);
    this.signals.emit(`removed:${record.id}`, record.state.exitCode);
  }

  /**
   * What a removal frees besides volumes and network: the container in containerd, its files and
   * its log. An auto-removal passes the deletion of its task still under way: the container is
   * gone for clients at once, its snapshot and containerd record go once the task has (a restart
   * of this service removes them if it comes first).
   */
  private async releaseRemains(record: ContainerRecord, taskDeleted?: Promise<void>): Promise<void> {
    await Promise.all([
      taskDeleted ? this.removeAfterTask(record, taskDeleted) : this.opts.runtime.remove(record),
      this.opts.files.remove(record.id).catch((err) => this.opts.warn({ err, id: record.id }, 'files not removed')),
      this.opts.logs.remove(record.id).catch((err) => this.opts.warn({ err, id: record.id }, 'log not removed')),
    ]);
  }

  /** Frees the image at once (a `docker rmi` right after `docker run --rm` succeeds); the snapshot and record go once the task has. */
  private async removeAfterTask(record: ContainerRecord, taskDeleted: Promise<void>): Promise<void> {
    const removal = taskDeleted
      .then(() => this.opts.runtime.remove(record))
      .catch((err) => this.opts.warn({ err, id: record.id }, 'container not removed from containerd'))
      .finally(() => this.runtimeRemovals.delete(removal));
    this.runtimeRemovals.add(removal);
    await this.opts.runtime.releaseImage(record.id);
  }

  /**
   * Registers a wait and returns the promise of its exit code. Registration is synchronous, so
   * a client that waits before it starts never misses the exit.
   */
  wait(idOrName: string, condition: WaitCondition, signal?: AbortSignal): Promise<number> {
    const record = this.registry.find(idOrName);
    if (condition === 'not-running' && !isRunning(record.state)) return Promise.resolve(record.state.exitCode);
    const event = condition === 'removed' ? `removed:${record.id}` : `exit:${record.id}`;
    return once(this.signals, event, { signal }).then(([exitCode]) => exitCode as number);
  }

  /** Stops the container if it runs (as stop does) and starts it again. */
  async restart(idOrName: string, timeoutSeconds: number | undefined, signal: string): Promise<void> {
    const record = this.registry.find(idOrName);
    // Stopping for a restart is not the end of an --rm container.
    this.restarting.add(record.id);
    try {
      if (isRunning(record.state)) await this.stop(record.id, timeoutSeconds, signal).catch((err) => {
        if (!EngineError.is(err, 'not-modified')) throw err;
      });
    } finally {
      this.restarting.delete(record.id);
    }
    await this.start(record.id);
    this.opts.events.publish('restart', record);
  }

  async pause(idOrName: string): Promise<void> {
    const { id } = this.registry.find(idOrName);
    await this.locks.run(id, async () => {
      const record = this.registry.find(id);
      if (record.state.status === 'paused') throw EngineError.conflict(`Container ${id} is already paused`);
      if (record.state.status !== 'running') throw EngineError.conflict(`Container ${id} is not running`);
      await this.opts.runtime.pause(id);
      record.state = { ...record.state, status: 'paused' };
      this.opts.events.publish('pause', record);
      await this.persist(record);
    });
  }

  async unpause(idOrName: string): Promise<void> {
    const { id } = this.registry.find(idOrName);
    await this.locks.run(id, async () => {
      const record = this.registry.find(id);
      if (record.state.status !== 'paused') throw EngineError.conflict(`Container ${id} is not paused`);
      await this.opts.runtime.resume(id);
      record.state = { ...record.state, status: 'running' };
      this.opts.events.publish('unpause', record);
      await this.persist(record);
    });
  }

  async rename(idOrName: string, newName: string): Promise<void> {
    if (!idOrName || !newName) throw EngineError.invalid('Neither old nor new names may be empty');
    const record = this.registry.find(idOrName);
    const oldName = record.name;
    try {
      const name = normaliseName(newName);
      if (name === oldName) throw EngineError.invalid('Renaming a container with the same name as its current name');
      this.registry.rename(record, name);
    } catch (err) {
      if (err instanceof EngineError && err.message.startsWith('Renaming')) throw err;
      throw new EngineError(EngineError.from(err).kind, `Error when allocating new name: ${(err as Error).message}`);
    }
    this.opts.events.publish('rename', record, { oldName: `/${oldName}` });
    await this.persist(record);
  }

  /** `docker update`: new limits and restart policy, applied to a running container at once. */
  async update(idOrName: string, body: unknown): Promise<string[]> {
    const { id } = this.registry.find(idOrName);
    return this.locks.run(id, async () => {
      const record = this.registry.find(id);
      const { hostConfig, warnings } = parseUpdateRequest(body, record.hostConfig, this.opts.host);
      record.hostConfig = hostConfig;
      // A task created ahead of the start has the old limits.
      await this.coolDown(id);
      await this.opts.runtime.updateResources(record, ociResources(hostConfig), isRunning(record.state));
      this.opts.events.publish('update', record);
      return warnings;
    });
  }

  /** Removes stopped containers matching the filters; their writable layers are what is reclaimed. */
  async prune(filters: Filters): Promise<{ deleted: string[]; spaceReclaimed: number }> {
    const matches = pruneFilter(filters, new Date());
    const deleted: string[] = [];
    let spaceReclaimed = 0;
    for (const record of this.registry.list()) {
      if (isRunning(record.state) || record.state.status === 'removing' || !matches(record)) continue;
      const size = await this.opts.runtime.usage(record).catch(() => 0);
      try {
        await this.remove(record.id, false);
      } catch (err) {
        // Started or removed meanwhile: not this prune's to take.
        this.opts.warn({ err, id: record.id }, 'not pruned');
        continue;
      }
      deleted.push(record.id);
      spaceReclaimed += size;
    }
    this.opts.events.publishPrune(spaceReclaimed);
    return { deleted, spaceReclaimed };
  }

  /**
   * Runs `use` on the container's filesystem as its processes see it, volumes and binds
   * included: a running container's through its process, a stopped one's mounted for the time
   * of `use` (a start waits until it is done).
   */
  async withFilesystem<T>(idOrName: string, use: (root: string, record: ContainerRecord) => Promise<T>): Promise<T> {
    const { id } = this.registry.find(idOrName);
    const live = this.runs.get(id);
    if (live) return use(`/proc/${live.task.pid}/root`, this.registry.find(id));
    return this.locks.run(id, async () => {
      const record = this.registry.find(id);
      const run = this.runs.get(id);
      if (run) return use(`/proc/${run.task.pid}/root`, record);
      // A task created ahead of the start has the filesystem mounted already, in its namespace.
      const warm = await this.warmTasks.peek(id);
      if (warm) return use(`/proc/${warm.pid}/root`, record);
      return this.opts.runtime.withFilesystem(record, (root) => use(root, record));
    });
  }

  /**
   * `docker commit`: the container's layer over its image becomes a new image (the container's
   * config with `changes`); a running container is paused meanwhile unless asked not to be.
   */
  async commit(idOrName: string, options: CommitOptions): Promise<string> {
    const record = this.registry.find(idOrName);
    const image = await this.opts.images.resolve(record.imageId);
    const pause = options.pause && record.state.status === 'running';
    if (pause) await this.pause(record.id);
    let layer: ContainerLayer;
    try {
      layer = await this.opts.runtime.writeLayer(record, image.chainId);
    } finally {
      if (pause) await this.unpause(record.id);
    }
    try {
      const imageId = await this.opts.images.commit({
        parent: record.imageId,
        layer,
        config: { ...record.config, ...options.config },
        changes: options.changes,
        author: options.author,
        comment: options.comment,
        reference: options.reference,
        createdBy: [record.path, ...record.args].join(' '),
      });
      this.opts.events.publish('commit', record, { comment: options.comment, imageID: imageId, imageRef: options.reference });
      return imageId;
    } finally {
      await layer.release();
    }
  }

  /** `docker diff`: the container's own changes, without the mount points the engine made in its layer. */
  async changes(idOrName: string): Promise<FilesystemChange[]> {
    return containerChanges(await this.opts.runtime.changes(this.registry.find(idOrName)));
  }

  /** Runs `use` on the container's root filesystem alone (no volumes), read-only: `docker export`. */
  withRootfs<T>(idOrName: string, use: (root: string) => Promise<T>): Promise<T> {
    return this.opts.runtime.withReadOnlyRootfs(this.registry.find(idOrName), use);
  }

  /** Whether the container's process runs (or is paused): it has a task this service follows. */
  hasTask(id: string): boolean {
    return this.runs.has(id);
  }

  private persist(record: ContainerRecord): Promise<void> {
    return this.opts.runtime.persist(record).catch((err) => this.opts.warn({ err, id: record.id }, 'state not saved'));
  }

  /** `docker network connect`: the network joins the container's; a running container gets its interface now. */
  async connectNetwork(idOrName: string, network: string, endpoint: EndpointConfig): Promise<void> {
    const { id } = this.registry.find(idOrName);
    await this.locks.run(id, async () => {
      const record = this.registry.find(id);
      await this.networking.connect(record, network, endpoint, this.runs.has(id));
      await this.persist(record);
    });
  }

  async disconnectNetwork(idOrName: string, network: string): Promise<void> {
    const { id } = this.registry.find(idOrName);
    await this.locks.run(id, async () => {
      const record = this.registry.find(id);
      await this.networking.disconnect(record, network, this.runs.has(id));
      await this.persist(record);
    });
  }

  /** The container an attach would attach to, after dockerd's checks of the attach. */
  attachable(idOrName: string, options: AttachOptions): ContainerRecord {
    parseDetachKeys(options.detachKeys);
    const record = this.registry.find(idOrName);
    if (record.state.status === 'paused') throw EngineError.conflict(`container ${idOrName} is paused, unpause the container before attach`);
    if (record.state.status === 'restarting') throw EngineError.conflict(`container ${idOrName} is restarting, wait until the container is running`);
    return record;
  }

  attach(idOrName: string, options: AttachOptions): Attachment {
    const record = this.attachable(idOrName, options);
    const id = record.id;
    const tty = record.config.Tty === true;
    const useStdin = options.stdin && record.config.OpenStdin === true;
    // As in dockerd, only a TTY's input is watched for the detach keys.
    const detachScanner = tty && useStdin ? new DetachScanner(parseDetachKeys(options.detachKeys)) : undefined;
    const wanted: OutputStreamName[] = [];
    if (options.stdout) wanted.push('stdout');
    if (options.stderr) wanted.push('stderr');
    const output = this.broadcast.subscribe(id, wanted);
    const stdinOf = (): StdinWriter | undefined => this.runs.get(id)?.task.stdin;
    const write = async (data: Uint8Array) => {
      const stdin = stdinOf();
      if (stdin) return stdin.write(data);
      const pending = this.pendingStdin.get(id) ?? { chunks: [], closed: false };
      pending.chunks.push(data);
      this.pendingStdin.set(id, pending);
    };
    this.opts.events.publish('attach', record);
    return {
      tty,
      output,
      writeStdin: async (data) => {
        if (!useStdin) return;
        const scanned = detachScanner?.feed(data) ?? { forward: data, detached: false };
        if (scanned.forward.length) await write(scanned.forward);
        if (scanned.detached) {
          output.close();
          this.opts.events.publish('detach', record);
        }
      },
      closeStdin: () => {
        if (!useStdin) return;
        // As dockerd: the end of the client's input closes the container's stdin only for a
        // non-TTY StdinOnce container (`docker run -i`); otherwise it ends this attachment.
        if (tty || !record.config.StdinOnce) return output.close();
        const stdin = stdinOf();
        if (stdin) stdin.close();
        else this.pendingStdin.set(id, { chunks: this.pendingStdin.get(id)?.chunks ?? [], closed: true });
      },
    };
  }

  async resize(idOrName: string, width: number, height: number): Promise<void> {
    const record = this.registry.find(idOrName);
    if (!this.runs.has(record.id)) throw EngineError.conflict(`Container ${record.id} is not running`);
    await this.opts.runtime.resizeTty(record.id, width, height);
  }

  /** Rebuilds the model from the store: running tasks are followed again, exits that happened meanwhile recorded. */
  async recover(): Promise<void> {
    for (const { record, task } of await this.opts.runtime.recover()) {
      this.registry.put(record);
      // A task left (even an exited one) had the volumes' filesystems mounted.
      this.opts.mounts.restore(record.id, record.mounts ?? [], task !== undefined);
      if (task?.status === 'running' || task?.status === 'paused') {
        record.state = { ...record.state, status: task.status, pid: task.running.pid };
        this.track(record, task.running);
        this.health.start(record);
      } else if (task?.status === 'stopped') {
        await this.recordExit(record.id, task.exit);
      } else if (record.state.status === 'created') {
        // Its task may have been created ahead of a start, with a network namespace.
        await this.releaseRun(record);
      } else if (record.state.status === 'restarting') {
        // Its back-off was under way when this service stopped.
        await this.scheduleRestart(record, this.backoff.next(record.id, 0));
      } else if (record.hostConfig.AutoRemove) {
        // Its run ended while this service was down, or was ending: --rm removes it, as dockerd's restore does.
        await this.removeStopped(record, true);
      } else if (isRunning(record.state)) {
        // The task is gone without an exit status (the host rebooted, or its shim was killed).
        record.state = { ...record.state, status: 'exited', pid: 0, exitCode: 255, error: 'the task was lost while the engine was down', finishedAt: now() };
        if (restartsAfterExit(record, 255)) await this.scheduleRestart(record, this.backoff.next(record.id, Infinity));
        else await this.persist(record);
      }
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

