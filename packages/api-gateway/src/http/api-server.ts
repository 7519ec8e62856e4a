import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { EngineError, newRequestId, withRequestId } from '@flotilla/proto';
import type { Logger } from '@flotilla/kit';
import { checkApiVersion, maxApiVersion, splitVersionPrefix } from './api-version.js';
import { httpStatusOfKind } from './error-status.js';
import type { Router } from './router.js';

export interface ApiServerOptions {
  router: Router;
  logger: Logger;
  engineVersion: string;
}

function sendError(res: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ message }) + '\n';
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * The Docker Engine API over HTTP/1.1: version prefixes, the headers every response carries,
 * errors as `{"message": …}` with the status of their kind, and hijacked connections for the
 * streaming endpoints.
 */
export function createApiServer({ router, logger, engineVersion }: ApiServerOptions): Server {
  const commonHeaders: Record<string, string> = {
    'Api-Version': maxApiVersion,
    'Docker-Experimental': 'false',
    Ostype: 'linux',
    Server: `Docker/${engineVersion} (linux)`,
  };

  const server = createServer({ keepAlive: true }, (req, res) => {
    const started = process.hrtime.bigint();
    const requestId = String(req.headers['x-request-id'] ?? newRequestId());
    res.on('finish', () =>
      logger.debug(
        { requestId, method: req.method, url: req.url, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 },
        'request',
      ),
    );
    withRequestId(requestId, () => void dispatch(req, res));
  });

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://docker');
    const { version, path } = splitVersionPrefix(url.pathname);
    const matched = router.match(req.method ?? 'GET', path);
    if (!matched) {
      sendError(res, 404, 'page not found');
      return;
    }
    for (const [name, value] of Object.entries(commonHeaders)) res.setHeader(name, value);
    const check = checkApiVersion(version);
    if (!check.ok) {
      res.removeHeader('Docker-Experimental');
      if (check.tooNew) return sendError(res, 400, check.message);
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end(check.message + '\n');
      return;
    }
    if (!('handle' in matched.route)) {
      // A client that did not ask for an upgrade still gets the raw stream after a 200 (output
      // only: the HTTP parser still owns what it sends).
      await hijack(req, req.socket, Buffer.alloc(0), false);
      return;
    }
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    try {
      await matched.route.handle({ req, res, params: matched.params, query: url.searchParams, apiVersion: version, signal: controller.signal });
    } catch (err) {
      const error = EngineError.from(err);
      if (error.kind === 'internal') logger.error({ err: error.cause ?? error, url: req.url }, error.message);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const status = httpStatusOfKind[error.kind];
      if (status === 304) {
        res.writeHead(304);
        res.end();
      } else {
        sendError(res, status, error.message);
      }
    }
  }

  async function hijack(req: IncomingMessage, socket: Duplex, head: Buffer, upgrade: boolean): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://docker');
    const { version, path } = splitVersionPrefix(url.pathname);
    const matched = router.match(req.method ?? 'GET', path);
    let accepted = false;
    const accept = (contentType: string) => {
      accepted = true;
      socket.write(
        upgrade
          ? `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`
          : `HTTP/1.1 200 OK\r\nContent-Type: ${contentType}\r\n\r\n`,
      );
    };
    const fail = (status: number, message: string) => {
      const body = JSON.stringify({ message }) + '\n';
      const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status]}`];
      for (const [name, value] of Object.entries(commonHeaders)) lines.push(`${name}: ${value}`);
      lines.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
      socket.end(lines.join('\r\n') + '\r\n\r\n' + body);
    };
    if (!matched || !('hijack' in matched.route)) return fail(404, 'page not found');
    const check = checkApiVersion(version);
    if (!check.ok) return fail(400, check.message);
    try {
      await matched.route.hijack({ req, socket, head, params: matched.params, query: url.searchParams, apiVersion: version, accept });
    } catch (err) {
      const error = EngineError.from(err);
      if (error.kind === 'internal') logger.error({ err: error.cause ?? error, url: req.url }, error.message);
      if (!accepted && socket.writable) fail(httpStatusOfKind[error.kind], error.message);
      else socket.destroy();
    }
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const requestId = String(req.headers['x-request-id'] ?? newRequestId());
    socket.on('error', (err) => logger.debug({ err }, 'hijacked connection error'));
    withRequestId(requestId, () => void hijack(req, socket, head, true));
  });
  return server;
}
