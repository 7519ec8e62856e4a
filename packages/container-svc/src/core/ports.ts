import type { ContainerRecord, DockerConfig } from './container-record.js';
import type { ImageConfig } from './image-config-merge.js';
import type { Instant } from '@flotilla/kit';
import type { ContainerFiles } from './oci-spec.js';
import type { ProbeResult } from './health-monitor.js';
import type { OutputStreamName } from './output-broadcast.js';
import type { RawStats } from './stats-json.js';
import type { FilesystemChange } from './filesystem-changes.js';

/** What container-svc needs to know about an image (from image-svc). */
export interface ResolvedImage {
  id: string;
  chainId: string;
  snapshotter: string;
  config: ImageConfig;
  /** Bytes of its unpacked layers. */
  size: number;
}

/** A container's layer as a blob of the content store, kept by a lease until it is released. */
export interface ContainerLayer {
  mediaType: string;
  digest: string;
  size: number;
  /** Digest of the uncompressed tar. */
  diffId: string;
  release(): Promise<void>;
}

export interface CommitRequest {
  parent: string;
  layer: ContainerLayer;
  config: DockerConfig;
  changes: string[];
  author: string;
  comment: string;
  reference: string;
  createdBy: string;
}

export interface ImageResolver {
  /** Throws not-found with dockerd's `No such image: …` when there is none. */
  resolve(reference: string): Promise<ResolvedImage>;
  /** Registers an image made of the parent and the layer; its ID. */
  commit(request: CommitRequest): Promise<string>;
}

/** A container port to publish on the host (-p, -P); port 0 is any free port, an end a range to take one from. */
export interface PortRequest {
  containerPort: number;
  protocol: 'tcp' | 'udp';
  hostIp: string;
  hostPortStart: number;
  hostPortEnd: number;
}

export interface PublishedPort {
  containerPort: number;
  protocol: string;
  hostIp: string;
  hostPort: number;
}

/** What a container asks of one network. */
export interface EndpointRequest {
  network: string;
  aliases: string[];
  ipv4Address: string;
  macAddress: string;
  /** --ip6 (IPAMConfig.IPv6Address). */
  ipv6Address: string;
}

/** A container's interface on a network, as network-svc made it. */
export interface NetworkEndpoint {
  networkId: string;
  networkName: string;
  endpointId: string;
  ipv4Address: string;
  ipv4PrefixLength: number;
  gateway: string;
  macAddress: string;
  aliases: string[];
  dnsNames: string[];
  requestedIpv4Address: string;
  /** Empty on a network without IPv6. */
  ipv6Address: string;
  ipv6PrefixLength: number;
  ipv6Gateway: string;
  requestedIpv6Address: string;
}

/** What network-svc gave one run of a container. */
export interface NetworkAttachment {
  endpoints: NetworkEndpoint[];
  ports: PublishedPort[];
  /** The embedded resolver, for resolv.conf; empty without a user-defined network. */
  nameservers: string[];
}

export interface AttachRequest {
  containerId: string;
  containerName: string;
  hostname: string;
  networkMode: string;
  netnsPath: string;
  endpoints: EndpointRequest[];
  ports: PortRequest[];
  dnsServers: string[];
}

/** network-svc: a container's network namespace, its interfaces and its published ports. */
export interface NetworkAttacher {
  /** Makes the namespace alone, for the task to be created in while `attach` adds the rest. */
  prepareNamespace(containerId: string, netnsPath: string): Promise<void>;
  /** Makes the namespace the container's task joins (or keeps the prepared one), with its interfaces and ports. */
  attach(request: AttachRequest): Promise<NetworkAttachment>;
  detach(containerId: string): Promise<void>;
  /** One more interface for an attached container. */
  connect(containerId: string, endpoint: EndpointRequest): Promise<{ endpoint: NetworkEndpoint; nameservers: string[] }>;
  disconnect(containerId: string, network: string): Promise<void>;
  /** The network a name or ID refers to; not-found when there is none. */
  find(network: string): Promise<{ id: string; name: string; driver: string }>;
}

export interface TaskExit {
  exitCode: number;
  exitedAt: Instant;
}

export interface StdinWriter {
  write(data: Uint8Array): Promise<void>;
  close(): void;
}

/** Reads a file of a container's root filesystem; undefined when there is none. */
export type RootfsFiles = (path: string) => Promise<string | undefined>;

/**
 * One output stream of a container's task. `take` is given each chunk in the tick it is read from
 * the pipe, before anything else runs: output this service has taken and not yet logged, all a
 * crash of it can lose, is only ever the chunk in hand. While the promise `take` returns is
 * pending, no more is handed over and the pipe fills, holding the process back. Resolves when the
 * stream ends.
 */
export interface TaskOutput {
  drain(take: (chunk: Uint8Array) => Promise<void> | undefined): Promise<void>;
}

/** A process that runs in a task: its pid, its stdin and the promise of its exit. */
interface RunningProcess {
  pid: number;
  /** Present when the process keeps stdin open. */
  stdin: StdinWriter | undefined;
  exit: Promise<TaskExit>;
}

/** A container's task that runs. */
export interface RunningTask extends RunningProcess {
  /** stdout (and, with a TTY, everything the terminal prints) until the process exits. */
  stdout: TaskOutput;
  /** Empty with a TTY. */
  stderr: TaskOutput;
}

export interface PreparedTask {
  /** Creates the task (runc's create: namespaces, mounts, seccomp) without starting it; cleans up when it fails. */
  create(): Promise<CreatedTask>;
  /** Releases what was prepared, for a task that is not created. */
  abort(): Promise<void>;
}

/** A task created and not started: its process waits to exec the container's command. */
export interface CreatedTask {
  /** Its init process, waiting to exec the command in the container's namespaces and mounts. */
  readonly pid: number;
  /** Starts the process; deletes the task when that fails. */
  start(): Promise<RunningTask>;
  /** Deletes the task and releases its I/O, for a start that does not happen. */
  abort(): Promise<void>;
}

/** A container found in the store at start-up, with its task if one is left. */
export interface RecoveredContainer {
  record: ContainerRecord;
  task:
    | { status: 'running' | 'paused'; running: RunningTask }
    | { status: 'stopped'; exit: TaskExit }
    | undefined;
}

/** A process to run in a running container, over what its spec's process has. */
export interface ExecProcess {
  args: string[];
  /** Merged over the container's environment. */
  env?: readonly string[];
  cwd?: string;
  user?: { uid: number; gid: number; additionalGids: number[] };
  capabilities?: readonly string[];
  terminal: boolean;
  stdin: boolean;
}

/** An exec'd process that runs; `release` deletes it once it has exited and its output is read. */
export interface RunningExec extends RunningProcess {
  /** Streamed to the client only, never logged: read as it is wanted. */
  stdout: AsyncIterable<Uint8Array>;
  stderr: AsyncIterable<Uint8Array>;
  release(): Promise<void>;
}

/** An exec's process registered with the running task (Tasks.Exec), not started yet. */
export interface PreparedExec {
  /** Runs it; releases it when that fails. */
  start(): Promise<RunningExec>;
  /** Releases a process that will not be started. */
  abort(): Promise<void>;
}

/** containerd: container records, their snapshots and their tasks. */
export interface ContainerRuntime {
  /**
   * Stores the record, prepares its writable snapshot on top of the image, and stores the spec
   * `specFor` makes from files of that snapshot (/etc/passwd, /etc/group).
   */
  create(record: ContainerRecord, image: ResolvedImage, specFor: (rootfs: RootfsFiles) => Promise<object>): Promise<void>;
  /** Saves the record's changed state. */
  persist(record: ContainerRecord): Promise<void>;
  /** Removes the snapshot and the record; a missing one is not an error. */
  remove(record: ContainerRecord): Promise<void>;
  /** Drops the record's claim on its image (image-svc counts an image's users by it), ahead of its removal. */
  releaseImage(id: string): Promise<void>;
  /** Everything a task needs before it is created (its I/O, its root filesystem's mounts). */
  prepareTask(record: ContainerRecord): Promise<PreparedTask>;
  /** Deletes the exited task and its I/O. */
  deleteTask(id: string): Promise<void>;
  signal(id: string, signal: number): Promise<void>;
  /** Makes a process of the running container ready to start: its I/O and its spec (Tasks.Exec). */
  prepareExec(record: ContainerRecord, execId: string, process: ExecProcess): Promise<PreparedExec>;
  resizeExec(id: string, execId: string, width: number, height: number): Promise<void>;
  /**
   * Copies what the image has at `path` (resolved inside the container's root filesystem) into
   * the host directory `target`, with owners and modes, as dockerd fills a new volume.
   */
  copyImageContent(record: ContainerRecord, path: string, target: string): Promise<void>;
  /**
   * Runs `use` with a stopped container's filesystem mounted writable at a host path, its
   * volumes and binds in place, and unmounts it once `use` settles.
   */
  withFilesystem<T>(record: ContainerRecord, use: (root: string) => Promise<T>): Promise<T>;
  /** The container's layer (its snapshot over `parentChainId`) written as a gzip layer blob by containerd's diff service. */
  writeLayer(record: ContainerRecord, parentChainId: string): Promise<ContainerLayer>;
  /** What the container's own layer adds, changes and deletes over its image's. */
  changes(record: ContainerRecord): Promise<FilesystemChange[]>;
  /** Runs `use` with the container's root filesystem (its layer over its image's, no volumes) mounted read-only. */
  withReadOnlyRootfs<T>(record: ContainerRecord, use: (root: string) => Promise<T>): Promise<T>;
  /** A file of the container's root filesystem as it is now; undefined when absent. */
  readContainerFile(record: ContainerRecord, path: string): Promise<string | undefined>;
  /**
   * Runs a probe (a healthcheck's command) in the running container as its own user, with the
   * first 4096 bytes of its output; past `timeoutMs` it is killed and reported as timed out.
   */
  runProbe(record: ContainerRecord, execId: string, args: string[], timeoutMs: number): Promise<ProbeResult>;
  /** Calls `onOom` with the ID of every container whose cgroup ran out of memory, until `signal`. */
  watchOom(onOom: (id: string) => void, signal: AbortSignal): void;
  /** Freezes and thaws the task's processes. */
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /**
   * Saves the record and puts new limits (OCI `linux.resources`, devices apart) into the stored
   * spec and, when `running`, into the task's cgroup.
   */
  updateResources(record: ContainerRecord, resources: Record<string, unknown>, running: boolean): Promise<void>;
  resizeTty(id: string, width: number, height: number): Promise<void>;
  /** Bytes the container wrote to its own layer. */
  usage(record: ContainerRecord): Promise<number>;
  recover(): Promise<RecoveredContainer[]>;
}

export interface DnsSettings {
  servers: readonly string[];
  search: readonly string[];
  options: readonly string[];
}

/** What a container's /etc/hostname, /etc/hosts and /etc/resolv.conf are made from. */
export interface ContainerFileSettings {
  hostname: string;
  /** With a domain name (Config.Domainname), the hosts entries name the host in full too. */
  domainname?: string;
  hostNetwork: boolean;
  /** `name:ip` entries of `--add-host`. */
  extraHosts: readonly string[];
  dns: DnsSettings;
  /** Once the container has its interfaces: their addresses name it, and the embedded resolver serves it. */
  network?: { addresses: readonly string[]; nameservers: readonly string[] };
}

/** /etc/hostname, /etc/hosts and /etc/resolv.conf of a container, kept in its state directory. */
export interface ContainerFilesStore {
  /** Writes the files in place: a running container sees the new content through its bind mounts. */
  write(id: string, settings: ContainerFileSettings): Promise<ContainerFiles>;
  paths(id: string): ContainerFiles;
  remove(id: string): Promise<void>;
}

export interface ContainerEventSink {
  publish(action: string, record: ContainerRecord, extra?: Record<string, string>): void;
  /** `docker container prune` finished, having freed `reclaimed` bytes. */
  publishPrune(reclaimed: number): void;
}

/** The host's view of a container's cgroup: its usage and its processes. */
export interface ContainerProbe {
  /** Usage of the cgroup at `cgroupPath`; network counters through the namespace of `pid` (0: none). */
  stats(cgroupPath: string, pid: number): Promise<RawStats>;
  pids(cgroupPath: string): Promise<number[]>;
  /** `ps <psArgs>` on the host, only the rows of `pids`. */
  processTable(pids: readonly number[], psArgs: string): Promise<{ titles: string[]; processes: string[][] }>;
}

/** How a container's json-file log is kept: `--log-opt max-size/max-file/compress`, and its attrs. */
export interface LogFileOptions {
  /** Bytes a file may grow to before it is rotated; 0 keeps one unbounded file. */
  maxSize: number;
  /** Files kept, the current one included (1 when maxSize is 0). */
  maxFiles: number;
  /** Rotated files are gzip-compressed. */
  compress: boolean;
  /** Written with every entry (`--log-opt labels/env`), shown by `docker logs --details`. */
  attrs: Record<string, string>;
}

/** One entry of a container's log, as Docker's json-file driver keeps it. */
export interface LogEntry {
  stream: OutputStreamName;
  /** RFC 3339 with nanoseconds. */
  time: string;
  /** The message: a line with its newline, or up to 16 KiB of a longer one, or what came before the end. */
  log: Uint8Array;
  attrs?: Record<string, string>;
}

export interface LogQuery {
  stdout: boolean;
  stderr: boolean;
  /** Entries at or after this instant, in nanoseconds since the epoch. */
  sinceNs?: bigint;
  /** Entries before this instant, in nanoseconds since the epoch. */
  untilNs?: bigint;
  /** The last `tail` entries only (of the selected streams); all when undefined. */
  tail?: number;
  /** Keep delivering new entries until the run writing them ends or the signal aborts. */
  follow: boolean;
  signal?: AbortSignal;
}

/** Where one run of a container writes its output. */
export interface LogSink {
  /**
   * Undefined when the bytes are in the log on return; otherwise resolves once they are (the
   * caller waits before reading more output).
   */
  write(stream: OutputStreamName, data: Uint8Array): Promise<void> | undefined;
  /** Writes what is left of unterminated lines and ends the followers of this run. */
  close(): Promise<void>;
}

/** The json-file logs of containers: written by runs, read by `docker logs`. */
export interface ContainerLogs {
  /** Opens the log for a run's output, appending (after a restart of this service too). */
  open(id: string, options: LogFileOptions): Promise<LogSink>;
  /** Batches of entries, oldest first: what one read of the files or one write of the run gave. */
  read(id: string, query: LogQuery): AsyncIterable<LogEntry[]>;
  /** The path of the current file, for inspect's LogPath. */
  path(id: string): string;
  remove(id: string): Promise<void>;
}

/** Docker's PathStat (X-Docker-Container-Path-Stat): `mode` in Go's os.FileMode bits. */
export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: Date;
  linkTarget: string;
}

export interface ExtractOptions {
  /** Refuse to replace a directory with a non-directory or the reverse. */
  noOverwriteDirNonDir: boolean;
  /** Owner of every entry instead of the archive's (copyUIDGID: the container's user). */
  owner?: { uid: number; gid: number };
}

/** `docker cp` on a container's filesystem, mounted at `root`. */
export interface ContainerArchives {
  stat(root: string, path: string, container: string): Promise<PathStat>;
  read(root: string, path: string, container: string): Promise<{ stat: PathStat; tar: AsyncIterable<Uint8Array> }>;
  extract(root: string, path: string, container: string, body: AsyncIterable<Uint8Array>, options: ExtractOptions): Promise<void>;
  /** The container's configured user (`docker cp -a` gives entries to it). */
  owner(root: string, user: string | undefined): Promise<{ uid: number; gid: number }>;
}
