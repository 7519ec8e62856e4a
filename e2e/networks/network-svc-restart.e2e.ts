import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { docker, dockerOk } from '../support/docker-cli';
import { settings } from '../support/engine';
import { wget } from '../support/host-network';

/** kill -9 of network-svc; returns once the launcher has started it again and it answers. */
async function killNetworkSvc(): Promise<void> {
  const pidFile = join(settings().runDir, 'pids', 'network-svc.pid');
  const killed = Number(readFileSync(pidFile, 'utf8'));
  process.kill(killed, 'SIGKILL');
  for (let waited = 0; waited < 20_000; waited += 250) {
    await new Promise((r) => setTimeout(r, 250));
    // The launcher writes the file again when it has started the new process.
    const restarted = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : killed;
    if (restarted !== killed && (await docker(['network', 'ls'])).code === 0) return;
  }
  throw new Error('network-svc did not come back');
}

describe('network-svc restarted', () => {
  afterAll(async () => {
    await docker(['rm', '-f', 'restart-web', 'restart-new']);
    await docker(['network', 'rm', 'restart-net']);
  });

  it('keeps running containers connected, with their addresses, names and ports, and allocates nothing twice', async () => {
    await dockerOk(['network', 'create', 'restart-net']);
    const [network] = JSON.parse(await dockerOk(['network', 'inspect', 'restart-net']));
    await dockerOk(['run', '-d', '--name', 'restart-web', '--hostname', 'kept', '--network', 'restart-net', '-p', '80', settings().image, 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const before = JSON.parse(await dockerOk(['inspect', 'restart-web']))[0].NetworkSettings;
    const port = before.Ports['80/tcp'][0].HostPort;

    await killNetworkSvc();

    const [after] = JSON.parse(await dockerOk(['network', 'inspect', 'restart-net']));
    expect(after.Id).toBe(network.Id);
    expect(after.IPAM.Config).toEqual(network.IPAM.Config);
    expect(Object.values(after.Containers).map((c) => (c as { IPv4Address: string }).IPv4Address)).toEqual([`${before.Networks['restart-net'].IPAddress}/${before.Networks['restart-net'].IPPrefixLen}`]);
    expect(await dockerOk(['run', '--rm', '--network', 'restart-net', settings().image, ...wget('http://restart-web/hostname')])).toBe('kept\n');
    for (const host of ['127.0.0.1', '[::1]']) {
      const response = await fetch(`http://${host}:${port}/hostname`, { signal: AbortSignal.timeout(3000) });
      expect(await response.text()).toBe('kept\n');
    }

    // The port is held again: a second container cannot take it.
    const taken = await docker(['run', '-d', '--name', 'restart-new', '--network', 'restart-net', '-p', `${port}:80`, settings().image, 'sleep', '60']);
    expect(taken.stderr).toContain('port is already allocated');
    await docker(['rm', '-f', 'restart-new']);
    await dockerOk(['run', '-d', '--name', 'restart-new', '--network', 'restart-net', settings().image, 'sleep', '60']);
    const fresh = (await dockerOk(['inspect', '-f', '{{(index .NetworkSettings.Networks "restart-net").IPAddress}}', 'restart-new'])).trim();
    expect(fresh).not.toBe(before.Networks['restart-net'].IPAddress);
  });
});
