/**
 * Merges what concurrent tasks report into one stream read by one consumer: producers push,
 * the consumer iterates until the channel is closed (or fails with the error it was closed with).
 */
export class ProgressChannel<T> implements AsyncIterable<T> {
  private readonly queue: T[] = [];
  private closed = false;
  private failure: unknown;
  private wake: (() => void) | undefined;

  push(item: T): void {
    if (this.closed) return;
    this.queue.push(item);
    this.wake?.();
  }

  close(failure?: unknown): void {
    this.closed = true;
    this.failure = failure;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const item = this.queue.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.closed) {
        if (this.failure !== undefined) throw this.failure;
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

/** Runs `work` in the background, handing what it emits to the consumer of the stream returned. */
export function streamOf<T>(work: (emit: (item: T) => void) => Promise<void>): AsyncIterable<T> {
  const channel = new ProgressChannel<T>();
  work((item) => channel.push(item)).then(
    () => channel.close(),
    (err) => channel.close(err),
  );
  return channel;
}

/** Wraps tasks so that at most `limit` run at a time, started in the order they were given. */
export function concurrencyLimit(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
