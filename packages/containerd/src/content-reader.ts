import { EngineError, type ServiceClient } from '@flotilla/proto';
import type * as api from './api.js';

export type ContentReadClient = Pick<ServiceClient<typeof api.content.Content>, 'read'>;

export interface ReadBlobOptions {
  readonly signal?: AbortSignal;
}

export interface ReadSmallBlobOptions extends ReadBlobOptions {
  /** Refuses blobs larger than this (default 4 MiB), so a layer is never read into memory by mistake. */
  readonly maxBytes?: number;
}

const defaultMaxSmallBlobBytes = 4 * 1024 * 1024;

/** Streams a blob from containerd's content store. */
export async function* readBlob(
  content: ContentReadClient,
  digest: string,
  options: ReadBlobOptions = {},
): AsyncGenerator<Uint8Array> {
  for await (const { data } of content.read({ digest }, { signal: options.signal })) yield data;
}

/** Reads a whole small blob (a manifest, an index, an image config). */
export async function readBlobBytes(
  content: ContentReadClient,
  digest: string,
  options: ReadSmallBlobOptions = {},
): Promise<Buffer> {
  const maxBytes = options.maxBytes ?? defaultMaxSmallBlobBytes;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of readBlob(content, digest, options)) {
    size += chunk.length;
    if (size > maxBytes) throw EngineError.invalid(`blob ${digest} is larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Reads and parses a small JSON blob; the type parameter is the caller's claim, not checked. */
export async function readBlobJson<T>(
  content: ContentReadClient,
  digest: string,
  options: ReadSmallBlobOptions = {},
): Promise<T> {
  return JSON.parse((await readBlobBytes(content, digest, options)).toString('utf8')) as T;
}
