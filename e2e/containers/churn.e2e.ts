import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerOk } from '../support/docker-cli';
import { containerdContainers, containerdTasks, ctr, engineCgroup, settings } from '../support/engine';
import { eventually } from '../support/eventually';
import { leftNetworkNamespaces } from '../support/host-network';

const entries = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

describe('container churn', () => {
  it('leaves no snapshot, task, FIFO, mount, cgroup or netns behind after 50 concurrent runs and removals', async () => {
    const ids = await Promise.all(
      Array.from({ length: 50 }, (_, i) => dockerOk(['run', '-d', '--name', `churn-${i}`, settings().image, 'sleep', '300'], { timeoutMs: 120_000 }).then((out) => out.trim())),
    );
    expect(new Set(ids).size).toBe(50);
    expect((await dockerOk(['ps', '-q', '--filter', 'name=churn-'])).trim().split('\n')).toHaveLength(50);

    await dockerOk(['rm', '-f', ...ids], { timeoutMs: 120_000 });

    expect(await dockerOk(['ps', '-aq'])).toBe('');
    expect(containerdContainers()).toEqual([]);
    expect(containerdTasks()).toEqual([]);
    expect(ctr('snapshots', '--snapshotter', 'overlayfs', 'ls')).not.toMatch(/Active/);
    expect(entries(join(settings().runDir, 'container', 'io'))).toEqual([]);
    // Namespaces given back are unbound just after.
    await eventually(() => expect(leftNetworkNamespaces()).toEqual([]));
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
    for (const id of ids) expect(mounts).not.toContain(id);
    for (const controller of ['memory', 'pids', 'cpu', 'freezer']) {
      const left = entries(`/sys/fs/cgroup/${controller}/${engineCgroup}`).filter((name) => ids.includes(name));
      expect(left).toEqual([]);
    }
  });
});
