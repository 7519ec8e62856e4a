import { create } from '@bufbuild/protobuf';
import { volumeV1, type ServiceHandlers } from '@flotilla/proto';
import { instantParts } from '@flotilla/kit';
import type { VolumeCatalog, VolumeUsage } from '../core/volumes/volume-catalog.js';
import type { Filters } from '../core/volumes/volume-filters.js';
import type { VolumeRecord } from '../core/volumes/volume-record.js';

function filtersOf(filters: Record<string, volumeV1.FilterValues>): Filters {
  return Object.fromEntries(Object.entries(filters).map(([key, { values }]) => [key, values]));
}

function volumeMessage(volume: VolumeRecord, mountpoint: string, usage?: VolumeUsage): volumeV1.Volume {
  return create(volumeV1.VolumeSchema, {
    name: volume.name,
    driver: volume.driver,
    mountpoint,
    createdAt: instantParts(volume.createdAt),
    labels: volume.labels,
    options: volume.options,
    usage: usage && { size: BigInt(usage.size), refCount: BigInt(usage.refCount) },
  });
}

export function volumeHandlers(catalog: VolumeCatalog): ServiceHandlers<typeof volumeV1.VolumeService> {
  const message = (volume: VolumeRecord, usage?: VolumeUsage) => volumeMessage(volume, catalog.dataPath(volume.name), usage);
  return {
    async createVolume(req) {
      const volume = await catalog.create({ name: req.name, driver: req.driver, options: req.driverOptions, labels: req.labels });
      return { volume: message(volume) };
    },
    async listVolumes(req) {
      const volumes = catalog.list(filtersOf(req.filters));
      const usages = req.withUsage ? await Promise.all(volumes.map((volume) => catalog.usage(volume.name))) : [];
      return { volumes: volumes.map((volume, i) => message(volume, usages[i])) };
    },
    async inspectVolume(req) {
      return { volume: message(catalog.get(req.name)) };
    },
    async removeVolume(req) {
      await catalog.remove(req.name, req.force);
      return {};
    },
    async pruneVolumes(req) {
      const { deleted, spaceReclaimed } = await catalog.prune(filtersOf(req.filters));
      return { deleted, spaceReclaimed: BigInt(spaceReclaimed) };
    },
  };
}
