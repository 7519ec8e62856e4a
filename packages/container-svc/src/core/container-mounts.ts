import { posix } from 'node:path';
import { EngineError } from '@flotilla/proto';
import type { MountRequest, MountType } from './mount-requests.js';
import type { VolumeCatalog } from './volumes/volume-catalog.js';
import type { VolumeEventSink } from './volumes/volume-ports.js';
import { mountsFilesystem } from './volumes/volume-record.js';

/** A mount of a container as its record keeps it and inspect shows it (Docker's MountPoint). */
export interface MountPoint {
  type: MountType;
  destination: string;
  /** The host path mounted: the bind's source, the volume's data (or its subpath); empty for tmpfs. */
  source: string;
  /** The volume's name and driver. */
  name?: string;
  driver?: string;
  mode: string;
  rw: boolean;
  /** As inspect shows it: rprivate unless asked otherwise for binds, empty for volumes and tmpfs. */
  propagation: string;
  nonRecursive?: boolean;
  /** mount(8) options of a tmpfs. */
  tmpfsOptions?: string[];
  /** A volume made for this container alone (-v /path, VOLUME): `docker rm -v` removes it. */
  anonymous?: boolean;
  /** A -v bind: its source is made (mkdir -p) when missing at a start, as dockerd does. */
  createSource?: boolean;
}

const depth = (path: string) => path.split('/').filter(Boolean).length;

/** Mounts in the order they are made: a parent before what is mounted inside it, as dockerd orders them. */
export function parentsFirst<T extends Pick<MountPoint, 'destination'>>(mounts: readonly T[]): T[] {
  return [...mounts].sort((a, b) => depth(a.destination) - depth(b.destination));
}

/** Whether `docker cp` may write at a path: anywhere unless the rootfs is read-only, then only in a writable volume or bind. */
export function writableAt(readonlyRootfs: boolean, mounts: readonly MountPoint[], path: string): boolean {
  if (!readonlyRootfs) return true;
  const clean = posix.normalize(`/${path}`);
  return mounts.some((m) => m.rw && (clean === m.destination || clean.startsWith(`${m.destination}/`)));
}

/** How the host mount holding a path propagates: what a bind mount's own propagation can build on. */
export interface SourceMount {
  /** Where that mount is mounted. */
  mountPoint: string;
  shared: boolean;
  slave: boolean;
}

/** The host's side of bind mounts. */
export interface HostPaths {
  exists(path: string): Promise<boolean>;
  /** mkdir -p, as dockerd makes a missing -v source. */
  makeDirectory(path: string): Promise<void>;
  /** The mount that holds the path (symlinks followed). */
  sourceMount(path: string): Promise<SourceMount>;
}

/** Bind propagation a source mount must allow, as dockerd checks it at start. */
async function checkPropagation(hostPaths: HostPaths, bind: MountPoint): Promise<void> {
  const shared = bind.propagation === 'shared' || bind.propagation === 'rshared';
  const slave = bind.propagation === 'slave' || bind.propagation === 'rslave';
  if (!shared && !slave) return;
  const source = await hostPaths.sourceMount(bind.source);
  if (shared && !source.shared) throw new EngineError('internal', `path ${bind.source} is mounted on ${source.mountPoint} but it is not a shared mount`);
  if (slave && !source.shared && !source.slave) throw new EngineError('internal', `path ${bind.source} is mounted on ${source.mountPoint} but it is not a shared or slave mount`);
}

type Volumes = Pick<VolumeCatalog, 'claim' | 'release' | 'get' | 'dataPath' | 'isEmpty' | 'mount' | 'unmount' | 'remove' | 'reference' | 'adoptMount'>;

/** What a create's mounts became: the mount points, and the fresh volumes the image's files go into. */
export interface ClaimedMounts {
  mounts: MountPoint[];
  /** Volumes created or found empty, not `nocopy`: dockerd copies the image's content at their destination into them. */
  populate: MountPoint[];
}

/** The volumes and binds of a container for `--volumes-from`, with `:ro`/`:rw` applied, as dockerd copies them (Mode empty). */
export function inheritedMounts(mounts: readonly MountPoint[], readOnly: boolean | undefined): MountPoint[] {
  return mounts
    .filter((mount) => mount.type !== 'tmpfs')
    .map(({ anonymous: _, ...mount }) => ({ ...mount, mode: '', rw: readOnly === undefined ? mount.rw : !readOnly }));
}

/**
 * Turns a container's mount requests into mount points, claiming their volumes, and mounts and
 * unmounts those volumes as the container starts and stops.
 */
export class ContainerMounts {
  constructor(private readonly deps: { volumes: Volumes; hostPaths: HostPaths; events: VolumeEventSink }) {}

  /**
   * Mounts of --volumes-from first, then the container's own (which win on the same
   * destination). A failure releases what was claimed and removes the volumes it created.
   */
  async claim(containerId: string, requests: readonly MountRequest[], inherited: readonly MountPoint[]): Promise<ClaimedMounts> {
    const own = new Set(requests.map((r) => r.destination));
    const mounts: MountPoint[] = inherited.filter((m) => !own.has(m.destination));
    for (const mount of mounts) if (mount.type === 'volume') this.deps.volumes.reference(mount.name!, containerId);
    const populate: MountPoint[] = [];
    const created: string[] = [];
    try {
      for (const request of requests) {
        const claimed = await this.claimOne(containerId, request, created);
        mounts.push(claimed.mount);
        if (claimed.populate) populate.push(claimed.mount);
      }
    } catch (err) {
      await this.release(containerId, mounts, false);
      for (const name of created) await this.deps.volumes.remove(name, true).catch(() => undefined);
      throw err;
    }
    return { mounts, populate };
  }

  private async claimOne(containerId: string, request: MountRequest, created: string[]): Promise<{ mount: MountPoint; populate: boolean }> {
    const base = { type: request.type, destination: request.destination, mode: request.mode, rw: !request.readOnly };
    if (request.type === 'tmpfs') return { mount: { ...base, source: '', propagation: '', tmpfsOptions: request.tmpfsOptions }, populate: false };
    if (request.type === 'bind') {
      const source = posix.normalize(request.source);
      if (!request.createSource && !(await this.deps.hostPaths.exists(source))) {
        throw EngineError.invalid(`invalid mount config for type "bind": bind source path does not exist: ${source}`);
      }
      const flags = { ...(request.nonRecursive ? { nonRecursive: true } : {}), ...(request.createSource ? { createSource: true } : {}) };
      return { mount: { ...base, source, propagation: request.propagation || 'rprivate', ...flags }, populate: false };
    }
    const { volume, created: fresh } = await this.deps.volumes.claim(containerId, { name: request.source, ...request.volume });
    if (fresh) created.push(volume.name);
    const data = this.deps.volumes.dataPath(volume.name);
    const source = request.subpath ? posix.join(data, request.subpath) : data;
    if (request.subpath && !(await this.deps.hostPaths.exists(source))) {
      throw EngineError.invalid(`cannot access path ${source}: lstat ${source}: no such file or directory`);
    }
    const mount: MountPoint = { ...base, source, name: volume.name, driver: volume.driver, propagation: '', ...(request.source ? {} : { anonymous: true }) };
    const copies = !request.noCopy && !request.subpath && !mountsFilesystem(volume) && (fresh || (await this.deps.volumes.isEmpty(volume.name)));
    return { mount, populate: copies };
  }

  /** The container is removed: its volumes are free, and with `removeAnonymous` its anonymous ones go (unless another container uses them). */
  async release(containerId: string, mounts: readonly MountPoint[], removeAnonymous: boolean): Promise<void> {
    const volumes = mounts.filter((m) => m.type === 'volume');
    this.deps.volumes.release(containerId, volumes.map((m) => m.name!));
    if (!removeAnonymous) return;
    for (const mount of volumes.filter((m) => m.anonymous)) await this.deps.volumes.remove(mount.name!, true).catch(() => undefined);
  }

  /** The container starts: missing -v sources are made, volumes with options get their filesystem; a failure unmounts what was mounted. */
  async mount(containerId: string, mounts: readonly MountPoint[]): Promise<void> {
    for (const bind of mounts.filter((m) => m.type === 'bind')) {
      if (bind.createSource && !(await this.deps.hostPaths.exists(bind.source))) await this.deps.hostPaths.makeDirectory(bind.source);
      await checkPropagation(this.deps.hostPaths, bind);
    }
    const done: MountPoint[] = [];
    try {
      for (const mount of mounts.filter((m) => m.type === 'volume')) {
        await this.deps.volumes.mount(mount.name!, containerId);
        done.push(mount);
      }
    } catch (err) {
      await this.unmount(containerId, done);
      throw err;
    }
  }

  async unmount(containerId: string, mounts: readonly MountPoint[]): Promise<void> {
    for (const mount of mounts.filter((m) => m.type === 'volume')) await this.deps.volumes.unmount(mount.name!, containerId);
  }

  /** dockerd's volume events of a start and a stop. */
  publishMounted(containerId: string, mounts: readonly MountPoint[]): void {
    for (const mount of mounts.filter((m) => m.type === 'volume')) {
      this.deps.events.publish('mount', this.deps.volumes.get(mount.name!), {
        container: containerId,
        destination: mount.destination,
        driver: mount.driver ?? 'local',
        propagation: mount.propagation,
        'read/write': String(mount.rw),
      });
    }
  }

  publishUnmounted(containerId: string, mounts: readonly MountPoint[]): void {
    for (const mount of mounts.filter((m) => m.type === 'volume')) {
      this.deps.events.publish('unmount', this.deps.volumes.get(mount.name!), { container: containerId, driver: mount.driver ?? 'local' });
    }
  }

  /** After a restart of this service: the container's volumes are referenced again, and mounted if it runs. */
  restore(containerId: string, mounts: readonly MountPoint[], running: boolean): void {
    for (const mount of mounts.filter((m) => m.type === 'volume')) {
      this.deps.volumes.reference(mount.name!, containerId);
      if (running) this.deps.volumes.adoptMount(mount.name!, containerId);
    }
  }
}
