import { get as getPlain, type IncomingMessage } from 'node:http';
import { get as getTls } from 'node:https';
import { EngineError } from '@flotilla/proto';

export interface RemoteArchive {
  /** The URL as fetched (`host/path` becomes `http://host/path`, as dockerd reads it). */
  url: string;
  /** Bytes announced by the server; -1 when it did not say. */
  size: number;
  body: IncomingMessage;
}

const maxRedirects = 10;

function get(url: URL, signal: AbortSignal | undefined): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? getTls : getPlain;
    request(url, { signal }, resolve).once('error', (err) => reject(new EngineError('internal', `Get "${url.href}": ${err.message}`, { cause: err })));
  });
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
  for (let redirects = 0; ; redirects++) {
    const res = await get(url, signal);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location && redirects < maxRedirects) {
      res.resume();
      url = new URL(res.headers.location, url);
      continue;
    }
    if (status >= 200 && status < 300) return { url: fetched, size: Number(res.headers['content-length'] ?? -1), body: res };
    let text = '';
    for await (const chunk of res) if (text.length < 1024) text += String(chunk);
    const message = `failed to GET ${fetched} with status ${status} ${res.statusMessage ?? ''}: ${text.trim()}`;
    throw status === 404 ? EngineError.notFound(message) : new EngineError('internal', message);
  }
}
