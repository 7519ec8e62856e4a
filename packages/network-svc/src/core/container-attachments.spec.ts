import { FakeDataPlane, FakeHostPorts, FakeNameServer, FakeNamespaces, MemoryStore, RecordingEvents } from '../testing/fakes';
import { parsePools } from './address-pools';
import { ContainerAttachments, type AttachRequest } from './container-attachments';
import { DnsNames } from './dns-names';
import { NetworkCatalog } from './network-catalog';
import { parseIpv4Prefix } from './ipv4';

const blankNetwork = { driver: '', internal: false, attachable: false, enableIpv6: false, ipamDriver: '', ipamConfigs: [], ipamOptions: {}, options: {}, labels: {} };

/** network-svc over fakes; a second call with the same store and host is network-svc restarted. */
async function networkService(store = new MemoryStore(), dataPlane = new FakeDataPlane(), hostPorts = new FakeHostPorts()) {
  const events = new RecordingEvents();
  const names = new DnsNames();
  const namespaces = new FakeNamespaces();
  const catalog = new NetworkCatalog({
    store,
    dataPlane,
    nameServer: new FakeNameServer(),
    events,
    pools: parsePools('10.20.0.0/16:24'),
    defaultBridge: { name: 'test0' },
    now: () => '2026-01-01T00:00:00.000000000Z',
  });
  const attachments = new ContainerAttachments({ catalog, store, dataPlane, namespaces, hostPorts, events, names, warn: () => undefined });
  await catalog.load();
  await attachments.load();
  return { catalog, attachments, store, dataPlane, namespaces, hostPorts, events, names };
}

const request = (id: string, over: Partial<AttachRequest> = {}): AttachRequest => ({
  containerId: id.repeat(64).slice(0, 64),
  containerName: `c${id}`,
  hostname: '',
  networkMode: 'default',
  netnsPath: `/netns/${id}`,
  endpoints: [],
  ports: [],
  dnsServers: [],
  ...over,
});
const endpointOn = (network: string, over = {}) => ({ network, aliases: [], ipv4Address: '', macAddress: '', ...over });

describe('ContainerAttachments', () => {
  it('gives the default bridge a subnet the host does not route', async () => {
    const dataPlane = new FakeDataPlane();
    dataPlane.hostRoutes = [parseIpv4Prefix('10.20.0.0/24')!];
    const { catalog } = await networkService(undefined, dataPlane);
    expect(catalog.defaultNetwork().ipam[0]).toMatchObject({ subnet: '10.20.1.0/24', gateway: '10.20.1.1' });
    expect(dataPlane.bridges).toEqual(new Set(['test0']));
  });

  it('attaches a container to the default bridge with an address, a MAC derived from it and no resolver', async () => {
    const { attachments, dataPlane, events } = await networkService();
    const attached = await attachments.attach(request('a'));
    expect(attached.endpoints.map((e) => [e.network.name, e.endpoint.address, e.endpoint.mac, e.endpoint.defaultRoute])).toEqual([['bridge', '10.20.0.2', '02:42:0a:14:00:02', true]]);
    expect(attached.nameservers).toEqual([]);
    expect(dataPlane.interfaces).toEqual(new Set(['/netns/a eth0']));
    expect(events.published).toEqual(['connect bridge aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa']);
  });

  it('resolves names on user-defined networks, at 127.0.0.11 routed to the gateway', async () => {
    const { attachments, catalog, names, namespaces } = await networkService();
    const app = await catalog.create({ ...blankNetwork, name: 'app' });
    await attachments.attach(request('a', { endpoints: [endpointOn('app', { aliases: ['db'] })] }));
    const b = await attachments.attach(request('b', { endpoints: [endpointOn(app.id.slice(0, 6))] }));
    expect(b.nameservers).toEqual(['127.0.0.11']);
    expect(namespaces.resolvers.get('/netns/b')).toBe(app.ipam[0].gateway);
    expect(names.resolve('db', b.endpoints[0].endpoint.address)).toEqual(['10.20.1.2']);
    await expect(catalog.remove('app')).rejects.toThrow('has active endpoints');
  });

  it('gives a container on the default bridge a resolver once it joins a user-defined network, and keeps one while any is left', async () => {
    const { attachments, catalog, namespaces } = await networkService();
    const [front, back] = [await catalog.create({ ...blankNetwork, name: 'front' }), await catalog.create({ ...blankNetwork, name: 'back' })];
    const id = request('a').containerId;
    await attachments.attach(request('a'));
    expect(namespaces.resolvers.size).toBe(0);
    expect((await attachments.connect(id, endpointOn('front'))).nameservers).toEqual(['127.0.0.11']);
    await attachments.connect(id, endpointOn('back'));
    expect(namespaces.resolvers.get('/netns/a')).toBe(front.ipam[0].gateway);
    await attachments.disconnect(id, 'front');
    expect(namespaces.resolvers.get('/netns/a')).toBe(back.ipam[0].gateway);
  });

  it('gives containers on a network with IPv6 an address of both families, by name too, and takes it back', async () => {
    const { attachments, catalog, names } = await networkService();
    const ipamConfigs = [{ subnet: 'fd00:77::/64', ipRange: '', gateway: '', auxAddresses: {} }];
    await catalog.create({ ...blankNetwork, name: 'dual', enableIpv6: true, ipamConfigs });
    const a = await attachments.attach(request('a', { endpoints: [endpointOn('dual', { aliases: ['web'] })] }));
    expect(a.endpoints[0].endpoint.ipv6).toEqual({ address: 'fd00:77::2', prefixLength: 64, gateway: 'fd00:77::1' });
    const b = await attachments.attach(request('b', { endpoints: [endpointOn('dual', { ipv6Address: 'fd00:77::99' })] }));
    expect(b.endpoints[0].endpoint.ipv6).toMatchObject({ address: 'fd00:77::99', requested: 'fd00:77::99' });
    expect(names.resolve('web', b.endpoints[0].endpoint.address, 6)).toEqual(['fd00:77::2']);
    await expect(attachments.attach(request('c', { endpoints: [endpointOn('dual', { ipv6Address: 'fd00:77::99' })] }))).rejects.toThrow('Address already in use');
    await expect(attachments.attach(request('c', { endpoints: [endpointOn('bridge', { ipv6Address: 'fd00:77::5' })] }))).rejects.toThrow('user specified IP address is supported only');
    await attachments.detach(request('b').containerId);
    expect((await attachments.attach(request('c', { endpoints: [endpointOn('dual', { ipv6Address: 'fd00:77::99' })] }))).endpoints[0].endpoint.ipv6?.address).toBe('fd00:77::99');
  });

  it('refuses a taken host port and leaves nothing behind', async () => {
    const { attachments, dataPlane, namespaces, hostPorts, catalog } = await networkService();
    hostPorts.taken.add(8080);
    const ports = [{ containerPort: 80, protocol: 'tcp' as const, hostIp: '', hostPortStart: 8080, hostPortEnd: 8080 }];
    await expect(attachments.attach(request('a', { ports }))).rejects.toThrow('Bind for 0.0.0.0:8080 failed: port is already allocated');
    expect(dataPlane.interfaces.size + namespaces.paths.size + hostPorts.held.size).toBe(0);
    expect(catalog.allocator(catalog.defaultNetwork().id)!.inUse()).toBe(0);
  });

  it('undoes the networks joined before one that fails', async () => {
    const { attachments, catalog, dataPlane, namespaces } = await networkService();
    await catalog.create({ ...blankNetwork, name: 'broken' });
    dataPlane.failOn = 'broken';
    await expect(attachments.attach(request('a', { endpoints: [endpointOn('bridge'), endpointOn('broken')] }))).rejects.toThrow('plugin failed');
    expect(dataPlane.interfaces.size + namespaces.paths.size).toBe(0);
    expect(catalog.allocator(catalog.defaultNetwork().id)!.inUse()).toBe(0);
  });

  it('takes --ip on user subnets only, once', async () => {
    const { attachments, catalog } = await networkService();
    await catalog.create({ ...blankNetwork, name: 'fixed', ipamConfigs: [{ subnet: '10.99.0.0/24', ipRange: '', gateway: '', auxAddresses: {} }] });
    await expect(attachments.attach(request('a', { endpoints: [endpointOn('bridge', { ipv4Address: '10.20.0.9' })] }))).rejects.toThrow('user specified IP address is supported on user defined networks only');
    const a = await attachments.attach(request('a', { endpoints: [endpointOn('fixed', { ipv4Address: '10.99.0.50' })] }));
    expect(a.endpoints[0].endpoint.address).toBe('10.99.0.50');
    await expect(attachments.attach(request('b', { endpoints: [endpointOn('fixed', { ipv4Address: '10.99.0.50' })] }))).rejects.toThrow('Address already in use');
  });

  it('connects and disconnects a running container, its ports going with the routed interface', async () => {
    const { attachments, catalog, dataPlane, hostPorts } = await networkService();
    await catalog.create({ ...blankNetwork, name: 'extra' });
    const ports = [{ containerPort: 80, protocol: 'tcp' as const, hostIp: '', hostPortStart: 0, hostPortEnd: 0 }];
    const id = request('a').containerId;
    const attached = await attachments.attach(request('a', { ports }));
    expect(hostPorts.forwarded.get(`tcp/${attached.ports[0].hostPort}`)).toBe(attached.endpoints[0].endpoint.address);
    const connected = await attachments.connect(id, endpointOn('extra'));
    expect(connected.endpoints.map((e) => [e.endpoint.interfaceName, e.endpoint.defaultRoute])).toEqual([['eth1', false]]);
    await expect(attachments.connect(id, endpointOn('extra'))).rejects.toThrow('endpoint with name ca already exists in network extra');
    await attachments.disconnect(id, 'bridge');
    expect(dataPlane.interfaces).toEqual(new Set(['/netns/a eth1']));
    expect(hostPorts.held.size).toBe(0);
    await expect(attachments.disconnect(id, 'bridge')).rejects.toThrow(`container ${id} is not connected to network bridge`);
  });

  it('gives everything back on detach', async () => {
    const { attachments, dataPlane, namespaces, store, catalog } = await networkService();
    await attachments.attach(request('a'));
    await attachments.detach(request('a').containerId);
    await attachments.detach(request('a').containerId);
    expect(dataPlane.interfaces.size + namespaces.paths.size + store.attachments.size).toBe(0);
    expect(catalog.allocator(catalog.defaultNetwork().id)!.inUse()).toBe(0);
  });

  it('keeps the namespace made ahead for the container, which the detach releases', async () => {
    const { attachments, catalog, dataPlane, namespaces, store } = await networkService();
    const id = request('a').containerId;
    await attachments.prepareNamespace(id, '/netns/a');
    // Nothing on a network yet, for `docker network inspect`.
    expect(attachments.onNetwork(catalog.defaultNetwork().id)).toEqual([]);
    await attachments.attach(request('a'));
    expect(namespaces.made).toEqual(['/netns/a']);
    expect(dataPlane.interfaces).toEqual(new Set(['/netns/a eth0']));
    await attachments.detach(id);
    expect(dataPlane.interfaces.size + namespaces.paths.size + store.attachments.size).toBe(0);
  });

  it('leaves a prepared namespace in place when the attach fails, for the detach to release', async () => {
    const { attachments, catalog, dataPlane, namespaces, hostPorts, store } = await networkService();
    const id = request('a').containerId;
    hostPorts.taken.add(8080);
    const ports = [{ containerPort: 80, protocol: 'tcp' as const, hostIp: '', hostPortStart: 8080, hostPortEnd: 8080 }];
    await attachments.prepareNamespace(id, '/netns/a');
    await expect(attachments.attach(request('a', { ports }))).rejects.toThrow('port is already allocated');
    expect(namespaces.paths).toEqual(new Set(['/netns/a']));
    expect(dataPlane.interfaces.size + hostPorts.held.size + catalog.allocator(catalog.defaultNetwork().id)!.inUse()).toBe(0);
    await attachments.detach(id);
    expect(namespaces.paths.size + store.attachments.size).toBe(0);
  });

  it('replaces a namespace prepared at another path', async () => {
    const { attachments, namespaces } = await networkService();
    await attachments.prepareNamespace(request('a').containerId, '/netns/old');
    await attachments.attach(request('a'));
    expect(namespaces.paths).toEqual(new Set(['/netns/a']));
  });

  it('keeps networks, addresses and ports across a restart, allocating nothing twice', async () => {
    const before = await networkService();
    const app = await before.catalog.create({ ...blankNetwork, name: 'app' });
    const ports = [{ containerPort: 80, protocol: 'tcp' as const, hostIp: '', hostPortStart: 8080, hostPortEnd: 8080 }];
    const first = await before.attachments.attach(request('a', { endpoints: [endpointOn('app')], ports }));
    before.hostPorts.release(first.ports);
    before.hostPorts.forwarded.clear();

    const after = await networkService(before.store, before.dataPlane, before.hostPorts);
    expect(after.catalog.find('app').id).toBe(app.id);
    expect(after.catalog.defaultNetwork().id).toBe(before.catalog.defaultNetwork().id);
    expect(after.hostPorts.held).toEqual(new Set(['tcp/8080']));
    expect(after.hostPorts.forwarded.get('tcp/8080')).toBe(first.endpoints[0].endpoint.address);
    const second = await after.attachments.attach(request('b', { endpoints: [endpointOn('app')] }));
    expect(second.endpoints[0].endpoint.address).not.toBe(first.endpoints[0].endpoint.address);
    expect(after.names.resolve('ca', second.endpoints[0].endpoint.address)).toEqual([first.endpoints[0].endpoint.address]);
  });
});
