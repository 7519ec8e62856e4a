import { randomBytes } from 'node:crypto';
import { KeyedLock } from '@flotilla/kit';
import { EngineError } from '@flotilla/proto';
import type { DnsNames } from './dns-names.js';
import { ipv6Gateway } from './network-spec.js';
import { macForAddress, parseIpv4 } from './ipv4.js';
import type { NetworkCatalog } from './network-catalog.js';
import type { AttachmentRecord, EndpointRecord, NetworkRecord, PortRequest, PublishedPort } from './network-record.js';
import type { BridgeDataPlane, HostPorts, NamespaceMaker, NetworkEventSink, NetworkStore } from './ports.js';

/** What a container asks of one network. */
export interface EndpointRequest {
  network: string;
  aliases: string[];
  ipv4Address: string;
  macAddress: string;
  /** --ip6, on a network with IPv6. */
  ipv6Address?: string;
}

export interface AttachRequest {
  containerId: string;
  containerName: string;
  hostname: string;
  networkMode: string;
  netnsPath: string;
  endpoints: EndpointRequest[];
  ports: PortRequest[];
  dnsServers: string[];
}

/** What a container got: its interfaces, its published ports and the resolver to use. */
export interface Attached {
  endpoints: { network: NetworkRecord; endpoint: EndpointRecord }[];
  ports: PublishedPort[];
  nameservers: string[];
}

export interface AttachmentsOptions {
  catalog: NetworkCatalog;
  store: NetworkStore;
  dataPlane: BridgeDataPlane;
  namespaces: NamespaceMaker;
  hostPorts: HostPorts;
  events: NetworkEventSink;
  /** What the embedded resolver answers from. */
  names: DnsNames;
  warn(obj: object, msg: string): void;
}

/** Where containers find the embedded resolver, as in Docker: the namespace forwards it to the network's gateway. */
export const resolverAddress = '127.0.0.11';

/** `none` and `bridge`/`default` as Docker names them; anything else is a network's name or ID. */
function isNone(networkMode: string): boolean {
  return networkMode === 'none';
}

/**
 * Containers' network namespaces and their interfaces on networks: what `docker run --network`,
 * `-p` and `docker network connect` make, and what is taken back when the container stops. Each
 * container's changes are made one at a time; a failure leaves nothing half made.
 */
export class ContainerAttachments {
  private readonly attachments = new Map<string, AttachmentRecord>();
  private readonly locks = new KeyedLock();

  constructor(private readonly opts: AttachmentsOptions) {
    opts.catalog.trackUse((networkId) => [...this.attachments.values()].some((a) => a.endpoints.some((e) => e.networkId === networkId)));
  }

  /** Takes back the addresses and ports recorded before a restart; the interfaces are still there. */
  async load(): Promise<void> {
    for (const attachment of await this.opts.store.listAttachments()) {
      for (const endpoint of attachment.endpoints) {
        this.opts.catalog.allocator(endpoint.networkId)?.claim(endpoint.address);
        if (endpoint.ipv6) this.opts.catalog.ipv6Allocator(endpoint.networkId)?.claim(endpoint.ipv6.address);
      }
      attachment.ports = await this.opts.hostPorts.reserve(attachment.ports.map((p) => ({ ...p, hostPortStart: p.hostPort, hostPortEnd: p.hostPort }))).catch((err) => {
        this.opts.warn({ err, containerId: attachment.containerId }, 'published ports not held again');
        return attachment.ports;
      });
      const routed = attachment.endpoints.find((e) => e.defaultRoute);
      if (routed) this.opts.hostPorts.forward(attachment.ports, routed.address);
      this.attachments.set(attachment.containerId, attachment);
      this.publishNames(attachment);
    }
  }

  /** Only user-defined networks resolve names; the default bridge does not, as in Docker. */
  private publishNames(attachment: AttachmentRecord): void {
    const networks = attachment.endpoints.map((e) => this.opts.catalog.get(e.networkId)).filter((n): n is NetworkRecord => n?.predefined === false);
    const resolving = attachment.endpoints.filter((e) => networks.some((n) => n.id === e.networkId));
    this.opts.names.set({ ...attachment, endpoints: resolving }, new Map(networks.map((n) => [n.id, n.name])));
  }

  get(containerId: string): AttachmentRecord | undefined {
    return this.attachments.get(containerId);
  }

  /** The containers on a network, for `docker network inspect`. */
  onNetwork(networkId: string): { attachment: AttachmentRecord; endpoint: EndpointRecord }[] {
    return [...this.attachments.values()].flatMap((attachment) =>
      attachment.endpoints.filter((e) => e.networkId === networkId).map((endpoint) => ({ attachment, endpoint })),
    );
  }

  /**
   * The container's namespace alone, so that its task can be created in it while the attach adds
   * the interfaces. What a run that was never detached (a crash) left is replaced.
   */
  prepareNamespace(containerId: string, netnsPath: string): Promise<void> {
    return this.locks.run(containerId, async () => {
      await this.detachNow(containerId);
      await this.opts.namespaces.create(netnsPath);
      const prepared = { containerId, containerName: '', hostname: '', netnsPath, endpoints: [], ports: [], dnsServers: [], prepared: true };
      await this.commit(prepared).catch(async (err) => {
        await this.opts.namespaces.remove(netnsPath);
        throw err;
      });
    });
  }

  attach(request: AttachRequest): Promise<Attached> {
    return this.locks.run(request.containerId, async () => {
      // A namespace prepared for this run is kept; what a run that was never detached (a crash) left is replaced.
      const previous = this.attachments.get(request.containerId);
      const prepared = previous?.prepared === true && previous.netnsPath === request.netnsPath;
      if (!prepared) await this.detachNow(request.containerId);
      const asked = request.endpoints.length ? request.endpoints : isNone(request.networkMode) ? [] : [{ network: request.networkMode, aliases: [], ipv4Address: '', macAddress: '' }];
      const networks = asked.map((e) => this.networkFor(e.network));
      if (networks.some((n) => n.driver === 'null') && networks.length > 1) throw EngineError.invalid('container cannot be connected to the none network and another one');
      const bridged = asked.filter((_, i) => networks[i].driver === 'bridge');
      const attachment: AttachmentRecord = {
        containerId: request.containerId,
        containerName: request.containerName,
        hostname: request.hostname,
        netnsPath: request.netnsPath,
        endpoints: [],
        ports: [],
        dnsServers: request.dnsServers,
      };
      if (!prepared) await this.opts.namespaces.create(request.netnsPath);
      try {
        // The first network that reaches beyond the host carries the default route and the ports.
        const routed = bridged.findIndex((e) => !this.networkFor(e.network).internal);
        if (routed >= 0 && request.ports.length) attachment.ports = await this.opts.hostPorts.reserve(request.ports.map((p) => this.withHostIp(p, this.networkFor(bridged[routed].network))));
        for (const [i, asking] of bridged.entries()) await this.addEndpoint(attachment, asking, i === routed);
        await this.pointResolver(attachment);
      } catch (err) {
        // A prepared namespace stays, for the detach to release.
        await this.releaseEndpoints(attachment);
        if (!prepared) await this.opts.namespaces.remove(attachment.netnsPath);
        throw err;
      }
      await this.commit(attachment);
      for (const endpoint of attachment.endpoints) this.opts.events.publish('connect', this.opts.catalog.get(endpoint.networkId)!, attachment.containerId);
      return this.attached(attachment, attachment.endpoints);
    });
  }

  private networkFor(ref: string): NetworkRecord {
    return ref === 'default' || ref === '' ? this.opts.catalog.defaultNetwork() : this.opts.catalog.find(ref);
  }

  /** A binding without an address takes the network's host binding address, as Docker's bridge driver does. */
  private withHostIp(port: PortRequest, network: NetworkRecord): PortRequest {
    const fallback = network.hostBindingIp && network.hostBindingIp !== '0.0.0.0' ? network.hostBindingIp : '';
    return { ...port, hostIp: port.hostIp || fallback };
  }

  /** The endpoint's IPv6 address on a network with IPv6: the one asked for (--ip6) or the next free one. */
  private ipv6Endpoint(network: NetworkRecord, asking: EndpointRequest): EndpointRecord['ipv6'] {
    const allocator = this.opts.catalog.ipv6Allocator(network.id);
    if (!allocator || !network.ipv6) {
      if (asking.ipv6Address) throw EngineError.invalid('user specified IP address is supported only when connecting to networks with user configured subnets');
      return undefined;
    }
    const address = asking.ipv6Address ? allocator.claim(asking.ipv6Address) : allocator.allocate(network.name);
    const prefixLength = Number(network.ipv6.subnet.split('/')[1]);
    return { address, prefixLength, gateway: ipv6Gateway(network.ipv6), ...(asking.ipv6Address ? { requested: asking.ipv6Address } : {}) };
  }

  /** Gives the container an address on the network and its interface in the namespace. */
  private async addEndpoint(attachment: AttachmentRecord, asking: EndpointRequest, defaultRoute: boolean): Promise<EndpointRecord> {
    const network = this.networkFor(asking.network);
    if (attachment.endpoints.some((e) => e.networkId === network.id)) throw EngineError.forbidden(`endpoint with name ${attachment.containerName} already exists in network ${network.name}`);
    const allocator = this.opts.catalog.allocator(network.id)!;
    if (asking.ipv4Address && !network.userSubnet) throw EngineError.invalid('user specified IP address is supported on user defined networks only');
    if (asking.macAddress && !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(asking.macAddress)) throw EngineError.invalid(`invalid MAC address: ${asking.macAddress}`);
    let address: string;
    if (asking.ipv4Address) {
      allocator.claim(asking.ipv4Address);
      address = asking.ipv4Address;
    } else {
      address = allocator.allocate(network.name);
    }
    let ipv6: EndpointRecord['ipv6'];
    try {
      ipv6 = this.ipv6Endpoint(network, asking);
    } catch (err) {
      allocator.release(address);
      throw err;
    }
    const range = network.ipam[0];
    const endpoint = {
      networkId: network.id,
      endpointId: randomBytes(32).toString('hex'),
      interfaceName: `eth${attachment.endpoints.length}`,
      address,
      prefixLength: Number(range.subnet.split('/')[1]),
      gateway: range.gateway,
      mac: (asking.macAddress || macForAddress(parseIpv4(address)!)).toLowerCase(),
      aliases: asking.aliases,
      requestedAddress: asking.ipv4Address || undefined,
      ...(ipv6 ? { ipv6 } : {}),
      defaultRoute,
    };
    let cniResult: object;
    try {
      cniResult = await this.opts.dataPlane.addEndpoint(network, attachment, endpoint, defaultRoute ? attachment.ports : []);
    } catch (err) {
      allocator.release(address);
      if (ipv6) this.opts.catalog.ipv6Allocator(network.id)?.release(ipv6.address);
      throw err;
    }
    if (defaultRoute) this.opts.hostPorts.forward(attachment.ports, address);
    const record = { ...endpoint, cniResult };
    attachment.endpoints.push(record);
    return record;
  }

  private attached(attachment: AttachmentRecord, endpoints: readonly EndpointRecord[]): Attached {
    return {
      endpoints: endpoints.map((endpoint) => ({ network: this.opts.catalog.get(endpoint.networkId)!, endpoint })),
      ports: attachment.ports,
      nameservers: attachment.resolver ? [resolverAddress] : [],
    };
  }

  /**
   * Points 127.0.0.11 at the gateway of the first user-defined network the container is on, where
   * the embedded resolver listens. A namespace with no such network left keeps what it had: the
   * gateway is an address of the host, still reachable by the default route.
   */
  private async pointResolver(attachment: AttachmentRecord): Promise<void> {
    const resolving = attachment.endpoints.map((e) => this.opts.catalog.get(e.networkId)!).find((n) => !n.predefined);
    const gateway = resolving?.ipam[0].gateway;
    if (!gateway || gateway === attachment.resolver) return;
    await this.opts.namespaces.routeResolver(attachment.netnsPath, gateway);
    attachment.resolver = gateway;
  }

  private async commit(attachment: AttachmentRecord): Promise<void> {
    await this.opts.store.putAttachment(attachment);
    this.attachments.set(attachment.containerId, attachment);
    this.publishNames(attachment);
  }

  /** Removes the interfaces and the ports; the addresses are free again. */
  private async releaseEndpoints(attachment: AttachmentRecord): Promise<void> {
    for (const endpoint of [...attachment.endpoints].reverse()) await this.removeEndpoint(attachment, endpoint);
    this.opts.hostPorts.release(attachment.ports);
  }

  private async removeEndpoint(attachment: AttachmentRecord, endpoint: EndpointRecord): Promise<void> {
    const network = this.opts.catalog.get(endpoint.networkId);
    if (network) {
      await this.opts.dataPlane
        .removeEndpoint(network, attachment, endpoint, endpoint.defaultRoute ? attachment.ports : [])
        .catch((err) => this.opts.warn({ err, containerId: attachment.containerId, network: network.name }, 'interface not removed cleanly'));
    }
    this.opts.catalog.allocator(endpoint.networkId)?.release(endpoint.address);
    if (endpoint.ipv6) this.opts.catalog.ipv6Allocator(endpoint.networkId)?.release(endpoint.ipv6.address);
    attachment.endpoints = attachment.endpoints.filter((e) => e !== endpoint);
  }

  detach(containerId: string): Promise<void> {
    return this.locks.run(containerId, () => this.detachNow(containerId));
  }

  private async detachNow(containerId: string): Promise<void> {
    const attachment = this.attachments.get(containerId);
    if (!attachment) return;
    const networks = attachment.endpoints.map((e) => this.opts.catalog.get(e.networkId));
    await this.releaseEndpoints(attachment);
    await this.opts.namespaces.remove(attachment.netnsPath);
    this.attachments.delete(containerId);
    this.opts.names.delete(containerId);
    await this.opts.store.deleteAttachment(containerId);
    for (const network of networks) if (network) this.opts.events.publish('disconnect', network, containerId);
  }

  /** `docker network connect` of a container that runs: one more interface, live. */
  connect(containerId: string, asking: EndpointRequest): Promise<Attached> {
    return this.locks.run(containerId, async () => {
      const attachment = this.attachments.get(containerId);
      if (!attachment || attachment.prepared) throw EngineError.conflict(`container ${containerId} has no network namespace to connect`);
      const network = this.networkFor(asking.network);
      if (network.driver !== 'bridge') throw EngineError.forbidden(`container cannot be disconnected from host network or connected to host network`);
      // A container with no way out yet gets its default route here.
      const endpoint = await this.addEndpoint(attachment, asking, !network.internal && !attachment.endpoints.some((e) => e.defaultRoute));
      await this.pointResolver(attachment).catch(async (err) => {
        await this.removeEndpoint(attachment, endpoint);
        throw err;
      });
      await this.commit(attachment);
      this.opts.events.publish('connect', network, containerId);
      return this.attached(attachment, [endpoint]);
    });
  }

  /** `docker network disconnect` of a container that runs. */
  disconnect(containerId: string, networkRef: string): Promise<NetworkRecord> {
    return this.locks.run(containerId, async () => {
      const attachment = this.attachments.get(containerId);
      const network = this.networkFor(networkRef);
      const endpoint = attachment?.endpoints.find((e) => e.networkId === network.id);
      if (!attachment || !endpoint) throw EngineError.forbidden(`container ${containerId} is not connected to network ${network.name}`);
      await this.removeEndpoint(attachment, endpoint);
      // Published ports went with the interface that carried them.
      if (endpoint.defaultRoute) {
        this.opts.hostPorts.release(attachment.ports);
        attachment.ports = [];
      }
      await this.pointResolver(attachment).catch((err) => this.opts.warn({ err, containerId }, 'resolver not re-pointed'));
      await this.commit(attachment);
      this.opts.events.publish('disconnect', network, containerId);
      return network;
    });
  }
}
