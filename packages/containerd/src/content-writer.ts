import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { create } from '@bufbuild/protobuf';
import { EngineError, hasRoomForMessage, joinForMessage, type ServiceClient } from '@flotilla/proto';
import * as api from './api.js';
import { isAlreadyExists } from './errors.js';
import { LockstepCall } from './lockstep-call.js';

type WriteAction = api.content.WriteAction;
const { STAT, WRITE, COMMIT } = api.content.WriteAction;

/** containerd's own client writes in chunks of this size; larger messages gain nothing. */
export const maxWriteChunkBytes = 1024 * 1024;
const maxLockWaitStepMs = 1000;

export type BlobSource = AsyncIterable<Uint8Array> | Uint8Array;

export interface WriteBlobOptions {
  /** Names the ingest. A second writer on the same ref waits until the first one is done. */
  readonly ref: string;
  /** Labels of the committed blob (GC references, for example). */
  readonly labels?: Readonly<Record<string, string>>;
  /** When known: an existing blob is then found without sending any data, and the bytes are verified. */
  readonly expectedDigest?: string;
  readonly expectedSize?: number;
  readonly signal?: AbortSignal;
}

export interface WrittenBlob {
  readonly digest: string;
  readonly size: number;
}

export type ContentWriteClient = Pick<ServiceClient<typeof api.content.Content>, 'write' | 'abort' | 'info'>;

type WriteCall = LockstepCall<api.content.WriteContentRequest, api.content.WriteContentResponse>;

/** Removes the first `size` bytes from `pending` (which holds at least that many) and returns them. */
function takeFront(pending: Uint8Array[], size: number): Uint8Array[] {
  const taken: Uint8Array[] = [];
  for (let needed = size; needed > 0; ) {
    const first = pending[0];
    const part = first.length <= needed ? pending.shift()! : first.subarray(0, needed);
    if (part !== first) pending[0] = first.subarray(needed);
    taken.push(part);
    needed -= part.length;
  }
  return taken;
}

/** Write requests carry at most this much; containerd takes messages of up to 16 MiB. */
const maxBatchBytes = 4 * maxWriteChunkBytes;

/**
 * Re-cuts a byte stream into chunks of exactly `size` bytes (the last one may be shorter), each
 * with room for its write request (see joinForMessage). A source of batches that have their
 * room already (see kit's byteBatches) has them passed on as they are: no second copy.
 */
async function* chunksOf(source: BlobSource, size: number): AsyncGenerator<Uint8Array> {
  const pending: Uint8Array[] = [];
  let pendingBytes = 0;
  for await (const piece of source instanceof Uint8Array ? [source] : source) {
    if (pendingBytes === 0 && piece.length <= maxBatchBytes && hasRoomForMessage(piece)) {
      yield piece;
      continue;
    }
    pending.push(piece);
    pendingBytes += piece.length;
    for (; pendingBytes >= size; pendingBytes -= size) yield joinForMessage(takeFront(pending, size), size);
  }
  if (pendingBytes > 0) yield joinForMessage(pending, pendingBytes);
}

function isLockedByAnotherWriter(err: unknown): boolean {
  return EngineError.is(err, 'unavailable') && err instanceof Error && err.message.includes('locked');
}

interface WriteFields {
  total?: bigint;
  expected?: string;
  offset?: bigint;
  data?: Uint8Array;
  labels?: Readonly<Record<string, string>>;
}

function request(action: WriteAction, ref: string, fields: WriteFields = {}) {
  return create(api.content.WriteContentRequestSchema, { action, ref, ...fields });
}

async function existingBlob(content: ContentWriteClient, digest: string, signal?: AbortSignal): Promise<WrittenBlob> {
  const { info } = await content.info({ digest }, { signal });
  return { digest, size: Number(info?.size ?? 0) };
}

/** Writes in flight at once: enough to keep containerd busy while the next chunk is read. */
const writesInFlight = 4;

/**
 * Sends the bytes after the ingest's current offset (non-zero when resuming an interrupted write:
 * the skipped bytes are still hashed when the digest is computed here), then commits with `offset` = bytes written, since an offset
 * of 0 would make containerd truncate the blob. Writes are pipelined. With an expected digest the
 * bytes are not hashed here: containerd checks them at commit.
 */
async function sendAndCommit(
  call: WriteCall,
  source: BlobSource,
  resumeAt: bigint,
  options: WriteBlobOptions,
): Promise<WrittenBlob> {
  const hash = options.expectedDigest === undefined ? createHash('sha256') : undefined;
  let position = 0n;
  let unanswered = 0;
  for await (const chunk of chunksOf(source, maxWriteChunkBytes)) {
    hash?.update(chunk);
    const start = position;
    position += BigInt(chunk.length);
    if (position <= resumeAt) continue;
    const skip = resumeAt > start ? resumeAt - start : 0n;
    call.post(request(WRITE, options.ref, { offset: start + skip, data: chunk.subarray(Number(skip)) }));
    if (++unanswered >= writesInFlight) {
      await call.receive();
      unanswered--;
    }
  }
  for (; unanswered > 0; unanswered--) await call.receive();
  const written = { digest: hash ? `sha256:${hash.digest('hex')}` : options.expectedDigest!, size: Number(position) };
  if (options.expectedSize !== undefined && written.size !== options.expectedSize) {
    throw EngineError.invalid(`blob ${options.ref}: got ${written.size} bytes, expected ${options.expectedSize}`);
  }
  try {
    await call.exchange(
      request(COMMIT, options.ref, { offset: position, total: position, expected: written.digest, labels: options.labels }),
    );
    await call.finish();
  } catch (err) {
    await call.cancel();
    // Someone committed the same bytes first.
    if (!isAlreadyExists(err)) throw err;
  }
  return written;
}

/** One write session; `undefined` when another writer holds the ref. */
async function writeOnce(
  content: ContentWriteClient,
  source: BlobSource,
  options: WriteBlobOptions,
): Promise<WrittenBlob | undefined> {
  const call: WriteCall = new LockstepCall((requests) => content.write(requests, { signal: options.signal }));
  let status: api.content.WriteContentResponse;
  try {
    status = await call.exchange(
      request(STAT, options.ref, {
        total: BigInt(options.expectedSize ?? 0),
        expected: options.expectedDigest ?? '',
      }),
    );
  } catch (err) {
    await call.cancel();
    options.signal?.throwIfAborted();
    if (isAlreadyExists(err) && options.expectedDigest !== undefined) {
      return existingBlob(content, options.expectedDigest, options.signal);
    }
    if (isLockedByAnotherWriter(err)) return undefined;
    throw err;
  }
  // From here this session holds the ingest: abort it on failure, or it stays "active".
  try {
    return await sendAndCommit(call, source, status.offset, options);
  } catch (err) {
    await call.cancel();
    await content.abort({ ref: options.ref }).catch(() => undefined);
    options.signal?.throwIfAborted();
    throw err;
  }
}

/**
 * Streams a blob into containerd's content store (STAT → WRITE ≤ 1 MiB → COMMIT), computing its
 * sha256 on the way unless the caller knows it (containerd then checks it at commit). A blob that already exists counts as written. Run it under a lease
 * (`withLease`) unless the blob is already referenced, or the GC may collect it.
 */
export async function writeBlob(
  content: ContentWriteClient,
  source: BlobSource,
  options: WriteBlobOptions,
): Promise<WrittenBlob> {
  // The source is only read once the ref is ours, so waiting for another writer is safe.
  for (let waitMs = 1; ; waitMs = Math.min(waitMs * 2, maxLockWaitStepMs)) {
    const written = await writeOnce(content, source, options);
    if (written) return written;
    await sleep(waitMs, undefined, { signal: options.signal });
  }
}
