import type { ContainerRecord } from './container-record';
import { RestartBackoff, restartsAfterExit } from './restart-policy';

const container = (Name: string, MaximumRetryCount = 0, fields: Partial<ContainerRecord> = {}) =>
  ({ hostConfig: { RestartPolicy: { Name, MaximumRetryCount } }, restartCount: 0, ...fields }) as ContainerRecord;

describe('restartsAfterExit', () => {
  it('follows the policy', () => {
    expect(restartsAfterExit(container('no'), 1)).toBe(false);
    expect(restartsAfterExit(container('always'), 0)).toBe(true);
    expect(restartsAfterExit(container('unless-stopped'), 0)).toBe(true);
    expect(restartsAfterExit(container('on-failure'), 0)).toBe(false);
    expect(restartsAfterExit(container('on-failure'), 2)).toBe(true);
  });

  it('gives up after the retries of on-failure:N', () => {
    expect(restartsAfterExit(container('on-failure', 2, { restartCount: 1 }), 1)).toBe(true);
    expect(restartsAfterExit(container('on-failure', 2, { restartCount: 2 }), 1)).toBe(false);
  });

  it('never restarts a container the user stopped', () => {
    expect(restartsAfterExit(container('always', 0, { manuallyStopped: true }), 137)).toBe(false);
  });
});

describe('RestartBackoff', () => {
  it('doubles from 100 ms up to a minute, and starts over after a steady run', () => {
    const backoff = new RestartBackoff();
    const delays = Array.from({ length: 12 }, () => backoff.next('c', 50));
    expect(delays.slice(0, 4)).toEqual([100, 200, 400, 800]);
    expect(delays[11]).toBe(60_000);
    expect(backoff.next('c', 10_000)).toBe(100);
  });
});
