import type { ServerResponse } from 'node:http';
import { EngineError, containerV1, type ServiceClient } from '@flotilla/proto';
import type { Route } from '../http/router.js';
import { queryBool, readJsonBody, sendJson } from '../http/responses.js';
import { rfc3339Nano } from '../docker/time-format.js';
import { byteBatches, drained } from '@flotilla/kit';

const uploadBatchBytes = 1024 * 1024;

export type FilesystemBackend = Pick<
  ServiceClient<typeof containerV1.ContainerService>,
  'statContainerPath' | 'readContainerArchive' | 'writeContainerArchive' | 'exportContainer' | 'listContainerChanges' | 'commitContainer'
>;

/** Docker's change kinds: 0 modified, 1 added, 2 deleted. */
const dockerKinds: Record<containerV1.ChangeKind, number> = {
  [containerV1.ChangeKind.UNSPECIFIED]: 0,
  [containerV1.ChangeKind.MODIFIED]: 0,
  [containerV1.ChangeKind.ADDED]: 1,
  [containerV1.ChangeKind.DELETED]: 2,
};

/** X-Docker-Container-Path-Stat: the stat as Go marshals it, base64 (standard alphabet). */
function statHeader(stat: containerV1.PathStat): string {
  const json = JSON.stringify({ name: stat.name, size: Number(stat.size), mode: stat.mode, mtime: rfc3339Nano(stat.mtime), linkTarget: stat.linkTarget });
  return Buffer.from(json).toString('base64');
}

function requiredPath(query: URLSearchParams): string {
  const path = query.get('path') ?? '';
  if (!path) throw EngineError.invalid('Path cannot be empty');
  return path;
}

async function send(res: ServerResponse, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const chunk of chunks) if (!res.write(chunk)) await drained(res);
  res.end();
}

/** `docker cp` (the archive endpoints), `docker export`, `docker diff` and `docker commit`. */
export function filesystemRoutes(backend: FilesystemBackend): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/containers/:id/archive',
      async handle({ req, res, params, query, signal }) {
        const path = requiredPath(query);
        if (req.method === 'HEAD') {
          const { stat } = await backend.statContainerPath({ id: params.id, path }, { signal });
          res.writeHead(200, { 'X-Docker-Container-Path-Stat': statHeader(stat!) }).end();
          return;
        }
        const parts = backend.readContainerArchive({ id: params.id, path }, { signal })[Symbol.asyncIterator]();
        // The stat comes first: a missing path is still a 404.
        const first = await parts.next();
        if (first.done || first.value.part.case !== 'stat') throw EngineError.unavailable('container-svc sent no stat for the archive');
        res.writeHead(200, { 'Content-Type': 'application/x-tar', 'X-Docker-Container-Path-Stat': statHeader(first.value.part.value) });
        await send(
          res,
          (async function* () {
            for (let next = await parts.next(); !next.done; next = await parts.next()) if (next.value.part.case === 'data') yield next.value.part.value;
          })(),
        );
      },
    },
    {
      method: 'PUT',
      pattern: '/containers/:id/archive',
      async handle({ req, res, params, query, signal }) {
        const options = { id: params.id, path: requiredPath(query), noOverwriteDirNonDir: queryBool(query, 'noOverwriteDirNonDir'), copyUidGid: queryBool(query, 'copyUIDGID') };
        const requests = (async function* () {
          yield { part: { case: 'options' as const, value: options } };
          // Batches of about 1 MiB: fewer messages, and fewer chunks for the tar parser at the other end.
          for await (const chunk of byteBatches(req, uploadBatchBytes)) yield { part: { case: 'data' as const, value: chunk } };
        })();
        await backend.writeContainerArchive(requests, { signal });
        res.writeHead(200).end();
      },
    },
    {
      method: 'POST',
      pattern: '/commit',
      async handle({ req, res, query }) {
        const body = await readJsonBody<object | null>(req);
        const repo = query.get('repo') ?? '';
        const tag = query.get('tag') ?? '';
        if (!repo && tag) throw EngineError.invalid('a tag needs a repository');
        const { imageId } = await backend.commitContainer({
          id: query.get('container') ?? '',
          reference: tag ? `${repo}:${tag}` : repo,
          comment: query.get('comment') ?? '',
          author: query.get('author') ?? '',
          changes: query.getAll('changes').filter(Boolean),
          // dockerd pauses unless told not to.
          pause: query.get('pause') === null || queryBool(query, 'pause'),
          configJson: body ? Buffer.from(JSON.stringify(body)) : new Uint8Array(),
        });
        sendJson(res, 201, { Id: imageId });
      },
    },
    {
      method: 'GET',
      pattern: '/containers/:id/changes',
      async handle({ res, params }) {
        const { changes } = await backend.listContainerChanges({ id: params.id });
        // dockerd answers null when nothing changed.
        sendJson(res, 200, changes.length ? changes.map((c) => ({ Path: c.path, Kind: dockerKinds[c.kind] })) : null);
      },
    },
    {
      method: 'GET',
      pattern: '/containers/:id/export',
      async handle({ res, params, signal }) {
        const parts = backend.exportContainer({ id: params.id }, { signal })[Symbol.asyncIterator]();
        // The head goes out with the first bytes: an unknown container is still a 404.
        const first = await parts.next();
        res.writeHead(200, { 'Content-Type': 'application/x-tar' });
        await send(
          res,
          (async function* () {
            for (let next = first; !next.done; next = await parts.next()) yield next.value.data;
          })(),
        );
      },
    },
  ];
}
