import type { CreatedTask } from './ports.js';

/** How long a task created ahead of the start waits for it (docker run starts within milliseconds). */
const ttlMs = 5000;
/** Tasks created ahead of their start at any one time, at most. */
const maxWaiting = 4;

/**
 * Tasks created ahead of their start: `docker run` creates, attaches, waits and then starts, and
 * runc's create (namespaces, mounts, the seccomp filter) fits in that round trip. Only a few wait
 * at a time (creates in a loop would hold an idle shim each), each for a few seconds.
 */
export class WarmTasks {
  private readonly waiting = new Map<string, Promise<CreatedTask | undefined>>();

  /** `expired` is called for a task its start did not claim in time; it should discard it. */
  constructor(private readonly expired: (id: string) => void) {}

  /** Starts creating a container's task ahead of its start, unless too many wait already. */
  add(id: string, create: () => Promise<CreatedTask | undefined>): void {
    if (this.waiting.size >= maxWaiting) return;
    this.waiting.set(id, create());
    setTimeout(() => this.expired(id), ttlMs).unref();
  }

  /** The task created for the container, if there is one and its creation succeeded; it stays waiting. */
  peek(id: string): Promise<CreatedTask | undefined> {
    return this.waiting.get(id) ?? Promise.resolve(undefined);
  }

  /** The task created for the container, if there is one and its creation succeeded; it is the caller's now. */
  take(id: string): Promise<CreatedTask | undefined> {
    const task = this.waiting.get(id);
    this.waiting.delete(id);
    return task ?? Promise.resolve(undefined);
  }
}
