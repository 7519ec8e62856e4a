import type { IncomingMessage } from 'node:http';
import { EngineError } from '@flotilla/proto';
import { httpGet } from '@flotilla/kit';

export interface RemoteArchive {
  /** The URL as fetched (`host/path` becomes `http://host/path`, as dockerd reads it). */
  url: string;
  /** Bytes announced by the server; -1 when it did not say. */
  size: number;
  body: IncomingMessage;
}

/** Opens the archive `docker import URL` names; a refusal is an error before any byte is read. */
export async function openRemoteArchive(source: string, signal?: AbortSignal): Promise<RemoteArchive> {
  let url: URL;
  try {
    url = new URL(source.includes('://') ? source : `http://${source}`);
  } catch {
    throw EngineError.invalid(`invalid URL to import from: ${source}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw EngineError.invalid(`cannot import from ${url.protocol} URLs, only http and https`);
  const fetched = url.href;
  const res = await httpGet(url, { signal, maxRedirects: 10 }).catch((err: Error) => {
    throw new EngineError('internal', `Get "${fetched}": ${err.message}`, { cause: err });
  });
  const status = res.statusCode ?? 0;
  if (status >= 200 && status < 300) return { url: fetched, size: Number(res.headers['content-length'] ?? -1), body: res };
  let text = '';
  for await (const chunk of res) if (text.length < 1024) text += String(chunk);
  const message = `failed to GET ${fetched} with status ${status} ${res.statusMessage ?? ''}: ${text.trim()}`;
  throw status === 404 ? EngineError.notFound(message) : new EngineError('internal', message);
}
