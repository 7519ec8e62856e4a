import type { Socket } from 'node:net';
import { finished } from 'node:stream/promises';
import type { TaskOutput } from '../core/ports.js';

/** The stderr of a task with a terminal. */
const noOutput: TaskOutput = { drain: async () => undefined };

/**
 * A FIFO's reader as a task output; none for the stderr a terminal does not have. Each chunk is
 * handed over from the 'data' event itself, in the read's own callback: async iteration would keep
 * it in the stream's buffer across promise hops.
 */
export function taskOutput(socket: Socket | undefined): TaskOutput {
  if (!socket) return noOutput;
  return {
    drain: (take) => {
      socket.on('data', (chunk: Buffer) => {
        let taken: Promise<void> | undefined;
        try {
          taken = take(chunk);
        } catch (err) {
          // Thrown out of the listener, it would take the whole service down.
          socket.destroy(err as Error);
          return;
        }
        if (!taken) return;
        socket.pause();
        taken.then(
          () => socket.resume(),
          (err: Error) => socket.destroy(err),
        );
      });
      return finished(socket);
    },
  };
}
