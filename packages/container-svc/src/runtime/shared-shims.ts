import { randomBytes } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deleteUnstartedTask, ignoreNotFound, packRuntimeSpec, type ContainerdServices } from '@flotilla/containerd';
import type { Any } from '@bufbuild/protobuf/wkt';

/** runc's shim serves every container whose spec names the same group in this annotation. */
export const shimGroupAnnotation = 'io.containerd.runc.v2.group';
/** Marks the containerd containers that only keep a shim running. */
const keeperLabel = 'flotilla.shim-keeper';
/**
 * Containers at most in one keeper's shim at a time. They share its fate: if that shim died,
 * containerd would stop them all, as it does the containers of a Kubernetes pod.
 */
const containersPerShim = 8;

export interface SharedShimsOptions {
  /** The runtime the engine's containers use (runc's, with its options). */
  runtime: { name: string; options: Any };
  /** Where the keepers' empty root filesystem is made. */
  rootfsDir: string;
  cgroupParent: string;
  /** How long a full keeper stays: a container that joined it starts in its shim a little later. */
  retireDelayMs?: number;
  warn(obj: object, msg: string): void;
}

/**
 * Shims kept running ahead of need. containerd starts a shim for a container's task by running
 * the shim binary, which starts the shim's daemon: two processes whose start is about 20 ms on
 * the path of every `docker run`, and whose clean-up after the exit runs two more. A container
 * whose spec names a running shim's group is served by that shim instead. A keeper is a
 * containerd container whose task is created and never started (no process of it ever runs): it
 * holds a shim that new containers join while fewer than `containersPerShim` of them exist. Then
 * the next keeper takes over, and the full one is retired: its shim lasts as long as its
 * containers do. Keepers are retired at shutdown too.
 */
export class SharedShims {
  /** The keeper new containers join. */
  private current: string | undefined;
  /** Containers in existence in each group this process gave out. */
  private readonly members = new Map<string, number>();
  private making: Promise<void> | undefined;
  /** Full keepers, retired once the last containers joining them have started in their shims. */
  private readonly retiring = new Map<string, NodeJS.Timeout>();
  /** Retirements under way: a keeper left half retired would keep its shim alive for ever. */
  private readonly retirements = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly containerd: ContainerdServices,
    private readonly opts: SharedShimsOptions,
  ) {}

  /** Retires the keepers an earlier run left (after a crash) and makes a new one, in the background. */
  start(): void {
    this.make(async () => {
      const { containers } = await this.containerd.containers.list({ filters: [`labels."${keeperLabel}"`] });
      for (const keeper of containers) await this.retire(keeper.id);
    });
  }

  /**
   * The shim group a new container joins (its keeper's ID), or undefined: a shim of its own, while
   * no keeper is ready. The container counts as a member until `leave`.
   */
  join(): string | undefined {
    const current = this.current;
    if (!current) return undefined;
    const members = (this.members.get(current) ?? 0) + 1;
    this.members.set(current, members);
    if (members >= containersPerShim) {
      this.current = undefined;
      // If the keeper went before the containers that joined it started, the shim could exit under them.
      const retire = () => void this.retire(current).catch((err) => this.opts.warn({ err }, 'shim keeper not retired'));
      this.retiring.set(current, setTimeout(retire, this.opts.retireDelayMs ?? 10_000).unref());
      this.make(async () => undefined);
    }
    return current;
  }

  /** A container of `group` is gone. */
  leave(group: string): void {
    const members = this.members.get(group);
    if (members === undefined) return;
    if (members > 1) this.members.set(group, members - 1);
    else this.members.delete(group);
  }

  /** Retires the keepers; their shims stay while containers use them. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.making, ...this.retirements]);
    for (const [id, timer] of this.retiring) {
      clearTimeout(timer);
      await this.retire(id);
    }
    if (this.current) await this.retire(this.current);
    this.current = undefined;
  }

  /** Makes the next keeper after `before`, unless one is being made. */
  private make(before: () => Promise<void>): void {
    this.making ??= before()
      .then(() => this.makeKeeper())
      .catch((err) => this.opts.warn({ err }, 'no shim kept ahead of need'))
      .finally(() => (this.making = undefined));
  }

  private async makeKeeper(): Promise<void> {
    if (this.closed) return;
    const id = `shim-keeper-${randomBytes(8).toString('hex')}`;
    const rootfs = await this.keeperRootfs();
    await this.containerd.containers.create({
      container: { id, labels: { [keeperLabel]: 'true' }, runtime: this.opts.runtime, spec: packRuntimeSpec(keeperSpec(rootfs, `${this.opts.cgroupParent}/${id}`)) },
    });
    try {
      await this.containerd.tasks.create({ containerId: id });
    } catch (err) {
      await ignoreNotFound(this.containerd.containers.delete({ id })).catch(() => undefined);
      throw err;
    }
    this.current = id;
  }

  /** A root filesystem with nothing in it but the mount point of /proc and a file named as the process, which runc checks before the start. */
  private async keeperRootfs(): Promise<string> {
    await mkdir(join(this.opts.rootfsDir, 'proc'), { recursive: true });
    const program = join(this.opts.rootfsDir, 'keeper');
    await writeFile(program, '');
    await chmod(program, 0o755);
    return this.opts.rootfsDir;
  }

  private retire(id: string): Promise<void> {
    this.retiring.delete(id);
    const retirement = (async () => {
      await deleteUnstartedTask(this.containerd, id);
      await ignoreNotFound(this.containerd.containers.delete({ id }));
    })().finally(() => this.retirements.delete(retirement));
    this.retirements.add(retirement);
    return retirement;
  }
}

/** A process that runc creates and that is never started: no capabilities, no network of its own. */
function keeperSpec(rootfs: string, cgroupsPath: string) {
  return {
    ociVersion: '1.0.2',
    process: { user: { uid: 0, gid: 0 }, args: ['/keeper'], cwd: '/', noNewPrivileges: true, capabilities: { bounding: [], effective: [], permitted: [] } },
    root: { path: rootfs, readonly: true },
    hostname: 'shim-keeper',
    mounts: [{ destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev', 'ro'] }],
    linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }, { type: 'ipc' }, { type: 'uts' }], cgroupsPath },
  };
}
