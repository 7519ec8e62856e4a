import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntilServing } from '@flotilla/kit';
import { containerdConfig, engineLayout, engineProcesses } from './engine-layout.js';
import { ManagedProcess } from './managed-process.js';
import { dockerApiAnswers, tcpPortAccepts, unixSocketAccepts } from './readiness.js';

const startTimeoutMs = Number(process.env.FLOTILLA_START_TIMEOUT_MS || 60_000);
const say = (message: string) => process.stderr.write(`flotilla: ${message}\n`);

function alreadyRunning(pidFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/**
 * The one-machine engine: containerd, NATS, the services and the gateway, started in order and
 * each waited for, stopped in reverse order on SIGINT or SIGTERM.
 */
async function launch(): Promise<void> {
  const layout = engineLayout();
  const pidDir = join(layout.runDir, 'pids');
  const launcherPid = join(layout.runDir, 'engine.pid');
  for (const dir of [layout.stateDir, layout.runDir, layout.logDir, pidDir, join(layout.runDir, 'containerd')]) mkdirSync(dir, { recursive: true });

  const running = alreadyRunning(launcherPid);
  if (running) {
    say(`already running (pid ${running}); export DOCKER_HOST=unix://${layout.apiSocket}`);
    process.exit(1);
  }
  writeFileSync(launcherPid, String(process.pid));
  writeFileSync(layout.containerd.config, containerdConfig(layout));

  const processes = engineProcesses(layout).map((spec) => new ManagedProcess(spec, layout.logDir, pidDir, say));
  const started: ManagedProcess[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping');
    for (const p of [...started].reverse()) await p.stop(p.spec.name === 'containerd' ? 15_000 : 10_000);
    rmSync(launcherPid, { force: true });
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  const readiness: Record<string, () => Promise<boolean>> = {
    containerd: () => unixSocketAccepts(layout.containerd.socket, startTimeoutMs),
    nats: () => tcpPortAccepts(layout.natsPort, startTimeoutMs),
    'api-gateway': () => dockerApiAnswers(layout.apiSocket, startTimeoutMs),
  };
  for (const p of processes) {
    await ManagedProcess.reapOrphan(pidDir, p.spec.name);
    p.start();
    started.push(p);
    const listen = p.spec.env.FLOTILLA_LISTEN;
    const ready = await (readiness[p.spec.name]?.() ?? waitUntilServing(listen, startTimeoutMs));
    if (!ready) {
      say(`${p.spec.name} did not become ready; see ${p.logFile}`);
      await stop(1);
      return;
    }
  }
  say(`engine is up (logs in ${layout.logDir})`);
  process.stdout.write(`export DOCKER_HOST=unix://${layout.apiSocket}\n`);
}

void launch();
