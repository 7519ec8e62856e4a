import type { FilesystemMount } from './volume-options.js';
import type { VolumeRecord } from './volume-record.js';

/** Where volumes live: a metadata file and a data directory each. */
export interface VolumeStore {
  list(): Promise<VolumeRecord[]>;
  /** Saves the metadata and makes the data directory. */
  put(volume: VolumeRecord): Promise<void>;
  /** Removes the metadata and the data. */
  remove(name: string): Promise<void>;
  /** The data directory: the volume's Mountpoint. */
  dataPath(name: string): string;
  /** Bytes of the data, each file counted once. */
  usage(name: string): Promise<number>;
  isEmpty(name: string): Promise<boolean>;
}

/** mount(8) and umount(8) of volumes with options. */
export interface VolumeMounter {
  mount(filesystem: FilesystemMount, target: string): Promise<void>;
  unmount(target: string): Promise<void>;
}

export interface VolumeEventSink {
  publish(action: string, volume: VolumeRecord, attributes?: Record<string, string>): void;
  publishPrune(reclaimed: number): void;
}
