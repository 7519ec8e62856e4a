import { EngineError } from '@flotilla/proto';
import type { Ipv4Prefix } from '../core/ipv4.js';
import type { AttachmentRecord, EndpointRecord, NetworkRecord, PortRequest, PublishedPort } from '../core/network-record.js';
import type { BridgeDataPlane, HostPorts, NameServer, NamespaceMaker, NetworkEventSink, NetworkStore } from '../core/ports.js';

/** The store as two maps, shared by the "before" and "after" of a simulated restart. */
export class MemoryStore implements NetworkStore {
  readonly networks = new Map<string, NetworkRecord>();
  readonly attachments = new Map<string, AttachmentRecord>();
  async listNetworks() {
    return [...this.networks.values()].map((n) => structuredClone(n));
  }
  async putNetwork(network: NetworkRecord) {
    this.networks.set(network.id, structuredClone(network));
  }
  async deleteNetwork(id: string) {
    this.networks.delete(id);
  }
  async listAttachments() {
    return [...this.attachments.values()].map((a) => structuredClone(a));
  }
  async putAttachment(attachment: AttachmentRecord) {
    this.attachments.set(attachment.containerId, structuredClone(attachment));
  }
  async deleteAttachment(containerId: string) {
    this.attachments.delete(containerId);
  }
}

/** The host as sets of what exists on it: bridges, interfaces (`<netns> <ifname>`) and routes. */
export class FakeDataPlane implements BridgeDataPlane {
  readonly bridges = new Set<string>();
  readonly interfaces = new Set<string>();
  hostRoutes: Ipv4Prefix[] = [];
  /** Makes the next endpoint added on this network fail, as a CNI plugin error would. */
  failOn: string | undefined;
  async ensureNetwork(network: NetworkRecord) {
    this.bridges.add(network.bridge!);
  }
  async removeNetwork(network: NetworkRecord) {
    if (network.bridge) this.bridges.delete(network.bridge);
  }
  async addEndpoint(network: NetworkRecord, attachment: AttachmentRecord, endpoint: Omit<EndpointRecord, 'cniResult'>) {
    if (this.failOn === network.name) throw new Error('plugin failed');
    this.interfaces.add(`${attachment.netnsPath} ${endpoint.interfaceName}`);
    return {};
  }
  async removeEndpoint(_network: NetworkRecord, attachment: AttachmentRecord, endpoint: EndpointRecord) {
    this.interfaces.delete(`${attachment.netnsPath} ${endpoint.interfaceName}`);
  }
  async hostSubnets() {
    return this.hostRoutes;
  }
}

export class FakeNamespaces implements NamespaceMaker {
  readonly paths = new Set<string>();
  /** Every namespace made, in order. */
  readonly made: string[] = [];
  /** The server each namespace's 127.0.0.11 reaches. */
  readonly resolvers = new Map<string, string>();
  async create(path: string) {
    this.paths.add(path);
    this.made.push(path);
  }
  async remove(path: string) {
    this.paths.delete(path);
    this.resolvers.delete(path);
  }
  async routeResolver(path: string, server: string) {
    this.resolvers.set(path, server);
  }
}

/** Host ports as a set; `taken` holds ports some other program of the host has. */
export class FakeHostPorts implements HostPorts {
  readonly held = new Set<string>();
  readonly taken = new Set<number>();
  private nextEphemeral = 32768;
  async reserve(requests: readonly PortRequest[]): Promise<PublishedPort[]> {
    const ports = requests.map((r) => ({ containerPort: r.containerPort, protocol: r.protocol, hostIp: r.hostIp || '0.0.0.0', hostPort: r.hostPortStart || this.nextEphemeral++ }));
    const conflict = ports.find((p) => this.taken.has(p.hostPort) || this.held.has(`${p.protocol}/${p.hostPort}`));
    if (conflict) throw EngineError.conflict(`Bind for ${conflict.hostIp}:${conflict.hostPort} failed: port is already allocated`);
    for (const p of ports) this.held.add(`${p.protocol}/${p.hostPort}`);
    return ports;
  }
  /** Where each held port's IPv6 side relays to, by `protocol/hostPort`. */
  readonly forwarded = new Map<string, string>();
  forward(ports: readonly PublishedPort[], address: string) {
    for (const p of ports) this.forwarded.set(`${p.protocol}/${p.hostPort}`, address);
  }
  release(ports: readonly PublishedPort[]) {
    for (const p of ports) this.held.delete(`${p.protocol}/${p.hostPort}`);
  }
}

export class FakeNameServer implements NameServer {
  readonly serving = new Set<string>();
  async serve(network: NetworkRecord) {
    this.serving.add(network.name);
  }
  async stop(network: NetworkRecord) {
    this.serving.delete(network.name);
  }
}

export class RecordingEvents implements NetworkEventSink {
  readonly published: string[] = [];
  publish(action: string, network: NetworkRecord, containerId?: string) {
    this.published.push([action, network.name, containerId].filter(Boolean).join(' '));
  }
}
