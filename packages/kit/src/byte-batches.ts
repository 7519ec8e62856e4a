import { joinForMessage } from '@flotilla/proto';

/**
 * Chunks joined into batches of at least `size` bytes (the last one may be smaller): streams
 * cost per chunk as much as per byte, in gRPC messages and in tar parsers alike. Each batch has
 * room for the message it is sent in (see joinForMessage).
 */
export async function* byteBatches(chunks: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Buffer> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  for await (const chunk of chunks) {
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes < size) continue;
    yield joinForMessage(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
  }
  if (pendingBytes) yield joinForMessage(pending, pendingBytes);
}
