import type { Duplex } from 'node:stream';
import { EngineError, containerV1, type ServiceClient } from '@flotilla/proto';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { Route, HijackContext, RequestContext } from '../http/router.js';
import { queryBool, queryInt, readJsonBody, sendEmpty, sendJson } from '../http/responses.js';
import { drained } from '@flotilla/kit';
import { containerInspectJson, containerSummaryJson } from '../docker/container-json.js';
import { compareApiVersions } from '../http/api-version.js';
import { filterValues, parseFilters } from '../wire/filters.js';
import { logStreamBytes, parseLogTime } from '../wire/log-stream.js';
import { attachedContentType, stdinRequests, writeOutput } from './attached-output.js';

/** What the container routes need from container-svc, and nothing more. */
export type ContainerBackend = Pick<
  ServiceClient<typeof containerV1.ContainerService>,
  | 'createContainer'
  | 'startContainer'
  | 'stopContainer'
  | 'killContainer'
  | 'removeContainer'
  | 'waitContainer'
  | 'attachContainer'
  | 'resizeContainerTty'
  | 'listContainers'
  | 'inspectContainer'
  | 'restartContainer'
  | 'pauseContainer'
  | 'unpauseContainer'
  | 'renameContainer'
  | 'updateContainer'
  | 'pruneContainers'
  | 'topContainer'
  | 'statsContainer'
  | 'readContainerLogs'
>;

const waitConditions: Record<string, containerV1.WaitCondition> = {
  '': containerV1.WaitCondition.NOT_RUNNING,
  'not-running': containerV1.WaitCondition.NOT_RUNNING,
  'next-exit': containerV1.WaitCondition.NEXT_EXIT,
  removed: containerV1.WaitCondition.REMOVED,
};

const newline = Buffer.from('\n');

/** `t` and `signal` of stop and restart; the signal parameter arrived with API 1.42. */
function stopOptions(query: URLSearchParams, apiVersion: string): { timeoutSeconds?: number; signal: string } {
  return { timeoutSeconds: queryInt(query, 't'), signal: compareApiVersions(apiVersion, '1.42') >= 0 ? (query.get('signal') ?? '') : '' };
}

type AttachInput = MessageInitShape<typeof containerV1.AttachContainerRequestSchema>;

/** The attach request stream: options first, then stdin as the client sends it, then its close. */
async function* attachInput(options: AttachInput, socket: Duplex, head: Buffer, withStdin: boolean): AsyncGenerator<AttachInput> {
  yield options;
  if (withStdin) yield* stdinRequests(socket, head);
}

export function containerRoutes(backend: ContainerBackend): Route[] {
  return [
    {
      method: 'POST',
      pattern: '/containers/create',
      async handle({ req, res, query, apiVersion }: RequestContext) {
        const body = await readJsonBody<Record<string, unknown>>(req);
        if (!body) throw EngineError.invalid('config cannot be empty in order to create a container');
        const created = await backend.createContainer({
          name: query.get('name') ?? '',
          configJson: Buffer.from(JSON.stringify(body)),
          apiVersion,
        });
        sendJson(res, 201, { Id: created.id, Warnings: created.warnings });
      },
    },
    {
      method: 'GET',
      pattern: '/containers/json',
      async handle({ res, query, apiVersion }) {
        const list = await backend.listContainers({
          all: queryBool(query, 'all'),
          limit: queryInt(query, 'limit') ?? 0,
          size: queryBool(query, 'size'),
          filters: filterValues(parseFilters(query.get('filters'))),
          summary: true,
        });
        const now = Date.now();
        sendJson(res, 200, list.containers.map((c) => containerSummaryJson(c, apiVersion, now)));
      },
    },
    {
      method: 'GET',
      pattern: '/containers/:id/json',
      async handle({ res, params, apiVersion }) {
        const { container } = await backend.inspectContainer({ id: params.id });
        sendJson(res, 200, containerInspectJson(container!, apiVersion));
      },
    },
    {
      method: 'POST',
      pattern: '/containers/:id/start',
      async handle({ res, params }) {
        await backend.startContainer({ id: params.id });
        sendEmpty(res, 204);
      },
    },
    {
      method: 'POST',
      pattern: '/containers/:id/stop',
      async handle({ res, params, query, apiVersion }) {
        await backend.stopContainer({ id: params.id, ...stopOptions(query, apiVersion) });
        sendEmpty(res, 204);
      },
    },
    {
      method: 'POST',
      pattern: '/containers/:id/restart',
      async handle({ res, params, query, apiVersion }) {
        await backend.restartContainer({ id: params.id, ...stopOptions(query, apiVersion) });
        sendEmpty(res, 204);
      },
    },
    {
      method: 'POST',
      pattern: '/containers/:id/pause',
      async handle({ res, params }) {
        await backend.pauseContainer({ id: params.id });
        sendEmpty(res, 204);
      },
    },
    {
      method: 'POST',
      pattern: '/containers/:id/unpause',
      async handle({ res, params }) {
        await backend.unpauseContainer({ id: params.id });
        sendEmpty(res, 204);
      },
    },
    {
      method: 'POST',
      pattern: '/containers/:id/rename',
      async handle({ res, params, query }) {
        await backend.renameContainer({ id: params.id, name: query.get('name') ?? '' });
        sendEmpty(res, 204);
      },
    },
    {
      method: 'POST',
      pattern: '/containers/:id/update',
      async handle({ req, res, params }) {
        const body = (await readJsonBody<Record<string, unknown>>(req)) ?? {};
        const { warnings } = await backend.updateContainer({ id: params.id, updateJson: Buffer.from(JSON.stringify(body)) });
        sendJson(res, 200, { Warnings: warnings });
      },
    },
    {
      method: 'GET',
      pattern: '/containers/:id/top',
      async handle({ res, params, query }) {
        const { titles, processes } = await backend.topContainer({ id: params.id, psArgs: query.get('ps_args') ?? '' });
        sendJson(res, 200, { Titles: titles, Processes: processes.map((row) => row.fields) });
      },
    },
    {
      method: 'GET',
      pattern: '/containers/:id/stats',
      async handle({ res, params, query, signal }) {
        // stream defaults to true; one-shot only matters without it.
        const stream = query.get('stream') === null || queryBool(query, 'stream');
        const samples = backend.statsContainer({ id: params.id, stream, oneShot: queryBool(query, 'one-shot') }, { signal });
        for await (const { statsJson } of samples) {
          if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/json' });
          // One JSON object a line, as Go's json.Encoder writes them.
          if (!res.write(Buffer.concat([statsJson, newline]))) await drained(res);
        }
        res.end();
      },
    },
    {
      method: 'GET',
      pattern: '/containers/:id/logs',
      async handle({ res, params, query, signal, apiVersion }) {
        const stdout = queryBool(query, 'stdout');
        const stderr = queryBool(query, 'stderr');
        if (!stdout && !stderr) throw EngineError.invalid('Bad parameters: you must choose at least one stream');
        const now = new Date();
        // dockerd reads any tail that is not a non-negative number as "all".
        const tail = /^\d+$/.test(query.get('tail') ?? '') ? Number(query.get('tail')) : undefined;
        const options = { tty: false, timestamps: queryBool(query, 'timestamps'), details: queryBool(query, 'details') };
        const request = {
          id: params.id,
          stdout,
          stderr,
          since: parseLogTime(query.get('since'), now),
          until: parseLogTime(query.get('until'), now),
          tail,
          follow: queryBool(query, 'follow'),
          withTimes: options.timestamps,
          withAttrs: options.details,
        };
        for await (const { response } of backend.readContainerLogs(request, { signal })) {
          if (response.case === 'opened') {
            options.tty = response.value.tty;
            res.writeHead(200, { 'Content-Type': attachedContentType(options.tty, apiVersion) });
            // A follower sees the answer start before any entry comes.
            res.flushHeaders();
          } else if (response.case === 'entries' && !res.write(logStreamBytes(response.value, options))) {
            await drained(res);
          }
        }
        res.end();
      },
    },
    {
      method: 'POST',
      pattern: '/containers/prune',
      async handle({ res, query }) {
        const { deleted, spaceReclaimed } = await backend.pruneContainers({ filters: filterValues(parseFilters(query.get('filters'))) });
        sendJson(res, 200, { ContainersDeleted: deleted.length ? deleted : null, SpaceReclaimed: Number(spaceReclaimed) });
      },
    },
    {
      method: 'POST',
      pattern: '/containers/:id/kill',
      async handle({ res, params, query }) {
        await backend.killContainer({ id: params.id, signal: query.get('signal') ?? '' });
        sendEmpty(res, 204);
      },
    },
    {
      method: 'DELETE',
      pattern: '/containers/:id',
      async handle({ res, params, query }) {
        await backend.removeContainer({ id: params.id, force: queryBool(query, 'force'), removeVolumes: queryBool(query, 'v') });
        sendEmpty(res, 204);
      },
    },
    {
      method: 'POST',
      pattern: '/containers/:id/wait',
      async handle({ res, params, query, signal }) {
        const condition = waitConditions[query.get('condition') ?? ''];
        if (condition === undefined) throw EngineError.invalid(`invalid condition: "${query.get('condition')}"`);
        for await (const msg of backend.waitContainer({ id: params.id, condition }, { signal })) {
          if (msg.result.case === 'registered') {
            // Clients wait before they start: tell them the wait is in place.
            res.writeHead(200, { 'Content-Type': 'application/json' });
            res.flushHeaders();
          } else if (msg.result.case === 'exited') {
            const { exitCode, error } = msg.result.value;
            res.end(JSON.stringify({ Error: error ? { Message: error } : null, StatusCode: exitCode }) + '\n');
            return;
          }
        }
      },
    },
    {
      method: 'POST',
      pattern: '/containers/:id/resize',
      async handle({ res, params, query }) {
        await backend.resizeContainerTty({ id: params.id, height: queryInt(query, 'h') ?? 0, width: queryInt(query, 'w') ?? 0 });
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 0 });
        res.end();
      },
    },
    {
      method: 'POST',
      pattern: '/containers/:id/attach',
      async hijack({ socket, head, params, query, apiVersion, accept }: HijackContext) {
        const withStdin = queryBool(query, 'stdin');
        const options: AttachInput = {
          request: {
            case: 'options',
            value: {
              id: params.id,
              stdin: withStdin,
              stdout: queryBool(query, 'stdout'),
              stderr: queryBool(query, 'stderr'),
              logs: queryBool(query, 'logs'),
              // dockerd streams only when asked: stream=0 (the default) is the log replay alone.
              logsOnly: !queryBool(query, 'stream'),
              detachKeys: query.get('detachKeys') ?? '',
            },
          },
        };
        const controller = new AbortController();
        socket.on('close', () => controller.abort());
        // A client that sends no stdin may still half-close; keep reading so 'end' arrives.
        if (!withStdin) socket.resume();
        let tty = false;
        for await (const msg of backend.attachContainer(attachInput(options, socket, head, withStdin), { signal: controller.signal })) {
          if (msg.response.case === 'attached') {
            tty = msg.response.value.tty;
            accept(attachedContentType(tty, apiVersion));
          } else if (msg.response.case === 'output') {
            if (!writeOutput(socket, tty, msg.response.value)) await drained(socket);
          }
        }
        socket.end();
      },
    },
  ];
}
