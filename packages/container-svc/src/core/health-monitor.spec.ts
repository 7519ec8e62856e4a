import type { ContainerRecord, HealthStatus } from './container-record';
import { HealthMonitor, timedOutProbe } from './health-monitor';
import { goDuration, healthPlan } from './healthcheck';

const ms = 1_000_000;

function container(healthcheck: Record<string, unknown>): ContainerRecord {
  return {
    id: 'c1',
    name: 'c1',
    created: new Date().toISOString(),
    image: 'busybox',
    imageId: 'sha256:busybox',
    config: { Healthcheck: healthcheck },
    hostConfig: {},
    path: 'sh',
    args: [],
    snapshotter: 'overlayfs',
    restartCount: 0,
    state: { status: 'running', pid: 1, exitCode: 0, error: '', oomKilled: false, startedAt: new Date().toISOString() },
  };
}

function monitor(exitCodes: number[]) {
  const changes: HealthStatus[] = [];
  const probes: string[][] = [];
  const health = new HealthMonitor({
    probe: async (_record, args) => {
      probes.push(args);
      return { exitCode: exitCodes.shift() ?? 0, output: 'out' };
    },
    changed: (_record, status) => changes.push(status),
  });
  return { health, changes, probes };
}

/** Lets the probes of `wait` ms run, on jest's clock: no test depends on how busy the machine is. */
const settle = (wait: number) => jest.advanceTimersByTimeAsync(wait);

describe('HealthMonitor', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('turns healthy on a passing probe, unhealthy after the retries fail in a row', async () => {
    const record = container({ Test: ['CMD-SHELL', 'check'], Interval: 10 * ms, Retries: 2 });
    const { health, changes, probes } = monitor([0, ...Array<number>(20).fill(1)]);
    health.start(record);
    expect(record.state.health?.status).toBe('starting');
    await settle(80);
    health.stop(record);
    expect(changes).toEqual(['healthy', 'unhealthy']);
    expect(probes[0]).toEqual(['/bin/sh', '-c', 'check']);
    // Only the last five probes are kept.
    expect(record.state.health?.log).toHaveLength(5);
    expect(record.state.health?.log[4]).toMatchObject({ exitCode: 1, output: 'out' });
  });

  it('does not count failures during the start period', async () => {
    const record = container({ Test: ['CMD', 'false'], Interval: 10 * ms, StartPeriod: 1000 * ms, StartInterval: 10 * ms, Retries: 1 });
    const { health, changes } = monitor(Array<number>(20).fill(1));
    health.start(record);
    await settle(60);
    health.stop(record);
    expect(changes).toEqual([]);
    expect(record.state.health?.failingStreak).toBe(0);
  });

  it('reports a stopped container unhealthy and probes no more', async () => {
    const record = container({ Test: ['CMD', 'true'], Interval: 10 * ms });
    const { health, probes } = monitor([]);
    health.start(record);
    await settle(25);
    health.stop(record);
    const count = probes.length;
    await settle(40);
    expect(probes.length).toBe(count);
    expect(record.state.health?.status).toBe('unhealthy');
  });

  it('leaves containers without a healthcheck, or with NONE, alone', () => {
    const { health } = monitor([]);
    const none = container({ Test: ['NONE'] });
    health.start(none);
    expect(none.state.health).toBeUndefined();
  });
});

describe('healthPlan', () => {
  it('fills in dockerd\'s defaults and runs CMD-SHELL through the container\'s shell', () => {
    expect(healthPlan({ Healthcheck: { Test: ['CMD-SHELL', 'a b'] }, Shell: ['/bin/bash', '-c'] })).toEqual({
      args: ['/bin/bash', '-c', 'a b'],
      intervalMs: 30_000,
      timeoutMs: 30_000,
      startPeriodMs: 0,
      startIntervalMs: 5_000,
      retries: 3,
    });
  });
});

describe('timedOutProbe', () => {
  it('says what dockerd says', () => {
    expect(timedOutProbe(30_000)).toEqual({ exitCode: -1, output: 'Health check exceeded timeout (30s)' });
    expect(goDuration(90_500)).toBe('1m30.5s');
    expect(goDuration(250)).toBe('250ms');
  });
});
