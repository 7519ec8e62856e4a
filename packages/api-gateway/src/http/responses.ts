import type { IncomingMessage, ServerResponse } from 'node:http';
import { EngineError } from '@flotilla/proto';

/** JSON bodies end with a newline, as Go's json.Encoder writes them. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** 204 and 304 carry no body and no content headers. */
export function sendEmpty(res: ServerResponse, status: 204 | 304): void {
  res.writeHead(status);
  res.end();
}

const maxJsonBody = 16 * 1024 * 1024;

export async function readJsonBody<T>(req: IncomingMessage): Promise<T | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxJsonBody) throw EngineError.invalid('request body is too large');
    chunks.push(chunk);
  }
  return parseJsonBody<T>(Buffer.concat(chunks));
}

/** A request body read some other way (off an upgraded socket): undefined when empty, 400 when not JSON. */
export function parseJsonBody<T>(body: Buffer): T | undefined {
  const text = body.toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new EngineError('invalid', `invalid JSON: ${(err as Error).message}`);
  }
}

export function queryBool(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  return value !== null && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

export function queryInt(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw EngineError.invalid(`invalid value for ${name}: ${value}`);
  return n;
}

