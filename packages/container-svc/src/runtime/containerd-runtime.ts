import { randomBytes } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMessage } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { EngineError } from '@flotilla/proto';
import {
  api,
  createLease,
  deleteUnstartedTask,
  ignoreNotFound,
  imageIdLabel,
  FifoStock,
  openTaskIo,
  packJsonAny,
  packRuncOptions,
  packRuntimeSpec,
  prepareTaskIo,
  runcRuntimeName,
  subscribeEvents,
  unpackJsonAny,
  unpackRuntimeSpec,
  type ContainerdServices,
  type RuntimeSpec,
  type TaskIo,
  type TaskIoOptions,
} from '@flotilla/containerd';
import type { ContainerRecord } from '../core/container-record.js';
import { shimGroupAnnotation, type SharedShims } from './shared-shims.js';
import type { ContainerLayer, ContainerRuntime, ExecProcess, PreparedExec, PreparedTask, RecoveredContainer, ResolvedImage, RootfsFiles, RunningExec, RunningTask, StdinWriter, TaskExit } from '../core/ports.js';
import { mergeEnv } from '../core/image-config-merge.js';
import { layerDirs, readRootfsFile } from './rootfs-files.js';
import { layerChanges, opaqueDirectories } from './layer-changes.js';
import type { FilesystemChange } from '../core/filesystem-changes.js';
import type { CgroupLockWarmer } from './cgroup-lock-warmer.js';
import { withContainerFilesystem, withReadOnlyLayers, withReadOnlyRootfs } from './rootfs-view.js';
import { resolveInRoot } from './rooted-path.js';
import { taskOutput } from './task-output.js';
import { runCommand, type Instant } from '@flotilla/kit';
import { timedOutProbe, type ProbeResult } from '../core/health-monitor.js';

/** Layers of `docker commit`, compressed as registries store them. */
const layerMediaType = 'application/vnd.oci.image.layer.v1.tar+gzip';
/** The label containerd's differ gives a layer blob: the digest of the uncompressed tar. */
const uncompressedLabel = 'containerd.io/uncompressed';

/** The container's Docker record rides in the containerd container's extensions. */
const recordExtension = 'flotilla.container';
const recordTypeUrl = 'types.flotilla.dev/engine/container-record/v1';
const { Status } = api.taskTypes;
/** How containerd's client names the OCI LinuxResources it sends to Tasks.Update (JSON in an Any). */
const linuxResourcesTypeUrl = 'types.containerd.io/opencontainers/runtime-spec/1/LinuxResources';
/** The type URL containerd gives an OCI process spec in Tasks.Exec (JSON in an Any). */
const processSpecTypeUrl = 'types.containerd.io/opencontainers/runtime-spec/1/Process';
/** Images whose root filesystem files are remembered for the specs of their next containers. */
const knownImageFiles = 64;
/** dockerd keeps this much of a probe's output. */
const maxProbeOutput = 4096;

/** The first `limit` bytes of the streams (read to their end), as text. */
async function firstBytes(streams: AsyncIterable<Uint8Array>[], limit: number): Promise<string> {
  const kept: Buffer[] = [];
  let size = 0;
  await Promise.all(
    streams.map(async (stream) => {
      for await (const chunk of stream) {
        if (size >= limit) continue;
        const part = Buffer.from(chunk).subarray(0, limit - size);
        kept.push(part);
        size += part.length;
      }
    }),
  );
  return Buffer.concat(kept).toString('utf8');
}

/** What a container's spec holds until it is built from the snapshot's files. */
const placeholderSpecVersion = '1.0.2';

export interface ContainerdRuntimeOptions {
  /** FIFOs of running tasks, one directory per container. */
  ioDir: string;
  /** FIFOs made ahead of the tasks that take them, on the filesystem of ioDir. */
  fifoStockDir: string;
  /** runc's state directory for this engine, apart from every other containerd's. */
  runcRoot: string;
  /** Where root filesystems are mounted for a moment (to fill a volume from its image). */
  mountDir: string;
  /** The shims containers' tasks join (see SharedShims); without, each container has one of its own. */
  shims?: Pick<SharedShims, 'join' | 'leave'>;
  /** Told each time runc is about to move a new process into a container's cgroups (see CgroupLockWarmer). */
  cgroupLock?: Pick<CgroupLockWarmer, 'warm'>;
  warn(obj: object, msg: string): void;
}

/** The runtime of the engine's containers: runc, with its state apart from every other containerd's. */
export function runcRuntime(runcRoot: string) {
  return { name: runcRuntimeName, options: packRuncOptions({ root: runcRoot }) };
}

/**
 * The shim keeps the stdin FIFO open on its side, so closing our end is not enough for the
 * process to read end of input: Tasks.CloseIO tells the shim to close it too.
 */
function stdinWriter(socket: Socket | undefined, closeIo: () => Promise<unknown>, warn: (obj: object, msg: string) => void): StdinWriter | undefined {
  if (!socket) return undefined;
  // EPIPE once the process has gone is expected; the exit is reported elsewhere.
  socket.on('error', () => undefined);
  return {
    write: (data) => new Promise((resolve) => socket.write(data, () => resolve())),
    // Writes are awaited one by one, so none is pending when the fd is closed.
    close: () => {
      socket.destroy();
      closeIo().catch((err) => warn({ err }, 'stdin not closed'));
    },
  };
}

async function* nothing(): AsyncGenerator<Uint8Array> {}

function instantOf(date: Date): Instant {
  return date.toISOString();
}

/** containerd's containers, snapshots and tasks behind the container lifecycle's port. */
export class ContainerdRuntime implements ContainerRuntime {
  private readonly ios = new Map<string, TaskIo>();
  /**
   * The process of each container's spec, which every exec and healthcheck probe starts from;
   * it never changes after create (update touches only the limits).
   */
  private readonly processes = new Map<string, Record<string, unknown>>();
  /** Files of images' root filesystems that specs were made from, by chain ID (layers never change). */
  private readonly imageFiles = new Map<string, Map<string, string | undefined>>();
  /** The shim group of each container created since this service started (see SharedShims). */
  private readonly shimGroups = new Map<string, string>();
  /** The rootfs mounts of containers created and not yet run, as Snapshots.Prepare gave them: their first task needs no Snapshots.Mounts. */
  private readonly preparedMounts = new Map<string, api.types.Mount[]>();
  private readonly runtime: { name: string; options: ReturnType<typeof packRuncOptions> };
  private readonly fifos: FifoStock;

  constructor(
    private readonly containerd: ContainerdServices,
    private readonly opts: ContainerdRuntimeOptions,
  ) {
    this.runtime = runcRuntime(opts.runcRoot);
    this.fifos = new FifoStock(opts.fifoStockDir);
  }

  async create(record: ContainerRecord, image: ResolvedImage, specFor: (rootfs: RootfsFiles) => Promise<object>): Promise<void> {
    // A fresh snapshot holds its image's files: once they are known, the spec is made up front.
    const known = await this.specFromKnownFiles(image.chainId, specFor);
    // Its spec names the shim its tasks run in (see SharedShims).
    const group = this.opts.shims?.join();
    if (group) this.shimGroups.set(record.id, group);
    const shared = (made: object): RuntimeSpec => (group ? { ...made, annotations: { ...(made as RuntimeSpec).annotations, [shimGroupAnnotation]: group } } : made) as RuntimeSpec;
    const spec = known && shared(known);
    try {
      // The record references its snapshot key before the snapshot exists: the GC then keeps the
      // snapshot from the moment it is prepared, with no lease needed.
      await this.containerd.containers.create({
        container: {
          id: record.id,
          labels: { [imageIdLabel]: record.imageId },
          image: record.image,
          runtime: this.runtime,
          spec: packRuntimeSpec(spec ?? { ociVersion: placeholderSpecVersion }),
          snapshotter: image.snapshotter,
          snapshotKey: record.id,
          extensions: { [recordExtension]: packJsonAny(recordTypeUrl, record) },
        },
      });
      const { mounts } = await this.containerd.snapshots.prepare({ snapshotter: image.snapshotter, key: record.id, parent: image.chainId });
      this.preparedMounts.set(record.id, mounts);
      if (spec) return;
      const seen = new Map<string, string | undefined>();
      const built = await specFor(async (path) => {
        const content = await readRootfsFile(mounts, path);
        seen.set(path, content);
        return content;
      });
      // A few images at a time is what creates in a row use; the rest is read again when needed.
      if (this.imageFiles.size >= knownImageFiles) this.imageFiles.clear();
      this.imageFiles.set(image.chainId, seen);
      await this.containerd.containers.update({
        container: { id: record.id, spec: packRuntimeSpec(shared(built)) },
        updateMask: { paths: ['spec'] },
      });
    } catch (err) {
      this.preparedMounts.delete(record.id);
      this.leaveShimGroup(record.id);
      await ignoreNotFound(this.containerd.snapshots.remove({ snapshotter: image.snapshotter, key: record.id })).catch(() => undefined);
      await ignoreNotFound(this.containerd.containers.delete({ id: record.id }));
      throw err;
    }
  }

  /** The spec from the files an earlier container of the image read, when it needs no others. */
  private async specFromKnownFiles(chainId: string, specFor: (rootfs: RootfsFiles) => Promise<object>): Promise<object | undefined> {
    const known = this.imageFiles.get(chainId);
    if (!known) return undefined;
    let missed = false;
    try {
      const spec = await specFor(async (path) => {
        if (!known.has(path)) missed = true;
        return known.get(path);
      });
      return missed ? undefined : spec;
    } catch (err) {
      // A file it did not have may be why it failed: the snapshot will say.
      if (missed) return undefined;
      throw err;
    }
  }


  private stdinOf(id: string, socket: Socket | undefined): StdinWriter | undefined {
    return stdinWriter(socket, () => this.containerd.tasks.closeIO({ containerId: id, stdin: true }), this.opts.warn);
  }

  async persist(record: ContainerRecord): Promise<void> {
    await this.containerd.containers.update({
      container: { id: record.id, extensions: { [recordExtension]: packJsonAny(recordTypeUrl, record) } },
      updateMask: { paths: [`extensions.${recordExtension}`] },
    });
  }

  async remove(record: ContainerRecord): Promise<void> {
    // Snapshot first: removing the record first lets the GC take the snapshot under our feet.
    await ignoreNotFound(this.containerd.snapshots.remove({ snapshotter: record.snapshotter, key: record.id }));
    await ignoreNotFound(this.containerd.containers.delete({ id: record.id }));
    this.processes.delete(record.id);
    this.preparedMounts.delete(record.id);
    this.leaveShimGroup(record.id);
  }

  private leaveShimGroup(id: string): void {
    const group = this.shimGroups.get(id);
    this.shimGroups.delete(id);
    if (group) this.opts.shims?.leave(group);
  }

  async releaseImage(id: string): Promise<void> {
    // The label is in the mask and not in the container: containerd deletes it.
    await ignoreNotFound(this.containerd.containers.update({ container: { id }, updateMask: { paths: [`labels.${imageIdLabel}`] } }));
  }

  private ioOptions(record: ContainerRecord): TaskIoOptions {
    return { directory: join(this.opts.ioDir, record.id), stdin: record.config.OpenStdin === true, terminal: record.config.Tty === true };
  }

  async prepareTask(record: ContainerRecord): Promise<PreparedTask> {
    const { tasks } = this.containerd;
    const id = record.id;
    const io = await prepareTaskIo(this.ioOptions(record), this.fifos);
    const release = async () => {
      this.ios.delete(id);
      await io.dispose();
    };
    let mounts = this.preparedMounts.get(id);
    this.preparedMounts.delete(id);
    try {
      mounts ??= await this.rootfsMounts(record);
    } catch (err) {
      await release();
      throw err;
    }
    this.ios.set(id, io);
    return {
      abort: release,
      create: async () => {
        let pid: number;
        try {
          void this.opts.cgroupLock?.warm();
          ({ pid } = await tasks.create({ containerId: id, rootfs: mounts, ...io.paths }));
        } catch (err) {
          await release();
          throw err;
        }
        const abort = async () => {
          await deleteUnstartedTask(this.containerd, id);
          await release();
        };
        const streams = await io.attach().catch(async (err: unknown) => {
          await abort();
          throw err;
        });
        return {
          pid,
          abort,
          start: async () => {
            try {
              // Waiting before starting: an exit that comes at once is never missed.
              const exit = this.waitForExit(id);
              await tasks.start({ containerId: id });
              return { pid, stdout: taskOutput(streams.stdout), stderr: taskOutput(streams.stderr), stdin: this.stdinOf(id, streams.stdin), exit };
            } catch (err) {
              await abort();
              throw err;
            }
          },
        };
      },
    };
  }

  /** Tasks.Wait, again after a containerd restart (tasks outlive it in their shims). */
  private async waitForExit(id: string): Promise<TaskExit> {
    for (;;) {
      try {
        const { exitStatus, exitedAt } = await this.containerd.tasks.wait({ containerId: id });
        return { exitCode: exitStatus, exitedAt: instantOf(exitedAt ? timestampDate(exitedAt) : new Date()) };
      } catch (err) {
        if (EngineError.is(err, 'not-found')) return { exitCode: 255, exitedAt: instantOf(new Date()) };
        this.opts.warn({ err, id }, 'waiting for the task again');
        await sleep(500);
      }
    }
  }

  async deleteTask(id: string): Promise<void> {
    try {
      await ignoreNotFound(this.containerd.tasks.delete({ containerId: id }));
    } finally {
      const io = this.ios.get(id);
      this.ios.delete(id);
      await io?.dispose();
      // A task that exited while this service was down left its FIFOs unopened.
      await rm(join(this.opts.ioDir, id), { recursive: true, force: true });
    }
  }

  async signal(id: string, signal: number): Promise<void> {
    await this.containerd.tasks.kill({ containerId: id, signal, all: false });
  }

  /** The process of a container's spec: what an exec'd process inherits (user, env, capabilities…). */
  private async processOf(id: string): Promise<Record<string, unknown>> {
    const known = this.processes.get(id);
    if (known) return known;
    const { container } = await this.containerd.containers.get({ id });
    const process = unpackRuntimeSpec(container?.spec).process as Record<string, unknown>;
    this.processes.set(id, process);
    return process;
  }

  async prepareExec(record: ContainerRecord, execId: string, options: ExecProcess): Promise<PreparedExec> {
    const { tasks } = this.containerd;
    const containerId = record.id;
    const io = await prepareTaskIo({ directory: join(this.opts.ioDir, containerId), processId: execId, stdin: options.stdin, terminal: options.terminal }, this.fifos);
    let created = false;
    const release = async () => {
      if (created) await ignoreNotFound(tasks.deleteProcess({ containerId, execId })).catch(() => undefined);
      await io.dispose();
    };
    try {
      const base = (await this.processOf(containerId)) as { env?: string[]; capabilities?: Record<string, string[]> };
      const process = {
        ...base,
        args: options.args,
        terminal: options.terminal,
        env: options.env ? mergeEnv(base.env ?? [], options.env) : base.env,
        ...(options.cwd ? { cwd: options.cwd } : {}),
        ...(options.user ? { user: options.user } : {}),
        ...(options.capabilities ? { capabilities: { bounding: options.capabilities, effective: options.capabilities, permitted: options.capabilities } } : {}),
      };
      await tasks.exec({ containerId, execId, ...io.paths, spec: packJsonAny(processSpecTypeUrl, process) });
      created = true;
    } catch (err) {
      await release();
      throw err;
    }
    return {
      abort: release,
      start: async () => {
        try {
          // Waiting before starting: an exit that comes at once is never missed.
          const exit = tasks.wait({ containerId, execId }).then(({ exitStatus, exitedAt }) => ({
            exitCode: exitStatus,
            exitedAt: instantOf(exitedAt ? timestampDate(exitedAt) : new Date()),
          }));
          exit.catch(() => undefined);
          void this.opts.cgroupLock?.warm();
          const { pid } = await tasks.start({ containerId, execId });
          // An exec'd process's stdin is opened by the shim at its start, not at its creation.
          const streams = await io.attach();
          const stdin = stdinWriter(streams.stdin, () => tasks.closeIO({ containerId, execId, stdin: true }), this.opts.warn);
          return { pid, stdout: streams.stdout, stderr: streams.stderr ?? nothing(), stdin, exit, release };
        } catch (err) {
          await release();
          throw err;
        }
      },
    };
  }

  async resizeExec(id: string, execId: string, width: number, height: number): Promise<void> {
    await this.containerd.tasks.resizePty({ containerId: id, execId, width, height });
  }

  private async killExec(id: string, execId: string, signal: number): Promise<void> {
    await this.containerd.tasks.kill({ containerId: id, execId, signal, all: false });
  }

  /** The mounts of the container's writable snapshot over its image's. */
  private async rootfsMounts(record: ContainerRecord) {
    return (await this.containerd.snapshots.mounts({ snapshotter: record.snapshotter, key: record.id })).mounts;
  }

  async copyImageContent(record: ContainerRecord, path: string, target: string): Promise<void> {
    await this.withReadOnlyRootfs(record, async (root) => {
      const source = await resolveInRoot(root, path);
      const found = await stat(source).catch(() => undefined);
      // `/.` copies the directory's contents, and its owner and mode onto the volume's root.
      if (found?.isDirectory()) await runCommand('cp', ['-a', '--', `${source}/.`, target]);
    });
  }

  async withFilesystem<T>(record: ContainerRecord, use: (root: string) => Promise<T>): Promise<T> {
    const mounts = await this.rootfsMounts(record);
    return withContainerFilesystem(mounts, record.mounts ?? [], this.opts.mountDir, record.id, use);
  }

  async writeLayer(record: ContainerRecord, parentChainId: string): Promise<ContainerLayer> {
    const name = `commit-${record.id.slice(0, 12)}-${randomBytes(6).toString('hex')}`;
    // The blob must outlive this call until image-svc's manifest references it.
    const { leased, release } = await createLease(this.containerd, { expireAfterMs: 3_600_000 });
    try {
      const [{ mounts: left }, right] = await Promise.all([
        leased.snapshots.view({ snapshotter: record.snapshotter, key: name, parent: parentChainId }),
        this.rootfsMounts(record),
      ]);
      try {
        const { diff } = await leased.diff.diff({ left, right, mediaType: layerMediaType, ref: name, labels: {} });
        const { info } = await leased.content.info({ digest: diff!.digest });
        const diffId = info?.labels[uncompressedLabel];
        if (!diffId) throw new Error(`containerd's diff of ${record.id} has no ${uncompressedLabel} label`);
        return { mediaType: diff!.mediaType, digest: diff!.digest, size: Number(diff!.size), diffId, release };
      } finally {
        await ignoreNotFound(leased.snapshots.remove({ snapshotter: record.snapshotter, key: name })).catch(() => undefined);
      }
    } catch (err) {
      await release();
      throw err;
    }
  }

  async changes(record: ContainerRecord): Promise<FilesystemChange[]> {
    const mounts = await this.rootfsMounts(record);
    // An active snapshot's first layer is its writable one.
    const [upper, ...lowers] = layerDirs(mounts);
    const opaque = await opaqueDirectories(upper);
    // The image as the container started from it: one layer is its own view, more are merged.
    if (lowers.length <= 1) return layerChanges(upper, lowers[0], opaque);
    return withReadOnlyLayers(lowers, this.opts.mountDir, `${record.id}-image`, (image) => layerChanges(upper, image, opaque));
  }

  async withReadOnlyRootfs<T>(record: ContainerRecord, use: (root: string) => Promise<T>): Promise<T> {
    const mounts = await this.rootfsMounts(record);
    return withReadOnlyRootfs(mounts, this.opts.mountDir, record.id, use);
  }

  async readContainerFile(record: ContainerRecord, path: string): Promise<string | undefined> {
    const mounts = await this.rootfsMounts(record);
    return readRootfsFile(mounts, path);
  }

  async runProbe(record: ContainerRecord, execId: string, args: string[], timeoutMs: number): Promise<ProbeResult> {
    let run: RunningExec | undefined;
    try {
      run = await (await this.prepareExec(record, execId, { args, terminal: false, stdin: false })).start();
      // The output may fail once the container goes away; the probe's answer is then decided elsewhere.
      const output = firstBytes([run.stdout, run.stderr], maxProbeOutput).catch(() => '');
      const finished = await Promise.race([run.exit, sleep(timeoutMs).then(() => undefined)]);
      if (!finished) {
        await this.killExec(record.id, execId, 9).catch(() => undefined);
        await run.exit.catch(() => undefined);
        return timedOutProbe(timeoutMs);
      }
      return { exitCode: finished.exitCode, output: await output };
    } catch (err) {
      // dockerd records a probe that could not run as a failure saying why.
      return { exitCode: -1, output: (err as Error).message };
    } finally {
      await run?.release();
    }
  }

  watchOom(onOom: (id: string) => void, signal: AbortSignal): void {
    void (async () => {
      while (!signal.aborted) {
        try {
          for await (const event of subscribeEvents(this.containerd, { filters: ['topic=="/tasks/oom"'], signal })) {
            if (isMessage(event.payload, api.eventTypes.TaskOOMSchema)) onOom(event.payload.containerId);
          }
        } catch (err) {
          if (!signal.aborted) this.opts.warn({ err }, 'OOM events lost; subscribing again');
        }
        await sleep(1000, undefined, { signal }).catch(() => undefined);
      }
    })();
  }

  async pause(id: string): Promise<void> {
    await this.containerd.tasks.pause({ containerId: id });
  }

  async resume(id: string): Promise<void> {
    await this.containerd.tasks.resume({ containerId: id });
  }

  async updateResources(record: ContainerRecord, resources: Record<string, unknown>, running: boolean): Promise<void> {
    const { container } = await this.containerd.containers.get({ id: record.id });
    const spec = unpackRuntimeSpec<RuntimeSpec & { linux?: { resources?: Record<string, unknown> } }>(container?.spec);
    const linux = spec.linux ?? {};
    // Devices stay as created; every other limit is replaced.
    linux.resources = { devices: linux.resources?.devices, ...resources };
    spec.linux = linux;
    await this.containerd.containers.update({
      container: { id: record.id, spec: packRuntimeSpec(spec), extensions: { [recordExtension]: packJsonAny(recordTypeUrl, record) } },
      updateMask: { paths: ['spec', `extensions.${recordExtension}`] },
    });
    if (running) await this.containerd.tasks.update({ containerId: record.id, resources: packJsonAny(linuxResourcesTypeUrl, resources) });
  }

  async resizeTty(id: string, width: number, height: number): Promise<void> {
    await this.containerd.tasks.resizePty({ containerId: id, execId: '', width, height });
  }

  async usage(record: ContainerRecord): Promise<number> {
    const found = await ignoreNotFound(this.containerd.snapshots.usage({ snapshotter: record.snapshotter, key: record.id }));
    return Number(found?.size ?? 0n);
  }

  async recover(): Promise<RecoveredContainer[]> {
    const { containers } = await this.containerd.containers.list({});
    const recovered: RecoveredContainer[] = [];
    for (const container of containers) {
      const extension = container.extensions[recordExtension];
      if (!extension) continue;
      let record: ContainerRecord;
      try {
        record = unpackJsonAny<ContainerRecord>(extension, recordTypeUrl);
      } catch (err) {
        this.opts.warn({ err, id: container.id }, 'unreadable container record skipped');
        continue;
      }
      recovered.push({ record, task: await this.recoverTask(record) });
    }
    return recovered;
  }

  private async recoverTask(record: ContainerRecord): Promise<RecoveredContainer['task']> {
    const found = await ignoreNotFound(this.containerd.tasks.get({ containerId: record.id }));
    const process = found?.process;
    if (!process) return undefined;
    if (process.status === Status.CREATED) {
      // Created ahead of a start that this service, gone meanwhile, will not make.
      await this.deleteTask(record.id);
      return undefined;
    }
    if (process.status === Status.STOPPED) {
      return { status: 'stopped', exit: { exitCode: process.exitStatus, exitedAt: instantOf(process.exitedAt ? timestampDate(process.exitedAt) : new Date()) } };
    }
    const io = await openTaskIo(this.ioOptions(record));
    this.ios.set(record.id, io);
    const streams = await io.attach();
    const running: RunningTask = {
      pid: process.pid,
      stdout: taskOutput(streams.stdout),
      stderr: taskOutput(streams.stderr),
      stdin: this.stdinOf(record.id, streams.stdin),
      exit: this.waitForExit(record.id),
    };
    return { status: process.status === Status.PAUSED ? 'paused' : 'running', running };
  }
}
