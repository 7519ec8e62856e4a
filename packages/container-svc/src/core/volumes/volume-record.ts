import type { Instant } from '@flotilla/kit';

/** A volume of the local driver, as its metadata file keeps it. */
export interface VolumeRecord {
  name: string;
  driver: 'local';
  createdAt: Instant;
  labels: Record<string, string>;
  /** The local driver's options (type, device, o): a filesystem mounted on the data directory while in use. */
  options: Record<string, string>;
}

/** dockerd (23+) labels the volumes it creates for a container's anonymous mounts, so prune can tell them apart. */
export const anonymousLabel = 'com.docker.volume.anonymous';

export const isAnonymous = (volume: VolumeRecord): boolean => anonymousLabel in volume.labels;

/** A volume with options is a filesystem of its own, mounted while a container uses it. */
export const mountsFilesystem = (volume: VolumeRecord): boolean => Object.keys(volume.options).length > 0;
