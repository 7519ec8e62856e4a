import type { volumeV1 } from '@flotilla/proto';

/** RFC 3339 to the second, as dockerd prints a volume's CreatedAt. */
function createdAt(volume: volumeV1.Volume): string {
  return new Date(Number(volume.createdAt?.seconds ?? 0n) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const nullIfEmpty = (map: Record<string, string>) => (Object.keys(map).length ? map : null);

/** Docker's Volume object; UsageData only where asked for (`/system/df`). */
export function volumeJson(volume: volumeV1.Volume): Record<string, unknown> {
  return {
    CreatedAt: createdAt(volume),
    Driver: volume.driver,
    Labels: nullIfEmpty(volume.labels),
    Mountpoint: volume.mountpoint,
    Name: volume.name,
    Options: nullIfEmpty(volume.options),
    Scope: 'local',
    ...(volume.usage ? { UsageData: { RefCount: Number(volume.usage.refCount), Size: Number(volume.usage.size) } } : {}),
  };
}
