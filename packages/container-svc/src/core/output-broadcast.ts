export type OutputStreamName = 'stdout' | 'stderr';

export interface OutputChunk {
  stream: OutputStreamName;
  data: Uint8Array;
}

/** Bytes a subscriber may have queued before the container's output is paused for it. */
const highWaterBytes = 1024 * 1024;

class Subscriber implements AsyncIterable<OutputChunk> {
  private readonly queue: OutputChunk[] = [];
  private queuedBytes = 0;
  private ended = false;
  private wake: (() => void) | undefined;
  private drainWaiters: (() => void)[] = [];

  constructor(readonly streams: ReadonlySet<OutputStreamName>) {}

  push(chunk: OutputChunk): boolean {
    if (this.ended) return true;
    this.queue.push(chunk);
    this.queuedBytes += chunk.data.length;
    this.wake?.();
    return this.queuedBytes < highWaterBytes;
  }

  drained(): Promise<void> {
    if (this.ended || this.queuedBytes < highWaterBytes) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  end(): void {
    this.ended = true;
    this.wake?.();
    this.releaseDrainWaiters();
  }

  private releaseDrainWaiters(): void {
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<OutputChunk> {
    try {
      for (;;) {
        const chunk = this.queue.shift();
        if (chunk) {
          this.queuedBytes -= chunk.data.length;
          if (this.queuedBytes < highWaterBytes) this.releaseDrainWaiters();
          yield chunk;
          continue;
        }
        if (this.ended) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
      }
    } finally {
      this.end();
    }
  }
}

export interface Subscription extends AsyncIterable<OutputChunk> {
  /** Stops delivery; the iteration ends. */
  close(): void;
}

/**
 * Fans a container's output out to the clients attached to it. A subscription lasts until the
 * end of the container's current (or, if it is not running, next) run; a slow subscriber pauses
 * the output instead of growing without bound.
 */
export class OutputBroadcast {
  private readonly subscribers = new Map<string, Set<Subscriber>>();

  subscribe(containerId: string, streams: OutputStreamName[]): Subscription {
    const subscriber = new Subscriber(new Set(streams));
    let set = this.subscribers.get(containerId);
    if (!set) this.subscribers.set(containerId, (set = new Set()));
    set.add(subscriber);
    const remove = () => {
      set!.delete(subscriber);
      if (set!.size === 0 && this.subscribers.get(containerId) === set) this.subscribers.delete(containerId);
    };
    return {
      [Symbol.asyncIterator]: () => {
        const inner = subscriber[Symbol.asyncIterator]();
        return {
          next: () => inner.next(),
          return: async (value?: unknown) => {
            remove();
            subscriber.end();
            return inner.return ? inner.return(value) : { done: true, value: undefined };
          },
        };
      },
      close: () => {
        remove();
        subscriber.end();
      },
    };
  }

  /** Delivers a chunk; resolves once every subscriber has room again (back-pressure). */
  publish(containerId: string, chunk: OutputChunk): Promise<void> | undefined {
    const set = this.subscribers.get(containerId);
    if (!set) return undefined;
    const full: Subscriber[] = [];
    for (const subscriber of set) {
      if (subscriber.streams.has(chunk.stream) && !subscriber.push(chunk)) full.push(subscriber);
    }
    return full.length ? Promise.all(full.map((s) => s.drained())).then(() => undefined) : undefined;
  }

  /** The container's run is over: every subscription ends once its queue is read. */
  endRun(containerId: string): void {
    const set = this.subscribers.get(containerId);
    if (!set) return;
    this.subscribers.delete(containerId);
    for (const subscriber of set) subscriber.end();
  }
}
