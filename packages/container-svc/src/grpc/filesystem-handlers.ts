import { PassThrough, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { EngineError, containerV1, type ServiceHandlers } from '@flotilla/proto';
import { byteBatches } from '@flotilla/kit';
import type { FilesystemChange } from '../core/filesystem-changes.js';
import type { ContainerLifecycle } from '../core/container-lifecycle.js';
import { writableAt } from '../core/container-mounts.js';
import type { ContainerArchives, PathStat } from '../core/ports.js';

type FilesystemHandlers = Pick<
  ServiceHandlers<typeof containerV1.ContainerService>,
  'statContainerPath' | 'readContainerArchive' | 'writeContainerArchive' | 'exportContainer' | 'listContainerChanges' | 'commitContainer'
>;

const changeKinds: Record<FilesystemChange['kind'], containerV1.ChangeKind> = {
  changed: containerV1.ChangeKind.MODIFIED,
  added: containerV1.ChangeKind.ADDED,
  deleted: containerV1.ChangeKind.DELETED,
};

/** The most a message of a tar stream carries. */
const messageBytes = 1024 * 1024;

const statMessage = (stat: PathStat): MessageInitShape<typeof containerV1.PathStatSchema> => ({ ...stat, size: BigInt(stat.size), mtime: timestampFromDate(stat.mtime) });

/**
 * The bytes `produce` writes, as they come, while the filesystem it reads stays mounted: the
 * mount is released once the last byte is taken (or the client goes away).
 */
async function* streamed(produce: (sink: Writable) => Promise<void>, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  // Room for the producer to read ahead while a message is on its way.
  const sink = new PassThrough({ highWaterMark: 4 * messageBytes });
  const done = produce(sink);
  done.catch((err: Error) => sink.destroy(err));
  const abort = () => sink.destroy();
  signal.addEventListener('abort', abort, { once: true });
  try {
    // Messages of about 1 MiB: gRPC's cost is per message more than per byte.
    yield* byteBatches(sink, messageBytes);
    await done;
  } finally {
    signal.removeEventListener('abort', abort);
  }
}

/** `docker cp`, `docker export`, `docker diff` and `docker commit`: the container's files. */
export function filesystemHandlers(lifecycle: ContainerLifecycle, archives: ContainerArchives): FilesystemHandlers {
  return {
    async statContainerPath(req) {
      const stat = await lifecycle.withFilesystem(req.id, (root) => archives.stat(root, req.path, req.id));
      return { stat: statMessage(stat) };
    },
    async *readContainerArchive(req, ctx): AsyncGenerator<MessageInitShape<typeof containerV1.ReadContainerArchiveResponseSchema>> {
      let announce!: (stat: PathStat) => void;
      const stat = new Promise<PathStat>((resolve) => (announce = resolve));
      const chunks = streamed(
        (sink) =>
          lifecycle.withFilesystem(req.id, async (root) => {
            const archive = await archives.read(root, req.path, req.id);
            announce(archive.stat);
            await pipeline(archive.tar, sink);
          }),
        ctx.signal,
      );
      // Reading starts the producer: the stat comes before its first byte, or its failure does
      // (a missing path fails the call before anything is sent).
      const first = chunks.next();
      yield { part: { case: 'stat', value: statMessage(await Promise.race([stat, first.then(() => stat)])) } };
      for (let next = await first; !next.done; next = await chunks.next()) yield { part: { case: 'data', value: next.value } };
    },
    async writeContainerArchive(requests) {
      const iterator = requests[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done || first.value.part.case !== 'options') throw EngineError.invalid('an archive upload starts with its options');
      const options = first.value.part.value;
      const body = (async function* () {
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) if (next.value.part.case === 'data') yield next.value.part.value;
      })();
      await lifecycle.withFilesystem(options.id, async (root, record) => {
        if (!writableAt(record.hostConfig.ReadonlyRootfs === true, record.mounts ?? [], options.path)) throw EngineError.invalid('container rootfs is marked read-only');
        const owner = options.copyUidGid ? await archives.owner(root, record.config.User) : undefined;
        await archives.extract(root, options.path, options.id, body, { noOverwriteDirNonDir: options.noOverwriteDirNonDir, owner });
      });
      return {};
    },
    async commitContainer(req) {
      const config = req.configJson.length ? (JSON.parse(Buffer.from(req.configJson).toString('utf8')) as object | null) : null;
      if (config !== null && (typeof config !== 'object' || Array.isArray(config))) throw EngineError.invalid('the commit config must be a JSON object');
      const { reference, comment, author, changes, pause } = req;
      return { imageId: await lifecycle.commit(req.id, { reference, comment, author, changes, pause, config: config ?? {} }) };
    },
    async listContainerChanges(req) {
      const changes = await lifecycle.changes(req.id);
      return { changes: changes.map((c) => ({ path: c.path, kind: changeKinds[c.kind] })) };
    },
    async *exportContainer(req, ctx): AsyncGenerator<MessageInitShape<typeof containerV1.ExportContainerResponseSchema>> {
      const chunks = streamed((sink) => lifecycle.withRootfs(req.id, async (root) => pipeline((await archives.read(root, '/', req.id)).tar, sink)), ctx.signal);
      for await (const data of chunks) yield { data };
    },
  };
}
