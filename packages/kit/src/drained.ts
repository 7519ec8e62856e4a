import type { Writable } from 'node:stream';

/** Resolves when a stream that asked for a pause can take more, or when it has closed. */
export function drained(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done).off('close', done);
      resolve();
    };
    stream.on('drain', done).on('close', done);
  });
}
