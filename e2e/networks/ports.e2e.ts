import { docker, dockerOk } from '../support/docker-cli';
import { settings } from '../support/engine';
import { hostAddress, iptablesRules, wget } from '../support/host-network';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { freePort } from '@flotilla/tools/fixtures';

const image = () => settings().image;
const httpd = ['httpd', '-f', '-p', '80', '-h', '/etc'];
/** `docker port` and `ps` output with IPv6 host addresses as CLIs before 23 print them (`:::80`, not `[::]:80`). */
const unbracketed = (output: string) => output.replace(/\[([0-9a-f:]*)\]:/g, '$1:');

async function get(url: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
      return await response.text();
    } catch (err) {
      // httpd may not listen yet.
      if (attempt === 20) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('published ports', () => {
  afterEach(async () => {
    await docker(['rm', '-f', 'ports-web', 'ports-second', 'ports-all']);
  });

  it('reaches an HTTP server in a container from the host, on 127.0.0.1, ::1 and the host’s address, and from other containers', async () => {
    const port = await freePort();
    await dockerOk(['run', '-d', '--name', 'ports-web', '--hostname', 'published', '-p', `${port}:80`, image(), ...httpd]);
    expect(await get(`http://127.0.0.1:${port}/hostname`)).toBe('published\n');
    // As with dockerd on a host with IPv6, the port is published on :: too, relayed to the container.
    expect(await get(`http://[::1]:${port}/hostname`)).toBe('published\n');
    expect(await get(`http://${hostAddress()}:${port}/hostname`)).toBe('published\n');
    // Hairpin: a container reaching a published port through the host's address.
    expect(await dockerOk(['run', '--rm', image(), ...wget(`http://${hostAddress()}:${port}/hostname`)])).toBe('published\n');
    const [inspected] = JSON.parse(await dockerOk(['inspect', 'ports-web']));
    expect(inspected.NetworkSettings.Ports['80/tcp']).toEqual([
      { HostIp: '0.0.0.0', HostPort: String(port) },
      { HostIp: '::', HostPort: String(port) },
    ]);
    expect(unbracketed(await dockerOk(['port', 'ports-web']))).toBe(`80/tcp -> 0.0.0.0:${port}\n80/tcp -> :::${port}\n`);
    expect(unbracketed(await dockerOk(['ps', '--filter', 'name=ports-web', '--format', '{{.Ports}}']))).toBe(`0.0.0.0:${port}->80/tcp, :::${port}->80/tcp\n`);
  });

  it('publishes on one address only when asked', async () => {
    const port = await freePort();
    await dockerOk(['run', '-d', '--name', 'ports-web', '-p', `127.0.0.1:${port}:80`, image(), ...httpd]);
    expect(await get(`http://127.0.0.1:${port}/hostname`)).toMatch(/^[0-9a-f]{12}\n$/);
    await expect(fetch(`http://${hostAddress()}:${port}/hostname`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
    await expect(fetch(`http://[::1]:${port}/hostname`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();

    const v6Port = await freePort();
    await dockerOk(['run', '-d', '--name', 'ports-second', '-p', `[::1]:${v6Port}:80`, image(), ...httpd]);
    expect(await get(`http://[::1]:${v6Port}/hostname`)).toMatch(/^[0-9a-f]{12}\n$/);
    await expect(fetch(`http://127.0.0.1:${v6Port}/hostname`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
    expect(unbracketed(await dockerOk(['port', 'ports-second']))).toBe(`80/tcp -> ::1:${v6Port}\n`);
  });

  it('publishes exposed ports on ephemeral host ports with -P, shown by docker port and inspect', async () => {
    await dockerOk(['run', '-d', '--name', 'ports-all', '-P', '--expose', '80', '--expose', '5353/udp', '-p', '8443', image(), ...httpd]);
    const [inspected] = JSON.parse(await dockerOk(['inspect', 'ports-all']));
    const ports = inspected.NetworkSettings.Ports;
    expect(Object.keys(ports).sort()).toEqual(['5353/udp', '80/tcp', '8443/tcp']);
    const tcp = Number(ports['80/tcp'][0].HostPort);
    expect(tcp).toBeGreaterThan(1024);
    expect(await get(`http://127.0.0.1:${tcp}/hostname`)).toMatch(/^[0-9a-f]{12}\n$/);
    expect(unbracketed(await dockerOk(['port', 'ports-all', '80']))).toBe(`0.0.0.0:${tcp}\n:::${tcp}\n`);
    expect(inspected.NetworkSettings.Ports['5353/udp'][0].HostPort).toMatch(/^\d+$/);
  });

  it('holds published UDP ports on the host', async () => {
    const port = await freePort();
    await dockerOk(['run', '-d', '--name', 'ports-web', '-p', `${port}:5353/udp`, image(), 'sleep', '60']);
    expect(unbracketed(await dockerOk(['port', 'ports-web']))).toBe(`5353/udp -> 0.0.0.0:${port}\n5353/udp -> :::${port}\n`);
    for (const [type, address] of [['udp4', '0.0.0.0'], ['udp6', '::']] as const) {
      const socket = createSocket({ type, ipv6Only: type === 'udp6' });
      const bound = await new Promise<string>((resolve) => {
        socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
        socket.bind(port, address, () => resolve('bound'));
      });
      socket.close();
      expect(bound).toBe('EADDRINUSE');
    }
  });

  it('refuses a host port already published, with a clear error, leaving nothing behind', async () => {
    const port = await freePort();
    await dockerOk(['run', '-d', '--name', 'ports-web', '-p', `${port}:80`, image(), ...httpd]);
    const rulesBefore = iptablesRules();
    const second = await docker(['run', '-d', '--name', 'ports-second', '-p', `${port}:80`, image(), ...httpd]);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain(`Bind for 0.0.0.0:${port} failed: port is already allocated`);
    const [state] = JSON.parse(await dockerOk(['inspect', 'ports-second']));
    expect(state.State.Running).toBe(false);
    expect(state.NetworkSettings.Networks.bridge.IPAddress).toBe('');
    expect(iptablesRules()).toEqual(rulesBefore);
    // The first one still serves.
    expect(await get(`http://127.0.0.1:${port}/hostname`)).toMatch(/\n$/);
  });

  it('refuses a port another program holds on :: only, naming that address, and frees its 0.0.0.0 side again', async () => {
    const port = await freePort();
    const holder = createServer().listen({ host: '::', port, ipv6Only: true });
    await once(holder, 'listening');
    try {
      const refused = await docker(['run', '-d', '--name', 'ports-web', '-p', `${port}:80`, image(), ...httpd]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain(`Bind for :::${port} failed: port is already allocated`);
      const probe = createServer().listen({ host: '0.0.0.0', port });
      await once(probe, 'listening');
      probe.close();
    } finally {
      holder.close();
    }
  });
});
