import { dockerOk, docker, apiClient } from '../support/docker-cli';
import { rawRequest } from '../support/raw-http';
import { defaultBridge, settings } from '../support/engine';
import { routesElsewhere } from '../support/host-network';

const inspectNetwork = async (name: string) => JSON.parse(await dockerOk(['network', 'inspect', name]))[0];

describe('networks API', () => {
  afterEach(async () => {
    await docker(['rm', '-f', 'api-net-c']);
    await docker(['network', 'prune', '-f']);
  });

  it('lists the predefined networks, the default bridge on its own device and subnet', async () => {
    const names = (await dockerOk(['network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}'])).trim().split('\n');
    expect(names).toEqual(expect.arrayContaining(['bridge bridge local', 'host host local', 'none null local']));
    const bridge = await inspectNetwork('bridge');
    expect(bridge.Options['com.docker.network.bridge.name']).toBe(defaultBridge);
    const subnet = bridge.IPAM.Config[0].Subnet;
    expect(subnet).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
    // Never the subnet of a docker0, another engine's bridge or any other route of the host.
    expect(routesElsewhere(subnet, defaultBridge)).toEqual([]);
  });

  it('creates a network with IPAM, labels and options, inspected in Docker’s shape', async () => {
    const id = (
      await dockerOk([
        'network', 'create', '--subnet', '10.231.0.0/24', '--gateway', '10.231.0.254', '--ip-range', '10.231.0.128/25', '--aux-address', 'printer=10.231.0.10',
        '--label', 'team=web', '--opt', 'com.docker.network.driver.mtu=1400', '--internal', '--attachable', 'api-net',
      ])
    ).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const network = await inspectNetwork('api-net');
    expect(network).toMatchObject({
      Name: 'api-net',
      Id: id,
      Scope: 'local',
      Driver: 'bridge',
      EnableIPv6: false,
      IPAM: { Driver: 'default', Options: {}, Config: [{ Subnet: '10.231.0.0/24', Gateway: '10.231.0.254', IPRange: '10.231.0.128/25', AuxiliaryAddresses: { printer: '10.231.0.10' } }] },
      Internal: true,
      Attachable: true,
      Ingress: false,
      ConfigOnly: false,
      Containers: {},
      Options: { 'com.docker.network.driver.mtu': '1400' },
      Labels: { team: 'web' },
    });
    expect(Date.parse(network.Created)).toBeGreaterThan(Date.now() - 60_000);

    await dockerOk(['run', '-d', '--name', 'api-net-c', '--network', 'api-net', '--ip', '10.231.0.200', settings().image, 'sleep', '60']);
    const withContainer = await inspectNetwork(id.slice(0, 10));
    const [entry] = Object.values(withContainer.Containers) as Record<string, string>[];
    expect(entry).toMatchObject({ Name: 'api-net-c', IPv4Address: '10.231.0.200/24', MacAddress: '02:42:0a:e7:00:c8' });
  });

  it('refuses what dockerd refuses, with its statuses', async () => {
    await dockerOk(['network', 'create', 'api-dup']);
    const api = (method: string, path: string, body?: unknown) => rawRequest(method, path, body === undefined ? undefined : JSON.stringify(body), { 'Content-Type': 'application/json' });
    const cases: [string, string, unknown, number, RegExp][] = [
      ['POST', '/v1.45/networks/create', { Name: 'api-dup' }, 409, /network with name api-dup already exists/],
      ['POST', '/v1.45/networks/create', { Name: 'host' }, 403, /operation is not permitted on predefined host network/],
      ['POST', '/v1.45/networks/create', { Name: 'x', Driver: 'nope' }, 404, /plugin "nope" not found/],
      ['POST', '/v1.45/networks/create', { Name: 'x', IPAM: { Config: [{ Subnet: '10.1.0.0/99' }] } }, 400, /invalid CIDR address/],
      ['POST', '/v1.45/networks/create', { Name: 'x', IPAM: { Config: [{ Subnet: '10.1.0.0/24', Gateway: '10.2.0.1' }] } }, 400, /Requested address is out of range/],
      ['DELETE', '/v1.45/networks/bridge', undefined, 403, /bridge is a pre-defined network and cannot be removed/],
      ['DELETE', '/v1.45/networks/no-such-net', undefined, 404, /network no-such-net not found/],
      ['GET', '/v1.45/networks/no-such-net', undefined, 404, /network no-such-net not found/],
      ['POST', '/v1.45/networks/api-dup/connect', { Container: 'no-such-container' }, 404, /No such container: no-such-container/],
      ['GET', `/v1.45/networks?filters=${encodeURIComponent('{"colour":["red"]}')}`, undefined, 400, /Invalid filter 'colour'/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const response = await api(method, path, body);
      expect({ path, status: response.status }).toEqual({ path, status });
      expect(JSON.parse(response.body.toString()).message).toMatch(message);
    }
    const overlapping = (await inspectNetwork('api-dup')).IPAM.Config[0].Subnet;
    expect((await docker(['network', 'create', '--subnet', overlapping, 'api-overlap'])).stderr).toMatch(/Pool overlaps with other one on this address space/);
    expect((await dockerOk(['network', 'ls', '-q', '--filter', 'name=api-overlap'])).trim()).toBe('');
  });

  it('does not remove a network containers use, and prunes the unused ones', async () => {
    await dockerOk(['network', 'create', '--label', 'keep=yes', 'api-kept']);
    await dockerOk(['network', 'create', 'api-used']);
    await dockerOk(['network', 'create', 'api-unused']);
    await dockerOk(['create', '--name', 'api-net-c', '--network', 'api-used', settings().image, 'true']);
    await dockerOk(['start', 'api-net-c']);
    await dockerOk(['run', '-d', '--name', 'api-net-runner', '--network', 'api-used', settings().image, 'sleep', '60']);
    expect((await docker(['network', 'rm', 'api-used'])).stderr).toMatch(/network api-used id [0-9a-f]{64} has active endpoints/);
    expect((await dockerOk(['network', 'ls', '--filter', 'dangling=true', '--format', '{{.Name}}'])).trim().split('\n').sort()).toEqual(['api-kept', 'api-unused']);

    const pruned = await apiClient().pruneNetworks({ filters: { 'label!': ['keep'] } });
    expect(pruned.NetworksDeleted).toEqual(['api-unused']);
    await dockerOk(['rm', '-f', 'api-net-runner']);
    await dockerOk(['network', 'rm', 'api-used', 'api-kept']);
    expect((await dockerOk(['network', 'ls', '--filter', 'name=^api-', '-q'])).trim()).toBe('');
  });

  it('reports network create, connect, disconnect and destroy events', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    await dockerOk(['network', 'create', 'api-events']);
    await dockerOk(['run', '--rm', '--name', 'api-net-c', '--network', 'api-events', settings().image, 'true']);
    await dockerOk(['network', 'rm', 'api-events']);
    const until = Math.ceil(Date.now() / 1000) + 1;
    const events = await dockerOk(['events', '--since', String(since), '--until', String(until), '--filter', 'type=network', '--filter', 'network=api-events', '--format', '{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.type}}']);
    expect(events.trim().split('\n')).toEqual(['create api-events bridge', 'connect api-events bridge', 'disconnect api-events bridge', 'destroy api-events bridge']);
  });
});
