import type { ContainerRecord } from './container-record.js';

const firstDelayMs = 100;
const maxDelayMs = 60_000;
/** A run at least this long counts as a success: the next restart starts the back-off again. */
const steadyRunMs = 10_000;

/**
 * Whether a container that just exited is started again by its restart policy. A container the
 * user stopped stays stopped; `on-failure:N` gives up after N restarts (0: never).
 */
export function restartsAfterExit(record: ContainerRecord, exitCode: number): boolean {
  if (record.manuallyStopped) return false;
  const { Name = 'no', MaximumRetryCount = 0 } = record.hostConfig.RestartPolicy ?? {};
  switch (Name) {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure':
      return exitCode !== 0 && (MaximumRetryCount === 0 || record.restartCount < MaximumRetryCount);
    default:
      return false;
  }
}

/** dockerd's back-off between policy restarts: 100 ms, doubling up to a minute, reset by a steady run. */
export class RestartBackoff {
  private readonly delays = new Map<string, number>();

  next(id: string, ranForMs: number): number {
    const previous = this.delays.get(id);
    const delay = previous === undefined || ranForMs >= steadyRunMs ? firstDelayMs : Math.min(previous * 2, maxDelayMs);
    this.delays.set(id, delay);
    return delay;
  }

  forget(id: string): void {
    this.delays.delete(id);
  }
}
