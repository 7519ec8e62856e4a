import type { Ipv4Prefix } from './ipv4.js';
import type { AttachmentRecord, EndpointRecord, NetworkRecord, PortRequest, PublishedPort } from './network-record.js';

/** Networks and attachments, kept across restarts of network-svc. */
export interface NetworkStore {
  listNetworks(): Promise<NetworkRecord[]>;
  putNetwork(network: NetworkRecord): Promise<void>;
  deleteNetwork(id: string): Promise<void>;
  listAttachments(): Promise<AttachmentRecord[]>;
  putAttachment(attachment: AttachmentRecord): Promise<void>;
  deleteAttachment(containerId: string): Promise<void>;
}

/** Makes and releases network namespaces bound to files. */
export interface NamespaceMaker {
  create(path: string): Promise<void>;
  remove(path: string): Promise<void>;
  /** Sends the namespace's DNS queries to Docker's resolver address, 127.0.0.11, on to `server` (port 53); a second call re-points them. */
  routeResolver(path: string, server: string): Promise<void>;
}

/** The host side of bridge networks: devices, firewall rules and the CNI plugins. */
export interface BridgeDataPlane {
  /** Makes the bridge device and its rules (isolation from the other networks included), or finds them made. */
  ensureNetwork(network: NetworkRecord): Promise<void>;
  removeNetwork(network: NetworkRecord): Promise<void>;
  /** Adds the endpoint's interface to the namespace; returns the CNI result its removal needs. */
  addEndpoint(network: NetworkRecord, attachment: AttachmentRecord, endpoint: Omit<EndpointRecord, 'cniResult'>, ports: readonly PublishedPort[]): Promise<object>;
  removeEndpoint(network: NetworkRecord, attachment: AttachmentRecord, endpoint: EndpointRecord, ports: readonly PublishedPort[]): Promise<void>;
  /** Subnets the host already routes (its own interfaces, VPNs, other engines' bridges). */
  hostSubnets(): Promise<Ipv4Prefix[]>;
}

/** Host ports held for published container ports, so nothing else on the host takes them. */
export interface HostPorts {
  /** Takes every port asked for, or none: a port another holds is a conflict. */
  reserve(requests: readonly PortRequest[]): Promise<PublishedPort[]>;
  /** Sends what reaches the ports' IPv6 side on to the container's address (the IPv4 side is the data plane's). */
  forward(ports: readonly PublishedPort[], address: string): void;
  release(ports: readonly PublishedPort[]): void;
}

/** The embedded DNS resolver of user-defined networks. */
export interface NameServer {
  /** Starts answering on the network's gateway address. */
  serve(network: NetworkRecord): Promise<void>;
  stop(network: NetworkRecord): Promise<void>;
}

export interface NetworkEventSink {
  publish(action: 'create' | 'destroy' | 'connect' | 'disconnect', network: NetworkRecord, containerId?: string): void;
}
