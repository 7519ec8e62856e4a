import type { ContainerRecord, HealthStatus } from './container-record.js';
import { goDuration, healthPlan, type HealthPlan } from './healthcheck.js';
import { now } from '@flotilla/kit';

export interface ProbeResult {
  exitCode: number;
  output: string;
}

export interface HealthMonitorOptions {
  /** Runs the probe in the container; the result of a probe that could not run says why. */
  probe(record: ContainerRecord, args: string[], timeoutMs: number): Promise<ProbeResult>;
  /** The health status changed (the record holds the new health). */
  changed(record: ContainerRecord, status: HealthStatus): void;
}

/** dockerd keeps this many probe results in inspect. */
const logEntries = 5;

/**
 * Runs each running container's healthcheck as dockerd does: a probe every interval (the start
 * interval during the start period), healthy on success, unhealthy after `retries` failures in a
 * row, failures during the start period not counted. Stopping marks the container unhealthy,
 * which is what dockerd reports for a container that no longer runs.
 */
export class HealthMonitor {
  /** One token per monitored run: a probe of an earlier run finds it replaced and stops. */
  private readonly runs = new Map<string, { timer?: NodeJS.Timeout }>();

  constructor(private readonly opts: HealthMonitorOptions) {}

  start(record: ContainerRecord): void {
    this.stop(record);
    const plan = healthPlan(record.config);
    if (!plan) {
      delete record.state.health;
      return;
    }
    record.state.health = { status: 'starting', failingStreak: 0, log: [] };
    const run = {};
    this.runs.set(record.id, run);
    this.schedule(record, plan, run);
  }

  stop(record: ContainerRecord): void {
    const run = this.runs.get(record.id);
    if (!run) return;
    clearTimeout(run.timer);
    this.runs.delete(record.id);
    if (record.state.health) record.state.health = { ...record.state.health, status: 'unhealthy' };
  }

  private inStartPeriod(record: ContainerRecord, plan: HealthPlan): boolean {
    return Date.now() < Date.parse(record.state.startedAt ?? now()) + plan.startPeriodMs;
  }

  private schedule(record: ContainerRecord, plan: HealthPlan, run: { timer?: NodeJS.Timeout }): void {
    const wait = this.inStartPeriod(record, plan) && record.state.health?.status === 'starting' ? Math.min(plan.startIntervalMs, plan.intervalMs) : plan.intervalMs;
    run.timer = setTimeout(() => void this.probe(record, plan, run), wait).unref();
  }

  private async probe(record: ContainerRecord, plan: HealthPlan, run: { timer?: NodeJS.Timeout }): Promise<void> {
    const start = now();
    const result = await this.opts.probe(record, plan.args, plan.timeoutMs).catch((err: Error) => ({ exitCode: -1, output: err.message }));
    const health = record.state.health;
    if (this.runs.get(record.id) !== run || !health) return;
    const entry = { start, end: now(), exitCode: result.exitCode, output: result.output };
    const before = health.status;
    let { status, failingStreak } = health;
    if (result.exitCode === 0) {
      status = 'healthy';
      failingStreak = 0;
    } else if (!(status === 'starting' && this.inStartPeriod(record, plan))) {
      failingStreak++;
      if (failingStreak >= plan.retries) status = 'unhealthy';
    }
    record.state.health = { status, failingStreak, log: [...health.log, entry].slice(-logEntries) };
    if (status !== before) this.opts.changed(record, status);
    this.schedule(record, plan, run);
  }
}

/** What dockerd records for a probe that did not finish in time. */
export function timedOutProbe(timeoutMs: number): ProbeResult {
  return { exitCode: -1, output: `Health check exceeded timeout (${goDuration(timeoutMs)})` };
}
