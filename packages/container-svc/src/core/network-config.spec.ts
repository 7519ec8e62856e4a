import { parseNetworking, portRequests } from './network-config';

describe('parseNetworking', () => {
  it('puts the NetworkMode’s network first, then the other endpoints (API 1.44)', () => {
    const choice = parseNetworking({}, { NetworkMode: 'front' }, { back: { Aliases: ['db'] }, front: { IPAMConfig: { IPv4Address: '10.1.0.9' } } });
    expect(Object.keys(choice.networks)).toEqual(['front', 'back']);
    expect(choice.networks.front.IPAMConfig).toEqual({ IPv4Address: '10.1.0.9' });
    expect(choice.problems).toEqual([]);
  });

  it('names the default bridge bridge, and gives it the container’s MAC address of older APIs', () => {
    const choice = parseNetworking({ MacAddress: '02:42:ac:11:00:09' }, {}, undefined);
    expect(choice.networks).toEqual({ bridge: { MacAddress: '02:42:ac:11:00:09' } });
  });

  it.each([
    [{}, { NetworkMode: 'host' }, { app: {} }, 'conflicting options: the host network mode and the networks app'],
    [{}, { NetworkMode: 'container:web', PortBindings: { '80/tcp': [{}] } }, null, 'conflicting options: port publishing and the container type network mode'],
    [{ Hostname: 'h' }, { NetworkMode: 'container:web' }, null, 'conflicting options: hostname and the network mode'],
    [{}, {}, { bridge: { IPAMConfig: { IPv4Address: '172.17.0.9' } } }, 'user specified IP address is supported on user defined networks only'],
    [{}, {}, { bridge: { Aliases: ['x'] } }, 'network-scoped alias is supported only for containers in user defined networks'],
    [{}, { NetworkMode: 'app' }, { app: { MacAddress: 'nope' } }, 'invalid MAC address: nope'],
    [{}, { PortBindings: { '80/tcp': [{ HostPort: '70000' }] } }, null, 'invalid hostPort: 70000'],
    [{}, { PortBindings: { 'eighty/tcp': [] } }, null, 'invalid port specification: "eighty/tcp"'],
    [{}, { PortBindings: { '80/tcp': [{ HostIp: '1.2.3' }] } }, null, 'invalid host IP address: 1.2.3'],
  ])('refuses %j %j %j', (config, hostConfig, endpoints, problem) => {
    expect(parseNetworking(config, hostConfig, endpoints).problems).toContain(problem);
  });

  it('takes IPv6 host addresses as dockerd does', () => {
    const choice = parseNetworking({}, { PortBindings: { '80/tcp': [{ HostIp: '::1', HostPort: '8080' }, { HostIp: '::' }] } }, null);
    expect([choice.problems, choice.unsupported]).toEqual([[], []]);
  });

  it('warns that host networking discards published ports', () => {
    expect(parseNetworking({}, { NetworkMode: 'host', PortBindings: { '80/tcp': [{ HostPort: '80' }] } }, null).warnings).toEqual(['Published ports are discarded when using host network mode']);
  });
});

describe('portRequests', () => {
  it('publishes each binding, a port without one on an ephemeral port, and with -P every other exposed port', () => {
    const requests = portRequests(
      { ExposedPorts: { '80/tcp': {}, '53/udp': {}, '443/tcp': {} } },
      { PublishAllPorts: true, PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }, { HostPort: '8081-8090' }], '443/tcp': null } },
    );
    expect(requests).toEqual([
      { containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPortStart: 8080, hostPortEnd: 8080 },
      { containerPort: 80, protocol: 'tcp', hostIp: '', hostPortStart: 8081, hostPortEnd: 8090 },
      { containerPort: 443, protocol: 'tcp', hostIp: '', hostPortStart: 0, hostPortEnd: 0 },
      { containerPort: 53, protocol: 'udp', hostIp: '', hostPortStart: 0, hostPortEnd: 0 },
    ]);
  });

  it('publishes nothing on the host network', () => {
    expect(portRequests({}, { NetworkMode: 'host', PortBindings: { '80/tcp': [{ HostPort: '80' }] } })).toEqual([]);
  });
});
