import { EngineError } from '@flotilla/proto';
import { KeyedLock, now } from '@flotilla/kit';
import { volumeFilter, pruneFilter, type Filters } from './volume-filters.js';
import { checkVolumeName, generateVolumeName } from './volume-names.js';
import { checkVolumeOptions, filesystemMountOf } from './volume-options.js';
import type { VolumeEventSink, VolumeMounter, VolumeStore } from './volume-ports.js';
import { anonymousLabel, mountsFilesystem, type VolumeRecord } from './volume-record.js';

export interface VolumeRequest {
  /** Empty for a generated name. */
  name: string;
  /** Empty for the local driver. */
  driver: string;
  options: Record<string, string>;
  labels: Record<string, string>;
}

export interface VolumeUsage {
  size: number;
  refCount: number;
}

const localDriver = 'local';

/**
 * The volumes of the local driver and the containers that use them. A volume a container
 * references (in any state) cannot be removed; one with options has its filesystem mounted
 * while at least one running container uses it.
 */
export class VolumeCatalog {
  private readonly volumes = new Map<string, VolumeRecord>();
  /** Containers referencing each volume. */
  private readonly users = new Map<string, Set<string>>();
  /** Running containers of each volume that has its filesystem mounted. */
  private readonly mounted = new Map<string, Set<string>>();
  private readonly locks = new KeyedLock();

  constructor(
    private readonly deps: { store: VolumeStore; mounter: VolumeMounter; events: VolumeEventSink },
  ) {}

  async load(): Promise<void> {
    for (const volume of await this.deps.store.list()) this.volumes.set(volume.name, volume);
  }

  /** `docker volume create`: a volume that exists is returned as it is. */
  async create(request: VolumeRequest): Promise<VolumeRecord> {
    return (await this.ensure(request)).volume;
  }

  /** As dockerd: a volume that exists is taken as it is (its labels and options unchanged), and reported created again. */
  private async ensure(request: VolumeRequest): Promise<{ volume: VolumeRecord; created: boolean }> {
    const name = request.name || generateVolumeName();
    const driver = request.driver || localDriver;
    try {
      if (driver !== localDriver) throw EngineError.notFound(`error looking up volume plugin ${driver}: plugin "${driver}" not found`);
      checkVolumeName(name);
      checkVolumeOptions(request.options);
    } catch (err) {
      const { kind, message } = EngineError.from(err);
      throw new EngineError(kind, `create ${name}: ${message}`);
    }
    return this.locks.run(name, async () => {
      const existing = this.volumes.get(name);
      const volume: VolumeRecord = existing ?? { name, driver: localDriver, createdAt: now(), labels: { ...request.labels }, options: { ...request.options } };
      if (!existing) {
        await this.deps.store.put(volume);
        this.volumes.set(name, volume);
      }
      this.deps.events.publish('create', volume, { driver });
      return { volume, created: !existing };
    });
  }

  /**
   * The volume a container's mount uses, created when missing (an anonymous one when the
   * request has no name); the container references it from now on. `created` tells a fresh one.
   */
  async claim(containerId: string, request: VolumeRequest): Promise<{ volume: VolumeRecord; created: boolean }> {
    const labels = request.name ? request.labels : { ...request.labels, [anonymousLabel]: '' };
    const claimed = await this.ensure({ ...request, labels });
    this.reference(claimed.volume.name, containerId);
    return claimed;
  }

  /** Records that a container uses a volume (its mounts, read back after a restart). */
  reference(name: string, containerId: string): void {
    const users = this.users.get(name) ?? new Set<string>();
    users.add(containerId);
    this.users.set(name, users);
  }

  /** The container no longer uses its volumes (it is removed). */
  release(containerId: string, names: readonly string[]): void {
    for (const name of names) {
      const users = this.users.get(name);
      users?.delete(containerId);
      if (users?.size === 0) this.users.delete(name);
    }
  }

  get(name: string): VolumeRecord {
    const volume = this.volumes.get(name);
    if (!volume) throw EngineError.notFound(`get ${name}: no such volume`);
    return volume;
  }

  dataPath(name: string): string {
    return this.deps.store.dataPath(name);
  }

  isEmpty(name: string): Promise<boolean> {
    return this.deps.store.isEmpty(name);
  }

  list(filters: Filters): VolumeRecord[] {
    const matches = volumeFilter(filters, (volume) => this.inUse(volume.name));
    return [...this.volumes.values()].filter(matches);
  }

  async usage(name: string): Promise<VolumeUsage> {
    const size = await this.deps.store.usage(name).catch(() => -1);
    return { size, refCount: this.users.get(name)?.size ?? 0 };
  }

  private inUse(name: string): boolean {
    return (this.users.get(name)?.size ?? 0) > 0;
  }

  /** `docker volume rm`: refused while a container uses it (forced too); `force` makes a missing volume no error. */
  async remove(name: string, force: boolean): Promise<void> {
    const volume = await this.removeUnused(name, force);
    if (volume) this.deps.events.publish('destroy', volume, { driver: volume.driver });
  }

  private removeUnused(name: string, force: boolean): Promise<VolumeRecord | undefined> {
    return this.locks.run(name, async () => {
      const volume = this.volumes.get(name);
      if (!volume) {
        if (force) return;
        throw EngineError.notFound(`get ${name}: no such volume`);
      }
      const users = this.users.get(name);
      if (users?.size) throw EngineError.conflict(`remove ${name}: volume is in use - [${[...users].join(', ')}]`);
      await this.deps.store.remove(name);
      this.volumes.delete(name);
      return volume;
    });
  }

  /**
   * Removes unused volumes matching the filters; their data is what is reclaimed. As dockerd's
   * local driver, volumes with options are never pruned, and one prune event tells it all.
   */
  async prune(filters: Filters): Promise<{ deleted: string[]; spaceReclaimed: number }> {
    const matches = pruneFilter(filters);
    const deleted: string[] = [];
    let spaceReclaimed = 0;
    for (const volume of [...this.volumes.values()]) {
      if (this.inUse(volume.name) || mountsFilesystem(volume) || !matches(volume)) continue;
      const size = await this.deps.store.usage(volume.name).catch(() => 0);
      try {
        await this.removeUnused(volume.name, false);
      } catch {
        // Claimed by a container meanwhile: not this prune's to take.
        continue;
      }
      deleted.push(volume.name);
      spaceReclaimed += size;
    }
    this.deps.events.publishPrune(spaceReclaimed);
    return { deleted, spaceReclaimed };
  }

  /** A container starts using the volume: its filesystem is mounted for the first one. */
  async mount(name: string, containerId: string): Promise<void> {
    const volume = this.get(name);
    if (!mountsFilesystem(volume)) return;
    await this.locks.run(name, async () => {
      if (!this.mounted.get(name)?.size) await this.deps.mounter.mount(filesystemMountOf(volume.options), this.dataPath(name));
      this.addMountUser(name, containerId);
    });
  }

  /** The container stopped: the volume's filesystem is unmounted after its last one. */
  async unmount(name: string, containerId: string): Promise<void> {
    await this.locks.run(name, async () => {
      const users = this.mounted.get(name);
      if (!users?.delete(containerId) || users.size) return;
      this.mounted.delete(name);
      await this.deps.mounter.unmount(this.dataPath(name));
    });
  }

  /** After a restart of this service: the running container's volume is mounted already. */
  adoptMount(name: string, containerId: string): void {
    const volume = this.volumes.get(name);
    if (volume && mountsFilesystem(volume)) this.addMountUser(name, containerId);
  }

  private addMountUser(name: string, containerId: string): void {
    this.mounted.set(name, (this.mounted.get(name) ?? new Set<string>()).add(containerId));
  }
}
