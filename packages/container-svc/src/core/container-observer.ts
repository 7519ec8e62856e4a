import { setTimeout as sleep } from 'node:timers/promises';
import { EngineError } from '@flotilla/proto';
import type { ContainerRecord } from './container-record.js';
import type { ContainerProbe } from './ports.js';
import { dockerStatsJson, type RawStats } from './stats-json.js';

/** What observing needs of the lifecycle: the records, and whether a container's process runs. */
export interface ObservedContainers {
  inspect(idOrName: string): ContainerRecord;
  hasTask(id: string): boolean;
}

/** dockerd samples stats once a second. */
const statsIntervalMs = 1000;

/** `docker top` and `docker stats`: what a container's cgroup holds and uses, read on the host. */
export class ContainerObserver {
  constructor(
    private readonly containers: ObservedContainers,
    private readonly probe: ContainerProbe,
    private readonly cgroupParent: string,
  ) {}

  private cgroupPath(id: string): string {
    return `${this.cgroupParent}/${id}`;
  }

  /** The container's processes as the host's ps shows them. */
  async top(idOrName: string, psArgs: string): Promise<{ titles: string[]; processes: string[][] }> {
    const record = this.containers.inspect(idOrName);
    if (!this.containers.hasTask(record.id)) throw EngineError.conflict(`Container ${record.id} is not running`);
    const pids = await this.probe.pids(this.cgroupPath(record.id));
    return this.probe.processTable(pids, psArgs);
  }

  /**
   * Docker's stats objects, each with the previous sample's CPU figures. A stopped container
   * gives one empty sample. Without `stream`, the one sample waits a second for CPU figures to
   * compare with unless `oneShot`.
   */
  async *stats(idOrName: string, options: { stream: boolean; oneShot: boolean }, signal: AbortSignal): AsyncGenerator<Record<string, unknown>> {
    const record = this.containers.inspect(idOrName);
    const sample = () => {
      if (!this.containers.hasTask(record.id)) return Promise.resolve(undefined);
      const pid = record.hostConfig.NetworkMode === 'host' ? 0 : record.state.pid;
      return this.probe.stats(this.cgroupPath(record.id), pid);
    };
    const json = (current: RawStats | undefined, previous: RawStats | undefined) => dockerStatsJson(current, previous, { id: record.id, name: record.name });
    const wait = () => sleep(statsIntervalMs, undefined, { signal }).catch(() => undefined);
    let previous: RawStats | undefined;
    let current = await sample();
    if (!current) {
      yield json(undefined, undefined);
      return;
    }
    if (!options.stream && !options.oneShot) {
      await wait();
      [previous, current] = [current, await sample()];
    }
    for (;;) {
      yield json(current, previous);
      if (!options.stream || !current || signal.aborted) return;
      await wait();
      [previous, current] = [current, await sample()];
    }
  }
}
