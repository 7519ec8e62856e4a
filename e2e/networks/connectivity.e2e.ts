import { apiClient, docker, dockerOk } from '../support/docker-cli';
import { settings } from '../support/engine';
import { readFileSync, writeFileSync } from 'node:fs';
import { iptablesRules, wget } from '../support/host-network';

const image = () => settings().image;
/** Runs a command in a new container on `network` and returns its exit code and output. */
const runOn = (network: string, ...command: string[]) => docker(['run', '--rm', '--network', network, image(), ...command]);
const addressOn = async (container: string, network: string) => (await dockerOk(['inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, container])).trim();

describe('container networking', () => {
  beforeAll(async () => {
    await dockerOk(['network', 'create', 'conn-front']);
    await dockerOk(['network', 'create', 'conn-back']);
    await dockerOk(['run', '-d', '--name', 'conn-web', '--network', 'conn-front', '--network-alias', 'www', '--hostname', 'webhost', image(), 'httpd', '-f', '-p', '80', '-h', '/etc']);
  });
  afterAll(async () => {
    await docker(['rm', '-f', 'conn-web', 'conn-db', 'conn-plain', 'conn-lone']);
    await docker(['network', 'rm', 'conn-front', 'conn-back']);
  });

  it('lets containers on a user network reach each other by name, alias and short ID, also followed by the network name', async () => {
    const id = (await dockerOk(['inspect', '-f', '{{.Id}}', 'conn-web'])).trim();
    for (const name of ['conn-web', 'www', id.slice(0, 12), 'conn-web.conn-front']) {
      const result = await runOn('conn-front', ...wget(`http://${name}/hostname`));
      expect({ name, out: result.stdout, code: result.code }).toEqual({ name, out: 'webhost\n', code: 0 });
    }
    expect((await runOn('conn-front', 'ping', '-c', '1', '-W', '2', 'conn-web')).code).toBe(0);
    // Programs that name Docker's resolver address themselves (nginx's `resolver 127.0.0.11`) reach it too.
    const asked = await runOn('conn-front', 'nslookup', 'www', '127.0.0.11');
    expect(asked.stdout).toContain(`Address: ${await addressOn('conn-web', 'conn-front')}`);
  });

  it('keeps containers on another network from resolving or reaching them', async () => {
    const address = await addressOn('conn-web', 'conn-front');
    expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect((await runOn('conn-back', 'ping', '-c', '1', '-W', '1', 'conn-web')).stderr).toMatch(/bad address/);
    const reach = await runOn('conn-back', ...wget(`http://${address}/hostname`));
    expect(reach.code).not.toBe(0);
    expect(reach.stdout).toBe('');
  });

  it('gives the default bridge no name resolution, as Docker does', async () => {
    await dockerOk(['run', '-d', '--name', 'conn-plain', image(), 'sleep', '60']);
    expect((await runOn('bridge', 'ping', '-c', '1', '-W', '2', 'conn-plain')).code).not.toBe(0);
    const address = await addressOn('conn-plain', 'bridge');
    expect((await runOn('bridge', 'ping', '-c', '1', '-W', '2', address)).code).toBe(0);
  });

  it('connects and disconnects a running container live', async () => {
    await dockerOk(['run', '-d', '--name', 'conn-db', '--network', 'conn-back', image(), 'httpd', '-f', '-p', '80', '-h', '/etc']);
    expect((await runOn('conn-front', ...wget('http://conn-db/hostname'))).code).not.toBe(0);

    await dockerOk(['network', 'connect', '--alias', 'database', 'conn-front', 'conn-db']);
    // A container that had no resolver gets one when it joins its first user network.
    await dockerOk(['run', '-d', '--name', 'conn-lone', image(), 'sleep', '60']);
    await dockerOk(['network', 'connect', 'conn-front', 'conn-lone']);
    expect(await dockerOk(['exec', 'conn-lone', 'nslookup', 'conn-web', '127.0.0.11'])).toContain(`Address: ${await addressOn('conn-web', 'conn-front')}`);
    const interfaces = await dockerOk(['exec', 'conn-db', 'ip', '-o', '-4', 'addr', 'show']);
    expect(interfaces).toMatch(/eth1 +inet /);
    expect((await runOn('conn-front', ...wget('http://database/hostname'))).code).toBe(0);
    const [inspected] = JSON.parse(await dockerOk(['inspect', 'conn-db']));
    expect(Object.keys(inspected.NetworkSettings.Networks).sort()).toEqual(['conn-back', 'conn-front']);
    expect(inspected.NetworkSettings.Networks['conn-front'].Aliases).toContain('database');

    await dockerOk(['network', 'disconnect', 'conn-front', 'conn-db']);
    expect(await dockerOk(['exec', 'conn-db', 'ip', '-o', '-4', 'addr', 'show'])).not.toMatch(/eth1/);
    expect((await runOn('conn-front', ...wget('http://database/hostname'))).code).not.toBe(0);
    expect((await docker(['network', 'disconnect', 'conn-front', 'conn-db'])).stderr).toMatch(/is not connected to network conn-front/);
  });

  it('joins several networks at create (API 1.44), with an address and a MAC address of its own', async () => {
    await dockerOk(['network', 'create', '--subnet', '10.232.0.0/24', 'conn-fixed']);
    const container = await apiClient().createContainer({
      Image: image(),
      Cmd: ['sh', '-c', 'ip -o -4 addr show; ip link show eth0'],
      HostConfig: { NetworkMode: 'conn-fixed' },
      NetworkingConfig: { EndpointsConfig: { 'conn-fixed': { IPAMConfig: { IPv4Address: '10.232.0.77' }, MacAddress: '02:42:0a:e8:00:aa' }, 'conn-back': {} } },
    });
    try {
      await container.start();
      await container.wait();
      const out = (await container.logs({ stdout: true })).toString();
      expect(out).toMatch(/eth0 +inet 10\.232\.0\.77\/24/);
      expect(out).toMatch(/eth1 +inet /);
      expect(out).toContain('link/ether 02:42:0a:e8:00:aa');
    } finally {
      await container.remove({ force: true });
      await docker(['network', 'rm', 'conn-fixed']);
    }
  });

  it('gives containers on a network with IPv6 an address of each family, reachable by name over IPv6', async () => {
    await dockerOk(['network', 'create', '--ipv6', '--subnet', 'fd00:e2e::/64', 'conn-v6']);
    try {
      await dockerOk(['run', '-d', '--name', 'conn-v6-a', '--network', 'conn-v6', image(), 'sleep', '60']);
      const [a] = JSON.parse(await dockerOk(['inspect', 'conn-v6-a']));
      expect(a.NetworkSettings.Networks['conn-v6']).toMatchObject({ GlobalIPv6Address: 'fd00:e2e::2', GlobalIPv6PrefixLen: 64, IPv6Gateway: 'fd00:e2e::1', IPAddress: expect.stringMatching(/^\d+\./) });
      const out = await dockerOk(['run', '--rm', '--network', 'conn-v6', '--ip6', 'fd00:e2e::99', image(), 'sh', '-c', 'ip -6 addr show eth0; grep fd00 /etc/hosts; ping6 -c 1 -W 2 conn-v6-a']);
      expect(out).toMatch(/inet6 fd00:e2e::99\/64 scope global/);
      expect(out).toMatch(/^fd00:e2e::99\t/m);
      expect(out).toContain('64 bytes from fd00:e2e::2');
      const [network] = JSON.parse(await dockerOk(['network', 'inspect', 'conn-v6']));
      expect(network.EnableIPv6).toBe(true);
      expect(network.IPAM.Config).toContainEqual({ Subnet: 'fd00:e2e::/64' });
      expect(Object.values(network.Containers)).toContainEqual(expect.objectContaining({ Name: 'conn-v6-a', IPv6Address: 'fd00:e2e::2/64' }));
    } finally {
      await docker(['rm', '-f', 'conn-v6-a']);
      await docker(['network', 'rm', 'conn-v6']);
    }
  });

  it('keeps networks with IPv6 from reaching each other over IPv6, on a host that forwards IPv6 too', async () => {
    const forwarding = '/proc/sys/net/ipv6/conf/all/forwarding';
    const before = readFileSync(forwarding, 'utf8');
    const rulesBefore = iptablesRules();
    await dockerOk(['network', 'create', '--ipv6', '--subnet', 'fd00:e2e:1::/64', 'conn-v6-x']);
    await dockerOk(['network', 'create', '--ipv6', '--subnet', 'fd00:e2e:2::/64', 'conn-v6-y']);
    try {
      await dockerOk(['run', '-d', '--name', 'conn-v6-x-a', '--network', 'conn-v6-x', image(), 'sleep', '60']);
      writeFileSync(forwarding, '1');
      expect((await runOn('conn-v6-x', 'ping6', '-c', '1', '-W', '2', 'fd00:e2e:1::2')).code).toBe(0);
      expect((await runOn('conn-v6-y', 'ping6', '-c', '1', '-W', '2', 'fd00:e2e:1::2')).code).not.toBe(0);
    } finally {
      writeFileSync(forwarding, before);
      await docker(['rm', '-f', 'conn-v6-x-a']);
      await docker(['network', 'rm', 'conn-v6-x', 'conn-v6-y']);
    }
    expect(iptablesRules()).toEqual(rulesBefore);
  });

  it('writes /etc/hosts, resolv.conf and hostname as dockerd does', async () => {
    const files = await dockerOk([
      'run', '--rm', '--network', 'conn-front', '--hostname', 'box', '--add-host', 'gateway.test:10.9.8.7', '--dns-search', 'corp.test', '--dns-option', 'timeout:2',
      image(), 'sh', '-c', 'cat /etc/hostname /etc/hosts /etc/resolv.conf',
    ]);
    expect(files).toMatch(/^box\n/);
    expect(files).toMatch(/^10\.9\.8\.7\tgateway\.test$/m);
    expect(files).toMatch(/^\d+\.\d+\.\d+\.\d+\tbox$/m);
    // On user networks the embedded resolver answers at 127.0.0.11, as dockerd's does.
    expect(files).toMatch(/^nameserver 127\.0\.0\.11$/m);
    expect(files).toMatch(/^search corp\.test$/m);
    expect(files).toMatch(/^options .*timeout:2/m);

    const onBridge = await dockerOk(['run', '--rm', '--dns', '192.0.2.53', image(), 'cat', '/etc/resolv.conf']);
    expect(onBridge).toMatch(/^nameserver 192\.0\.2\.53$/m);
  });

  it('shares the network namespace of another container with --network container:', async () => {
    const out = await dockerOk(['run', '--rm', '--network', 'container:conn-web', image(), ...wget('http://127.0.0.1/hostname')]);
    expect(out).toBe('webhost\n');
    expect((await dockerOk(['run', '--rm', '--network', 'none', image(), 'ip', '-o', 'link', 'show'])).trim().split('\n')).toHaveLength(1);
  });
});
