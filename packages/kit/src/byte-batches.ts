import type { Readable } from 'node:stream';
import { joinForMessage } from '@flotilla/proto';

/**
 * A stream's bytes in batches of at least `size` bytes (the last one may be smaller): streams cost
 * per chunk as much as per byte, in gRPC messages and in tar parsers alike. Each batch has room for
 * the message it is sent in (see joinForMessage). The chunks are taken from 'data' events rather
 * than by async iteration: a socket gives 64 KiB at a time, and the promises of iterating each
 * chunk cost more than copying it. The stream is paused while a batch waits to be taken.
 */
export async function* byteBatches(stream: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const batches: Buffer[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const onData = (chunk: Uint8Array) => {
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes < size) return;
    batches.push(joinForMessage(pending, pendingBytes));
    pending = [];
    pendingBytes = 0;
    stream.pause();
    notify();
  };
  const onEnd = () => {
    ended = true;
    notify();
  };
  const onError = (err: Error) => {
    failure = err;
    notify();
  };
  stream.on('data', onData).once('end', onEnd).once('error', onError);
  try {
    for (;;) {
      const batch = batches.shift();
      if (batch) {
        yield batch;
        if (!ended) stream.resume();
      } else if (failure) {
        throw failure;
      } else if (ended) {
        if (pendingBytes) yield joinForMessage(pending, pendingBytes);
        return;
      } else {
        await new Promise<void>((resolve) => (wake = resolve));
      }
    }
  } finally {
    stream.off('data', onData).off('end', onEnd).off('error', onError);
  }
}
