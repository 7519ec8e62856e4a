import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isEngineRunning, removeBridges, removeCgroupParent, unmountUnder } from '@flotilla/tools/fixtures';
import { docker } from './docker-cli';
import { killStrayRegistries } from './registry/local-registry';
import { stopE2eDockerd } from './reference-dockerd';
import { defaultBridge, e2eRoot, engineCgroup, startEngine, stopEngine, settings } from './engine';

/**
 * Leaves the machine as the suite found it: containers removed through the engine (so their
 * namespaces, snapshots, cgroups and networks go too), the engine stopped, its bridges, mounts
 * and files removed.
 */
export async function cleanUp(): Promise<void> {
  if (existsSync(`${e2eRoot}/engine.json`)) {
    // Containers still running after an aborted run are only reachable through an engine.
    if (!isEngineRunning(e2eRoot)) await startEngine(settings()).catch(() => undefined);
    const { stdout } = await docker(['ps', '-aq']).catch(() => ({ stdout: '' }));
    const ids = stdout.split('\n').filter(Boolean);
    if (ids.length) await docker(['rm', '-f', ...ids]);
    await docker(['network', 'prune', '-f']).catch(() => undefined);
    await stopEngine();
  }
  killLeftovers();
  killStrayRegistries(e2eRoot);
  await stopE2eDockerd();
  removeBridges(join(e2eRoot, 'state', 'network'), defaultBridge);
  unmountUnder(e2eRoot);
  rmSync(e2eRoot, { recursive: true, force: true });
  removeCgroupParent(engineCgroup);
}

/**
 * A launcher that was killed outright leaves its children (it records their pids) and the
 * containers' shims (they name the suite's containerd socket) behind.
 */
function killLeftovers(): void {
  const pidDir = join(e2eRoot, 'run', 'pids');
  const pids = existsSync(pidDir) ? readdirSync(pidDir).map((f) => Number(readFileSync(join(pidDir, f), 'utf8'))) : [];
  for (const pid of readdirSync('/proc').filter((p) => /^[0-9]+$/.test(p))) {
    const cmdline = (() => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        return '';
      }
    })();
    if (cmdline.startsWith('/usr/bin/containerd-shim') && cmdline.includes(e2eRoot)) pids.push(Number(pid));
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
