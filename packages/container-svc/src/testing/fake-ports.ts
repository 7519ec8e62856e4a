import { EngineError } from '@flotilla/proto';
import { linuxCapabilities } from '../core/capabilities.js';
import type { ContainerRecord } from '../core/container-record.js';
import type { HostFacts } from '../core/host-facts.js';
import { x86Abis } from '../core/seccomp/index.js';
import type { ContainerFiles } from '../core/oci-spec.js';
import type { HostPaths } from '../core/container-mounts.js';
import type { FilesystemMount } from '../core/volumes/volume-options.js';
import type { VolumeEventSink, VolumeMounter, VolumeStore } from '../core/volumes/volume-ports.js';
import type { VolumeRecord } from '../core/volumes/volume-record.js';
import type {
  AttachRequest,
  CommitRequest,
  ContainerEventSink,
  ContainerFilesStore,
  ContainerLogs,
  ContainerProbe,
  ContainerRuntime,
  EndpointRequest,
  ExecProcess,
  ImageResolver,
  LogEntry,
  LogFileOptions,
  LogQuery,
  LogSink,
  NetworkAttacher,
  NetworkAttachment,
  NetworkEndpoint,
  RecoveredContainer,
  ResolvedImage,
  RootfsFiles,
  RunningExec,
  RunningTask,
  StdinWriter,
  TaskExit,
  TaskOutput,
} from '../core/ports.js';

/** A task whose output and exit the test drives. */
export class FakeTask {
  private readonly chunks: Uint8Array[] = [];
  private ended = false;
  private wake: (() => void) | undefined;
  exitWith!: (exit: TaskExit) => void;
  readonly exit = new Promise<TaskExit>((resolve) => (this.exitWith = resolve));
  readonly stdinReceived: string[] = [];
  stdinClosed = false;

  write(text: string): void {
    this.chunks.push(Buffer.from(text));
    this.wake?.();
  }

  /** The output ends (the shim closed the FIFOs); the exit may be reported later. */
  closeOutput(): void {
    this.ended = true;
    this.wake?.();
  }

  finish(exitCode: number): void {
    this.closeOutput();
    this.exitWith({ exitCode, exitedAt: new Date().toISOString() });
  }

  async *stdout(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk) yield chunk;
      else if (this.ended) return;
      else await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private stdin(): StdinWriter {
    return {
      write: async (data) => void this.stdinReceived.push(Buffer.from(data).toString()),
      close: () => void (this.stdinClosed = true),
    };
  }

  running(pid: number): RunningTask {
    const stdout: TaskOutput = {
      drain: async (take) => {
        for await (const chunk of this.stdout()) await take(chunk);
      },
    };
    return { pid, stdout, stderr: { drain: async () => undefined }, stdin: this.stdin(), exit: this.exit };
  }

  runningExec(pid: number): RunningExec {
    return { pid, stdout: this.stdout(), stderr: (async function* () {})(), stdin: this.stdin(), exit: this.exit, release: async () => undefined };
  }
}

export class FakeRuntime implements ContainerRuntime {
  readonly records = new Map<string, ContainerRecord>();
  readonly tasks = new Map<string, FakeTask>();
  readonly signals: [string, number][] = [];
  failStart: Error | undefined;
  /** containerd takes its time deleting a task; tests stretch it to expose races. */
  deleteTaskDelayMs = 0;
  recovered: RecoveredContainer[] = [];

  /** The files every container's root filesystem holds. */
  rootfs: Record<string, string> = { '/etc/passwd': 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n', '/etc/group': 'root:x:0:\nwheel:x:10:root\n' };

  async create(record: ContainerRecord, _image: ResolvedImage, specFor: (rootfs: RootfsFiles) => Promise<object>) {
    await specFor(async (path) => this.rootfs[path]);
    this.records.set(record.id, structuredClone(record));
  }
  async persist(record: ContainerRecord) {
    this.records.set(record.id, structuredClone(record));
  }
  async remove(record: ContainerRecord) {
    this.records.delete(record.id);
  }
  /** Containers whose image claim was dropped. */
  readonly imagesReleased = new Set<string>();
  async releaseImage(id: string) {
    this.imagesReleased.add(id);
  }
  /** Tasks prepared or created, and not yet started or aborted. */
  readonly prepared = new Set<string>();
  /** Containers whose task was created (ahead of its start or by it). */
  readonly created: string[] = [];
  async prepareTask(record: ContainerRecord) {
    this.prepared.add(record.id);
    const abort = async () => void this.prepared.delete(record.id);
    return {
      abort,
      create: async () => {
        this.created.push(record.id);
        return {
          pid: 4241,
          abort,
          start: async () => {
            this.prepared.delete(record.id);
            if (this.failStart) throw this.failStart;
            const task = new FakeTask();
            this.tasks.set(record.id, task);
            return task.running(4242);
          },
        };
      },
    };
  }
  async deleteTask(id: string) {
    await new Promise((resolve) => setTimeout(resolve, this.deleteTaskDelayMs));
    this.tasks.delete(id);
  }
  async signal(id: string, signal: number) {
    this.signals.push([id, signal]);
    // The fake process dies of SIGKILL only; it ignores SIGTERM like PID 1 without a handler.
    if (signal === 9) this.tasks.get(id)?.finish(137);
    // The reply of a real kill arrives after the exit may already be seen.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  /** Execs started, with what they were started with; each exits with 0 after echoing its args. */
  readonly execs: [string, ExecProcess][] = [];
  /** Exec processes by exec ID; each echoes its args and exits with 0, unless its command is `sh`. */
  readonly execTasks = new Map<string, FakeTask>();
  /** Exec processes prepared and not yet started or aborted. */
  readonly preparedExecs = new Set<string>();
  async prepareExec(_record: ContainerRecord, execId: string, process: ExecProcess) {
    this.preparedExecs.add(execId);
    const abort = async () => void this.preparedExecs.delete(execId);
    return {
      abort,
      start: async () => {
        this.preparedExecs.delete(execId);
        this.execs.push([execId, process]);
        const task = new FakeTask();
        this.execTasks.set(execId, task);
        task.write(process.args.join(' '));
        if (process.args[0] !== 'sh') task.finish(0);
        return task.runningExec(777);
      },
    };
  }
  async resizeExec() {}
  readonly copies: { id: string; path: string; target: string }[] = [];
  async withFilesystem<T>(record: ContainerRecord, use: (root: string) => Promise<T>) {
    return use(`/mounted/${record.id}`);
  }
  async writeLayer() {
    return { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: 'sha256:layer', size: 1, diffId: 'sha256:diff', release: async () => undefined };
  }
  async changes() {
    return [
      { path: '/etc', kind: 'added' as const },
      { path: '/etc/hosts', kind: 'added' as const },
      { path: '/tmp', kind: 'added' as const },
    ];
  }
  async withReadOnlyRootfs<T>(record: ContainerRecord, use: (root: string) => Promise<T>) {
    return use(`/mounted-ro/${record.id}`);
  }
  async copyImageContent(record: ContainerRecord, path: string, target: string) {
    this.copies.push({ id: record.id, path, target });
  }
  async readContainerFile(_record: ContainerRecord, path: string) {
    return this.rootfs[path];
  }
  /** Exit codes the next probes give, in order; then 0. */
  probeExitCodes: number[] = [];
  async runProbe() {
    return { exitCode: this.probeExitCodes.shift() ?? 0, output: 'probed\n' };
  }
  oomHandler: ((id: string) => void) | undefined;
  watchOom(onOom: (id: string) => void) {
    this.oomHandler = onOom;
  }
  readonly paused = new Set<string>();
  async pause(id: string) {
    this.paused.add(id);
  }
  async resume(id: string) {
    this.paused.delete(id);
  }
  readonly updates: [string, Record<string, unknown>, boolean][] = [];
  async updateResources(record: ContainerRecord, resources: Record<string, unknown>, running: boolean) {
    this.records.set(record.id, structuredClone(record));
    this.updates.push([record.id, resources, running]);
  }
  async resizeTty() {}
  async usage() {
    return 0;
  }
  async recover() {
    return this.recovered;
  }
}

/** A two-CPU host with swap accounting, every capability, every x86 ABI, tini and no devices. */
export const fakeHost: HostFacts = {
  cpus: '0-1',
  swapLimit: true,
  blkioWeight: true,
  capabilities: linuxCapabilities,
  syscallAbis: x86Abis,
  initBinary: '/usr/bin/tini-static',
  devices: async () => [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 }],
};

/** A cgroup that reports nothing and holds the container's one process. */
export const fakeProbe: ContainerProbe = {
  stats: async () => {
    throw new Error('no cgroups in unit tests');
  },
  pids: async () => [4242],
  processTable: async (pids) => ({ titles: ['PID', 'CMD'], processes: pids.map((pid) => [String(pid), 'sleep']) }),
};

/** One image, busybox; commits are recorded. */
export class FakeImages implements ImageResolver {
  readonly commits: CommitRequest[] = [];
  async resolve(reference: string): Promise<ResolvedImage> {
    if (reference !== 'busybox' && reference !== 'sha256:busybox') throw EngineError.notFound(`No such image: ${reference}:latest`);
    return { id: 'sha256:busybox', chainId: 'sha256:chain', snapshotter: 'overlayfs', config: { Cmd: ['sh'], Env: ['PATH=/bin'] }, size: 100 };
  }
  async commit(request: CommitRequest) {
    this.commits.push(request);
    return 'sha256:committed';
  }
}

/** network-svc as a map: known networks, and the endpoints each attached container has. */
export class FakeNetwork implements NetworkAttacher {
  readonly networks = new Map([
    ['bridge', { id: 'net-bridge', name: 'bridge', driver: 'bridge' }],
    ['host', { id: 'net-host', name: 'host', driver: 'host' }],
    ['none', { id: 'net-none', name: 'none', driver: 'null' }],
  ]);
  readonly attached = new Map<string, AttachRequest>();
  /** Containers whose namespace was made ahead of their attach. */
  readonly namespaces = new Set<string>();
  failAttach: Error | undefined;
  /** A network-svc from before PrepareNamespace. */
  lacksPrepare = false;
  /** While set, attaches wait for it: the interfaces are still being added. */
  attachGate: Promise<void> | undefined;
  /** While set, detaches wait for it: the interfaces are still being removed. */
  detachGate: Promise<void> | undefined;
  async prepareNamespace(id: string) {
    if (this.lacksPrepare) throw EngineError.notImplemented('unknown method PrepareNamespace');
    this.namespaces.add(id);
  }
  async attach(request: AttachRequest): Promise<NetworkAttachment> {
    await this.attachGate;
    if (this.failAttach) throw this.failAttach;
    this.namespaces.add(request.containerId);
    this.attached.set(request.containerId, request);
    return { endpoints: await Promise.all(request.endpoints.map((e) => this.endpointOf(e))), ports: [], nameservers: [] };
  }
  async detach(id: string) {
    await this.detachGate;
    this.attached.delete(id);
    this.namespaces.delete(id);
  }
  async connect(_containerId: string, endpoint: EndpointRequest) {
    return { endpoint: await this.endpointOf(endpoint), nameservers: [] };
  }
  async disconnect() {}
  async find(network: string) {
    const found = this.networks.get(network);
    if (!found) throw EngineError.notFound(`network ${network} not found`);
    return found;
  }
  private async endpointOf(request: EndpointRequest): Promise<NetworkEndpoint> {
    const network = await this.find(request.network);
    return {
      networkId: network.id,
      networkName: network.name,
      endpointId: `ep-${network.id}`,
      ipv4Address: request.ipv4Address || '10.0.0.2',
      ipv4PrefixLength: 24,
      gateway: '10.0.0.1',
      macAddress: request.macAddress || '02:42:0a:00:00:02',
      aliases: request.aliases,
      dnsNames: [],
      requestedIpv4Address: request.ipv4Address,
      ipv6Address: request.ipv6Address,
      ipv6PrefixLength: request.ipv6Address ? 64 : 0,
      ipv6Gateway: '',
      requestedIpv6Address: request.ipv6Address,
    };
  }
}

export class FakeFiles implements ContainerFilesStore {
  readonly written = new Set<string>();
  paths(id: string): ContainerFiles {
    return { hostname: `/files/${id}/hostname`, hosts: `/files/${id}/hosts`, resolvConf: `/files/${id}/resolv.conf` };
  }
  async write(id: string) {
    this.written.add(id);
    return this.paths(id);
  }
  async remove(id: string) {
    this.written.delete(id);
  }
}

/** Logs kept in memory: each open is one run, with what it was written and whether it closed. */
export class FakeLogs implements ContainerLogs {
  readonly runs = new Map<string, { options: LogFileOptions; written: LogEntry[]; closed: boolean }[]>();
  async open(id: string, options: LogFileOptions): Promise<LogSink> {
    const run = { options, written: [] as LogEntry[], closed: false };
    this.runs.set(id, [...(this.runs.get(id) ?? []), run]);
    return {
      write: async (stream, log) => void run.written.push({ stream, log, time: '2026-01-01T00:00:00Z' }),
      close: async () => void (run.closed = true),
    };
  }
  async *read(id: string, query: LogQuery): AsyncIterable<LogEntry[]> {
    for (const run of this.runs.get(id) ?? []) yield run.written.filter((entry) => (entry.stream === 'stdout' ? query.stdout : query.stderr));
  }
  path(id: string): string {
    return `/logs/${id}-json.log`;
  }
  async remove(id: string) {
    this.runs.delete(id);
  }
}

export class RecordingEvents implements ContainerEventSink {
  readonly actions: string[] = [];
  publish(action: string) {
    this.actions.push(action);
  }
  publishPrune() {
    this.actions.push('prune');
  }
}

/** Volumes in memory: `sizes` and `filled` stand for their data. */
export class FakeVolumeStore implements VolumeStore {
  readonly volumes = new Map<string, VolumeRecord>();
  readonly sizes = new Map<string, number>();
  readonly filled = new Set<string>();
  async list() {
    return [...this.volumes.values()];
  }
  async put(volume: VolumeRecord) {
    this.volumes.set(volume.name, volume);
  }
  async remove(name: string) {
    this.volumes.delete(name);
  }
  dataPath(name: string) {
    return `/volumes/${name}/_data`;
  }
  async usage(name: string) {
    return this.sizes.get(name) ?? 0;
  }
  async isEmpty(name: string) {
    return !this.filled.has(name);
  }
}

export class FakeMounter implements VolumeMounter {
  /** Targets mounted now. */
  readonly mounted = new Set<string>();
  async mount(_filesystem: FilesystemMount, target: string) {
    if (this.mounted.has(target)) throw new Error(`${target} mounted twice`);
    this.mounted.add(target);
  }
  async unmount(target: string) {
    this.mounted.delete(target);
  }
}

export class RecordingVolumeEvents implements VolumeEventSink {
  readonly actions: string[] = [];
  publish(action: string, volume: VolumeRecord) {
    this.actions.push(`${action} ${volume.name}`);
  }
  publishPrune() {
    this.actions.push('prune');
  }
}

/** Host paths that exist; made ones are added. */
export class FakeHostPaths implements HostPaths {
  constructor(readonly paths = new Set<string>(['/srv'])) {}
  async exists(path: string) {
    return this.paths.has(path);
  }
  async makeDirectory(path: string) {
    this.paths.add(path);
  }
  /** Every path is on `/`, a mount with this propagation. */
  rootPropagation: 'shared' | 'slave' | 'private' = 'shared';
  async sourceMount() {
    return { mountPoint: '/', shared: this.rootPropagation === 'shared', slave: this.rootPropagation === 'slave' };
  }
}
