import type { DockerConfig } from './container-record.js';

/** How a container's health is probed: Docker's Healthcheck with dockerd's defaults filled in. */
export interface HealthPlan {
  /** The probe's command line (CMD-SHELL runs through the container's shell). */
  args: string[];
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  /** The interval during the start period (API 1.44). */
  startIntervalMs: number;
  retries: number;
}

const defaults = { intervalMs: 30_000, timeoutMs: 30_000, startPeriodMs: 0, startIntervalMs: 5_000, retries: 3 };
const nsPerMs = 1_000_000;

/** The container's probe, or undefined without a healthcheck (none, or `NONE`). */
export function healthPlan(config: DockerConfig): HealthPlan | undefined {
  const check = config.Healthcheck as { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; StartInterval?: number; Retries?: number } | null | undefined;
  const [kind, ...rest] = check?.Test ?? [];
  let args: string[];
  if (kind === 'CMD') args = rest;
  else if (kind === 'CMD-SHELL') args = [...(config.Shell?.length ? config.Shell : ['/bin/sh', '-c']), rest.join(' ')];
  else return undefined;
  if (args.length === 0) return undefined;
  const ms = (ns: number | undefined, fallback: number) => (ns ? ns / nsPerMs : fallback);
  return {
    args,
    intervalMs: ms(check?.Interval, defaults.intervalMs),
    timeoutMs: ms(check?.Timeout, defaults.timeoutMs),
    startPeriodMs: ms(check?.StartPeriod, defaults.startPeriodMs),
    startIntervalMs: ms(check?.StartInterval, defaults.startIntervalMs),
    retries: check?.Retries || defaults.retries,
  };
}

/** A duration as Go prints it (`30s`, `1m30s`, `500ms`), for dockerd's messages. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  if (hours) return `${hours}h${minutes}m${seconds}s`;
  if (minutes) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}
