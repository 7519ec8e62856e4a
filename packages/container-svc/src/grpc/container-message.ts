import { create } from '@bufbuild/protobuf';
import { containerV1 } from '@flotilla/proto';
import type { ContainerRecord, ContainerStatus } from '../core/container-record.js';
import { instantParts, type Instant } from '../core/instant.js';

const statusValues: Record<ContainerStatus, containerV1.ContainerStatus> = {
  created: containerV1.ContainerStatus.CREATED,
  running: containerV1.ContainerStatus.RUNNING,
  paused: containerV1.ContainerStatus.PAUSED,
  restarting: containerV1.ContainerStatus.RESTARTING,
  removing: containerV1.ContainerStatus.REMOVING,
  exited: containerV1.ContainerStatus.EXITED,
  dead: containerV1.ContainerStatus.DEAD,
};

const timestamp = (instant: Instant | undefined) => (instant ? instantParts(instant) : undefined);

/** A record's Config and HostConfig are replaced, never changed in place: their JSON is kept with them. */
const jsonOf = new WeakMap<object, Buffer>();
function json(value: object): Buffer {
  let bytes = jsonOf.get(value);
  if (!bytes) {
    bytes = Buffer.from(JSON.stringify(value));
    jsonOf.set(value, bytes);
  }
  return bytes;
}

/** A container for the API; a `summary` leaves Docker's Config and HostConfig JSON out. */
export function containerMessage(record: ContainerRecord, stateDir: string, summary = false): containerV1.Container {
  return create(containerV1.ContainerSchema, {
    id: record.id,
    name: record.name,
    created: timestamp(record.created),
    image: record.image,
    imageId: record.imageId,
    state: {
      status: statusValues[record.state.status],
      pid: record.state.pid,
      exitCode: record.state.exitCode,
      error: record.state.error,
      startedAt: timestamp(record.state.startedAt),
      finishedAt: timestamp(record.state.finishedAt),
      oomKilled: record.state.oomKilled,
      health: record.state.health && {
        status: record.state.health.status,
        failingStreak: record.state.health.failingStreak,
        log: record.state.health.log.map((probe) => ({ ...probe, start: timestamp(probe.start), end: timestamp(probe.end) })),
      },
    },
    configJson: summary ? undefined : json(record.config),
    hostConfigJson: summary ? undefined : json(record.hostConfig),
    labels: record.config.Labels ?? {},
    networkMode: record.hostConfig.NetworkMode ?? 'default',
    path: record.path,
    args: record.args,
    restartCount: record.restartCount,
    driver: record.snapshotter,
    stateDir,
  });
}
