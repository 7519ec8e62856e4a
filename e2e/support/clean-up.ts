import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isEngineRunning } from '@flotilla/tools/fixtures';
import { docker } from './docker-cli';
import { e2eRoot, engineCgroup, startEngine, stopEngine, settings } from './engine';

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((mount) => mount && (mount === dir || mount.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
}

/**
 * Leaves the machine as the suite found it: containers removed through the engine (so their
 * namespaces, snapshots and cgroups go too), the engine stopped, its mounts and files removed.
 */
export async function cleanUp(): Promise<void> {
  if (existsSync(`${e2eRoot}/engine.json`)) {
    // Containers still running after an aborted run are only reachable through an engine.
    if (!isEngineRunning(e2eRoot)) await startEngine(settings()).catch(() => undefined);
    const { stdout } = await docker(['ps', '-aq']).catch(() => ({ stdout: '' }));
    const ids = stdout.split('\n').filter(Boolean);
    if (ids.length) await docker(['rm', '-f', ...ids]);
    await stopEngine();
  }
  killLeftovers();
  for (const mount of mountsUnder(e2eRoot)) execFileSync('umount', ['-l', mount]);
  rmSync(e2eRoot, { recursive: true, force: true });
  removeEngineCgroups();
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

/**
 * runc removes each container's cgroup and the engine's parent cgroup stays until now. Processes
 * still in it belong to an aborted earlier run whose engine state is gone: they are ours to kill.
 */
function removeEngineCgroups(): void {
  const controllers = readdirSync('/sys/fs/cgroup').map((c) => join('/sys/fs/cgroup', c, engineCgroup));
  const containerCgroups = (parent: string) =>
    existsSync(parent) ? readdirSync(parent, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(parent, e.name)) : [];
  for (const cgroup of controllers.flatMap(containerCgroups)) {
    for (const pid of readFileSync(join(cgroup, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  for (const parent of controllers) {
    for (const cgroup of containerCgroups(parent)) retryRmdir(cgroup);
    if (existsSync(parent)) retryRmdir(parent);
  }
}

/** A cgroup whose last process was just killed is busy for a moment. */
function retryRmdir(dir: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      if (attempt === 50) throw err;
      execFileSync('sleep', ['0.1']);
    }
  }
}
