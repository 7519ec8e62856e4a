import type { Duplex } from 'node:stream';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { containerV1, ServiceClient } from '@flotilla/proto';
import type { HijackContext, Route } from '../http/router.js';
import { parseJsonBody, queryInt, readJsonBody, sendJson } from '../http/responses.js';
import { drained } from '@flotilla/kit';
import { attachedContentType, stdinRequests, writeOutput } from './attached-output.js';

export type ExecBackend = Pick<ServiceClient<typeof containerV1.ContainerService>, 'createExec' | 'startExec' | 'inspectExec' | 'resizeExecTty'>;

type StartInput = MessageInitShape<typeof containerV1.StartExecRequestSchema>;

/**
 * The body of an upgraded request arrives on the socket with the head: `Content-Length` bytes
 * of it are the body, what follows is the client's stdin.
 */
async function splitUpgradedBody(socket: Duplex, head: Buffer, length: number): Promise<{ body: Buffer; rest: Buffer }> {
  let received = head;
  while (received.length < length) {
    const chunk: Buffer | null = socket.read() as Buffer | null;
    if (chunk) received = Buffer.concat([received, chunk]);
    else await new Promise((resolve) => socket.once('readable', resolve));
  }
  return { body: received.subarray(0, length), rest: received.subarray(length) };
}

async function* optionsOnly(options: StartInput): AsyncGenerator<StartInput> {
  yield options;
}

async function* startInput(options: StartInput, socket: Duplex, rest: Buffer): AsyncGenerator<StartInput> {
  yield options;
  yield* stdinRequests(socket, rest);
}

/** How long the final state of an exec that ended here is kept for the client's next question. */
const exitedExecTtlMs = 5000;

/** `docker exec`: create, start (hijacked like attach, or detached), inspect, resize. */
export function execRoutes(backend: ExecBackend): Route[] {
  // An exec's state once its process has exited, as its start stream ended with it: `docker exec`
  // asks for the exit code right then, and is answered without another hop to container-svc.
  // Read once, and for a few seconds at most; any other inspect goes to container-svc.
  const exited = new Map<string, Uint8Array>();
  const keepExited = (id: string, execJson: Uint8Array) => {
    exited.set(id, execJson);
    setTimeout(() => exited.delete(id), exitedExecTtlMs).unref();
  };
  return [
    {
      method: 'POST',
      pattern: '/containers/:id/exec',
      async handle({ req, res, params }) {
        const body = (await readJsonBody<Record<string, unknown>>(req)) ?? {};
        const { id } = await backend.createExec({ containerId: params.id, configJson: Buffer.from(JSON.stringify(body)) });
        sendJson(res, 201, { Id: id });
      },
    },
    {
      method: 'POST',
      pattern: '/exec/:id/start',
      async hijack({ req, socket, head, params, apiVersion, accept }: HijackContext) {
        const upgraded = req.headers.upgrade !== undefined;
        let start: { Detach?: boolean } | undefined;
        let rest: Buffer = Buffer.alloc(0);
        if (upgraded) {
          const split = await splitUpgradedBody(socket, head, Number(req.headers['content-length'] ?? 0));
          start = parseJsonBody(split.body);
          rest = split.rest;
        } else {
          start = await readJsonBody(req);
        }
        const detach = start?.Detach === true;
        const controller = new AbortController();
        socket.on('close', () => controller.abort());
        const options: StartInput = { request: { case: 'options', value: { id: params.id, detach } } };
        let tty = false;
        // Detached, nothing is read from the client: its connection may still be the HTTP parser's.
        const input = detach ? optionsOnly(options) : startInput(options, socket, rest);
        for await (const msg of backend.startExec(input, { signal: controller.signal })) {
          if (msg.response.case === 'started') {
            tty = msg.response.value.tty;
            accept(detach ? 'application/json' : attachedContentType(tty, apiVersion));
            if (detach) break;
          } else if (msg.response.case === 'output') {
            if (!writeOutput(socket, tty, msg.response.value)) await drained(socket);
          } else if (msg.response.case === 'exited') {
            keepExited(params.id, msg.response.value.execJson);
            // The last message: the client is told at once, not after the call's own end (which is
            // read all the same: cancelling the call would cost more than waiting for it).
            socket.end();
          }
        }
        socket.end();
      },
    },
    {
      method: 'GET',
      pattern: '/exec/:id/json',
      async handle({ res, params }) {
        const kept = exited.get(params.id);
        exited.delete(params.id);
        const execJson = kept ?? (await backend.inspectExec({ id: params.id })).execJson;
        sendJson(res, 200, JSON.parse(Buffer.from(execJson).toString('utf8')));
      },
    },
    {
      method: 'POST',
      pattern: '/exec/:id/resize',
      async handle({ res, params, query }) {
        await backend.resizeExecTty({ id: params.id, height: queryInt(query, 'h') ?? 0, width: queryInt(query, 'w') ?? 0 });
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 0 });
        res.end();
      },
    },
  ];
}
