import type { MessageInitShape } from '@bufbuild/protobuf';
import { containerV1 } from '@flotilla/proto';
import type { ContainerRecord, ContainerStatus } from '../core/container-record.js';
import { networksOf } from '../core/container-networking.js';
import { instantParts, type Instant } from '@flotilla/kit';
import type { OutputStreamName } from '../core/output-broadcast.js';
import type { LogEntry } from '../core/ports.js';

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

/** Where a container's files are on the host: for inspect, not for lists. */
export interface ContainerPaths {
  stateDir: string;
  logPath: string;
  sandboxKey: string;
}

type ContainerInit = MessageInitShape<typeof containerV1.ContainerSchema>;

/** A container for the API; a summary (no paths) leaves Docker's Config and HostConfig JSON out. */
export function containerMessage(record: ContainerRecord, paths?: ContainerPaths): ContainerInit {
  const summary = paths === undefined;
  return {
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
    endpointsConfigJson: Buffer.from(JSON.stringify(networksOf(record))),
    exposedPorts: Object.keys(record.config.ExposedPorts ?? {}),
    endpoints: record.attached?.endpoints ?? [],
    ports: record.attached?.ports ?? [],
    labels: record.config.Labels ?? {},
    networkMode: record.hostConfig.NetworkMode ?? 'default',
    path: record.path,
    args: record.args,
    restartCount: record.restartCount,
    mounts: (record.mounts ?? []).map(({ type, name, source, destination, driver, mode, rw, propagation }) => ({ type, name, source, destination, driver, mode, rw, propagation })),
    driver: record.snapshotter,
    ...paths,
  };
}

export const outputStream = (name: OutputStreamName) => (name === 'stderr' ? containerV1.OutputStream.STDERR : containerV1.OutputStream.STDOUT);

/**
 * A batch of log entries as LogEntries columns, cut so no message carries much more than
 * `limit` bytes of output (a tail of 100k lines comes as one batch).
 */
export function* logEntriesMessages(
  entries: readonly LogEntry[],
  asked: { withTimes: boolean; withAttrs: boolean },
  limit = 1024 * 1024,
): Generator<MessageInitShape<typeof containerV1.LogEntriesSchema>> {
  for (let start = 0; start < entries.length; ) {
    let end = start;
    let bytes = 0;
    while (end < entries.length && (end === start || bytes + entries[end].log.length <= limit)) bytes += entries[end++].log.length;
    const part = entries.slice(start, end);
    yield {
      messages: Buffer.concat(part.map((entry) => entry.log), bytes),
      sizes: part.map((entry) => entry.log.length),
      streams: part.map((entry) => outputStream(entry.stream)),
      times: asked.withTimes ? part.map((entry) => entry.time) : [],
      attrs: asked.withAttrs ? part.map((entry) => ({ values: entry.attrs ?? {} })) : [],
    };
    start = end;
  }
}

/** A protobuf Timestamp in nanoseconds since the epoch. */
export function timestampNanos(time: { seconds: bigint; nanos: number }): bigint {
  return time.seconds * 1_000_000_000n + BigInt(time.nanos);
}
