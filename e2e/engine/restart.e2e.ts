import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launcherEnv, launcherScript } from '@flotilla/tools/fixtures';
import { docker, dockerOk } from '../support/docker-cli';
import { settings, startEngine, stopEngine } from '../support/engine';

/** kill -9 of container-svc; returns once the launcher has started it again and it answers. */
async function killContainerSvc(): Promise<void> {
  const pidFile = join(settings().runDir, 'pids', 'container-svc.pid');
  const killed = Number(readFileSync(pidFile, 'utf8'));
  process.kill(killed, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 2500));
  // It answers once it has read the containers back.
  for (let waited = 0; (await docker(['ps'])).code !== 0 && waited < 15_000; waited += 250) await new Promise((r) => setTimeout(r, 250));
  expect(Number(readFileSync(pidFile, 'utf8'))).not.toBe(killed);
}

describe('the engine on one machine', () => {
  it('refuses a second start while it runs', () => {
    const second = spawnSync(process.execPath, [launcherScript], { env: launcherEnv(settings()), encoding: 'utf8', timeout: 20_000 });
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/already running \(pid \d+\)/);
  });

  it('keeps containers running across a stop and finds them again, with exits that happened meanwhile', async () => {
    const runner = (await dockerOk(['run', '-d', '--name', 'survivor', settings().image, 'sleep', '300'])).trim();
    const quitter = (await dockerOk(['run', '-d', '--name', 'quitter', settings().image, 'sh', '-c', 'sleep 2; exit 7'])).trim();
    await stopEngine();
    await new Promise((r) => setTimeout(r, 2500));
    await startEngine();

    const [survivor] = JSON.parse(await dockerOk(['inspect', runner]));
    expect(survivor.State).toMatchObject({ Status: 'running', Running: true });
    const [exited] = JSON.parse(await dockerOk(['inspect', quitter]));
    expect(exited.State).toMatchObject({ Status: 'exited', ExitCode: 7 });

    await dockerOk(['stop', '-t', '1', 'survivor']);
    const [stopped] = JSON.parse(await dockerOk(['inspect', runner]));
    expect(stopped.State).toMatchObject({ Status: 'exited', ExitCode: 137 });
    await dockerOk(['rm', 'survivor', 'quitter']);
  });

  it('tells the truth after container-svc is killed: nothing runs twice, exits are recorded, restart policies resume', async () => {
    const inspect = async (name: string) => JSON.parse(await dockerOk(['inspect', name]))[0];
    await dockerOk(['run', '-d', '--name', 'steady', '-v', 'steady-data:/data', settings().image, 'sh', '-c', 'echo kept > /data/f; sleep 300']);
    await dockerOk(['run', '-d', '--name', 'leaver', settings().image, 'sh', '-c', 'sleep 2; exit 5']);
    await dockerOk(['run', '-d', '--name', 'bouncer', '--restart', 'on-failure:1', settings().image, 'sh', '-c', 'sleep 2; exit 3']);
    const steadyBefore = await inspect('steady');

    await killContainerSvc();

    const steady = await inspect('steady');
    expect(steady.State).toMatchObject({ Status: 'running', Pid: steadyBefore.State.Pid, StartedAt: steadyBefore.State.StartedAt });
    // leaver exits about when the service is back, before or just after its recovery.
    for (let waited = 0; (await inspect('leaver')).State.Status === 'running' && waited < 10_000; waited += 250) await new Promise((r) => setTimeout(r, 250));
    expect((await inspect('leaver')).State).toMatchObject({ Status: 'exited', ExitCode: 5 });
    // Volumes and who uses them are read back too.
    expect((await docker(['volume', 'rm', 'steady-data'])).stderr).toContain('volume is in use');
    expect(await dockerOk(['exec', 'steady', 'cat', '/data/f'])).toBe('kept\n');
    // bouncer exited while the service was down: its policy starts it once more, then lets it go.
    for (let waited = 0; (await inspect('bouncer')).RestartCount < 1 && waited < 10_000; waited += 250) await new Promise((r) => setTimeout(r, 250));
    expect((await inspect('bouncer')).RestartCount).toBe(1);
    await dockerOk(['wait', 'bouncer']);
    for (let waited = 0; (await inspect('bouncer')).State.Status !== 'exited' && waited < 5_000; waited += 250) await new Promise((r) => setTimeout(r, 250));
    expect((await inspect('bouncer')).State).toMatchObject({ Status: 'exited', ExitCode: 3 });
    expect((await inspect('bouncer')).RestartCount).toBe(1);
    await dockerOk(['rm', '-f', 'steady', 'leaver', 'bouncer']);
    await dockerOk(['volume', 'rm', 'steady-data']);
  });

  it('loses no log line when container-svc is killed while a container writes', async () => {
    const script = 'i=0; while [ $i -lt 500 ]; do i=$((i+1)); echo line $i; sleep 0.01; done';
    const id = (await dockerOk(['run', '-d', settings().image, 'sh', '-c', script])).trim();
    try {
      await new Promise((r) => setTimeout(r, 1000));
      await killContainerSvc();
      await dockerOk(['wait', id], { timeoutMs: 60_000 });
      const lines = (await dockerOk(['logs', id])).split('\n').filter(Boolean);
      expect(lines).toEqual(Array.from({ length: 500 }, (_, i) => `line ${i + 1}`));
    } finally {
      await docker(['rm', '-f', id]);
    }
  });
});
