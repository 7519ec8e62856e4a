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

/** Runs `work` on every item, at most `limit` at a time; fails with the first failure. */
export async function forEachConcurrently<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
