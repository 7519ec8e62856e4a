import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startReferenceDockerd, type ReferenceDockerd } from '@flotilla/tools/fixtures';
import { dockerOk } from '../support/docker-cli';
import { e2eRoot, settings } from '../support/engine';
import { referenceDockerdCgroup, referenceDockerdDir, stopE2eDockerd } from '../support/reference-dockerd';

/** The docker CLI against the reference dockerd. */
function dockerd(engine: ReferenceDockerd, args: string[]): string {
  return execFileSync('docker', args, { env: { ...process.env, DOCKER_HOST: `unix://${engine.socket}`, DOCKER_CONFIG: join(e2eRoot, 'docker-config') }, encoding: 'utf8' });
}

/** Archives cross between the engines: what one saves, the other loads and runs. */
describe('images between Flotilla and dockerd', () => {
  let reference: ReferenceDockerd | undefined;
  beforeAll(async () => {
    reference = await startReferenceDockerd(referenceDockerdDir, referenceDockerdCgroup);
    if (!reference) throw new Error('no reference dockerd could be started (Debian docker.io)');
  }, 120_000);
  afterAll(stopE2eDockerd);

  it('loads into dockerd what Flotilla saved', async () => {
    const archive = join(e2eRoot, 'to-dockerd.tar');
    await dockerOk(['tag', settings().image, 'interop:from-flotilla']);
    await dockerOk(['save', '-o', archive, 'interop:from-flotilla']);
    expect(dockerd(reference!, ['load', '-i', archive])).toContain('Loaded image: interop:from-flotilla');
    expect(dockerd(reference!, ['run', '--rm', '--network', 'none', 'interop:from-flotilla', 'echo', 'ran in dockerd'])).toBe('ran in dockerd\n');
    await dockerOk(['rmi', 'interop:from-flotilla']);
  });

  it('loads into Flotilla what dockerd saved', async () => {
    const archive = join(e2eRoot, 'from-dockerd.tar');
    dockerd(reference!, ['import', '--change', 'CMD ["echo", "made by dockerd"]', settings().rootfsTar, 'interop:from-dockerd']);
    dockerd(reference!, ['save', '-o', archive, 'interop:from-dockerd']);
    expect(await dockerOk(['load', '-i', archive])).toContain('Loaded image: interop:from-dockerd');
    expect(await dockerOk(['run', '--rm', 'interop:from-dockerd'])).toBe('made by dockerd\n');
    await dockerOk(['rmi', 'interop:from-dockerd']);
  });
});
