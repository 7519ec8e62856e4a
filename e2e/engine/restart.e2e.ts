import { spawnSync } from 'node:child_process';
import { launcherEnv, launcherScript } from '@flotilla/tools/fixtures';
import { dockerOk } from '../support/docker-cli';
import { settings, startEngine, stopEngine } from '../support/engine';

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
});
