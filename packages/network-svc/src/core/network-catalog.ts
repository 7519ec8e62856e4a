import { randomBytes } from 'node:crypto';
import { EngineError } from '@flotilla/proto';
import { AddressAllocator } from './address-allocator.js';
import type { AddressPool } from './address-pools.js';
import { firstHost, freeSubnet } from './address-pools.js';
import { formatPrefix, parseIpv4Prefix, subnetOf } from './ipv4.js';
import { networkFilter, pruneFilter, type Filters } from './network-filters.js';
import { hasIpv6, type NetworkRecord } from './network-record.js';
import { bridgeOptions, networkFromRequest, predefinedNames, type NetworkCreateRequest } from './network-spec.js';
import { Ipv6Allocator } from './ipv6-allocator.js';
import { ipv6SubnetOf } from './ipv6.js';
import type { BridgeDataPlane, NameServer, NetworkEventSink, NetworkStore } from './ports.js';

export interface CatalogOptions {
  store: NetworkStore;
  dataPlane: BridgeDataPlane;
  nameServer: NameServer;
  events: NetworkEventSink;
  pools: readonly AddressPool[];
  /** The default bridge's device, and its subnet when the host's own choice is not wanted. */
  defaultBridge: { name: string; subnet?: string };
  /** RFC 3339 with nanoseconds. */
  now(): string;
}

const newId = () => randomBytes(32).toString('hex');

/**
 * Every network of the engine with the addresses given out on it. The predefined ones (bridge,
 * host, none) are made on first start and kept; user-defined bridges come and go through the API.
 */
export class NetworkCatalog {
  private readonly networks = new Map<string, NetworkRecord>();
  private readonly allocators = new Map<string, AddressAllocator>();
  private readonly ipv6Allocators = new Map<string, Ipv6Allocator>();
  /** Creates and removals one at a time: each looks at the subnets and names the others take. */
  private changes: Promise<unknown> = Promise.resolve();
  /** Networks that containers are attached to; they cannot be removed. */
  private inUse: (networkId: string) => boolean = () => false;

  constructor(private readonly opts: CatalogOptions) {}

  /** Tells the catalog how to know whether a network has containers (the attachments know). */
  trackUse(inUse: (networkId: string) => boolean): void {
    this.inUse = inUse;
  }

  /** Loads the stored networks, makes the predefined ones on first start, and brings up their bridges and resolvers. */
  async load(): Promise<void> {
    for (const network of await this.opts.store.listNetworks()) this.add(network);
    const missing = [
      this.byName('host') ? undefined : { ...this.blank('host', 'host'), predefined: true },
      this.byName('none') ? undefined : { ...this.blank('none', 'null'), predefined: true },
      this.byName('bridge') ? undefined : await this.defaultBridge(),
    ];
    for (const network of missing) {
      if (!network) continue;
      this.add(network);
      await this.opts.store.putNetwork(network);
    }
    for (const network of this.networks.values()) {
      if (network.driver !== 'bridge') continue;
      await this.opts.dataPlane.ensureNetwork(network);
      if (!network.predefined) await this.opts.nameServer.serve(network);
    }
  }

  private add(network: NetworkRecord): void {
    this.networks.set(network.id, network);
    if (network.ipam[0]) this.allocators.set(network.id, new AddressAllocator(network.ipam[0]));
    if (hasIpv6(network)) this.ipv6Allocators.set(network.id, new Ipv6Allocator(network.ipv6));
  }

  private blank(name: string, driver: NetworkRecord['driver']): NetworkRecord {
    return {
      id: newId(),
      name,
      driver,
      created: this.opts.now(),
      ipamDriver: 'default',
      ipamOptions: {},
      ipam: [],
      userSubnet: false,
      internal: false,
      attachable: false,
      enableIpv6: false,
      options: {},
      labels: {},
      masquerade: false,
      predefined: false,
    };
  }

  /** `bridge`: its own device, and a subnet no route of the host uses, chosen once and kept. */
  private async defaultBridge(): Promise<NetworkRecord> {
    const { name: bridge, subnet: configured } = this.opts.defaultBridge;
    const subnet = configured ? subnetOf(configured) : freeSubnet(this.opts.pools, await this.takenSubnets());
    if (!subnet) throw EngineError.unavailable('no free subnet for the default bridge network in the address pools');
    return {
      ...this.blank('bridge', 'bridge'),
      ipam: [{ subnet: formatPrefix(subnet), gateway: firstHost(subnet), auxAddresses: {} }],
      options: {
        'com.docker.network.bridge.default_bridge': 'true',
        'com.docker.network.bridge.enable_icc': 'true',
        [bridgeOptions.masquerade]: 'true',
        [bridgeOptions.hostBindingIp]: '0.0.0.0',
        [bridgeOptions.name]: bridge,
        [bridgeOptions.mtu]: '1500',
      },
      bridge,
      masquerade: true,
      predefined: true,
    };
  }

  private async takenSubnets() {
    const ours = [...this.networks.values()].flatMap((n) => n.ipam.map((r) => parseIpv4Prefix(r.subnet, true)!));
    return [...ours, ...(await this.opts.dataPlane.hostSubnets())];
  }

  private byName(name: string): NetworkRecord | undefined {
    return [...this.networks.values()].find((n) => n.name === name);
  }

  /** By full ID, name, or unique ID prefix, in that order, as dockerd looks networks up. */
  find(ref: string): NetworkRecord {
    const exact = this.networks.get(ref) ?? this.byName(ref);
    if (exact) return exact;
    const matches = ref ? [...this.networks.values()].filter((n) => n.id.startsWith(ref)) : [];
    if (matches.length === 1) return matches[0];
    if (matches.length > 1) throw EngineError.invalid(`network ${ref} is ambiguous (${matches.length} matches found based on ID prefix)`);
    throw EngineError.notFound(`network ${ref} not found`);
  }

  get(id: string): NetworkRecord | undefined {
    return this.networks.get(id);
  }

  allocator(networkId: string): AddressAllocator | undefined {
    return this.allocators.get(networkId);
  }

  /** The IPv6 addresses of a network with IPv6 enabled. */
  ipv6Allocator(networkId: string): Ipv6Allocator | undefined {
    return this.ipv6Allocators.get(networkId);
  }

  /** The network `default` and `bridge` stand for. */
  defaultNetwork(): NetworkRecord {
    return this.find('bridge');
  }

  list(filters: Filters): NetworkRecord[] {
    const matches = networkFilter(filters, (n) => this.inUse(n.id));
    return [...this.networks.values()].filter(matches).sort((a, b) => a.name.localeCompare(b.name));
  }

  private serially<T>(change: () => Promise<T>): Promise<T> {
    const next = this.changes.then(change, change);
    this.changes = next.catch(() => undefined);
    return next;
  }

  create(request: NetworkCreateRequest): Promise<NetworkRecord> {
    return this.serially(() => this.createNow(request));
  }

  private async createNow(request: NetworkCreateRequest): Promise<NetworkRecord> {
    // A predefined name is forbidden before it is a duplicate, as in dockerd.
    if (this.byName(request.name) && !predefinedNames.includes(request.name)) throw EngineError.conflict(`network with name ${request.name} already exists`);
    const others = [...this.networks.values()];
    const network = networkFromRequest(request, newId(), this.opts.now(), {
      takenSubnets: await this.takenSubnets(),
      takenIpv6Subnets: others.filter(hasIpv6).map((n) => ipv6SubnetOf(n.ipv6.subnet)),
      takenBridges: new Set(others.flatMap((n) => (n.bridge ? [n.bridge] : []))),
      pools: this.opts.pools,
    });
    this.add(network);
    try {
      await this.opts.dataPlane.ensureNetwork(network);
      await this.opts.nameServer.serve(network);
      await this.opts.store.putNetwork(network);
    } catch (err) {
      await this.discard(network);
      throw err;
    }
    this.opts.events.publish('create', network);
    return network;
  }

  remove(ref: string): Promise<void> {
    return this.serially(() => this.removeNow(ref));
  }

  private async removeNow(ref: string): Promise<void> {
    const network = this.find(ref);
    if (network.predefined) throw EngineError.forbidden(`${network.name} is a pre-defined network and cannot be removed`);
    if (this.inUse(network.id)) {
      throw EngineError.forbidden(`error while removing network: network ${network.name} id ${network.id} has active endpoints`);
    }
    await this.discard(network);
    await this.opts.store.deleteNetwork(network.id);
    this.opts.events.publish('destroy', network);
  }

  /** Undoes a network on the host and in memory. */
  private async discard(network: NetworkRecord): Promise<void> {
    await this.opts.nameServer.stop(network);
    await this.opts.dataPlane.removeNetwork(network);
    this.networks.delete(network.id);
    this.allocators.delete(network.id);
    this.ipv6Allocators.delete(network.id);
  }

  /** Removes the user-defined networks no container uses; returns their names. */
  prune(filters: Filters): Promise<string[]> {
    const matches = pruneFilter(filters, Date.now());
    return this.serially(async () => {
      const removed: string[] = [];
      for (const network of [...this.networks.values()]) {
        if (network.predefined || this.inUse(network.id) || !matches(network)) continue;
        await this.removeNow(network.id);
        removed.push(network.name);
      }
      return removed;
    });
  }

  /** Stops the resolvers (the bridges and their rules stay for the containers that use them). */
  async close(): Promise<void> {
    for (const network of this.networks.values()) if (network.driver === 'bridge' && !network.predefined) await this.opts.nameServer.stop(network);
  }
}
