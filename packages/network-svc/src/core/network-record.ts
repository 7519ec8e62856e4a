/** Docker's network drivers on one host: `null` is the driver of the `none` network. */
export type NetworkDriver = 'bridge' | 'host' | 'null';

/** One IPv4 subnet of a network, with what IPAM was told or chose. */
export interface IpamRange {
  subnet: string;
  /** Addresses for containers come from here; the whole subnet when absent. */
  ipRange?: string;
  gateway: string;
  auxAddresses: Record<string, string>;
}

/** A network's IPv6 subnet; its gateway as the user gave it ('' for the subnet's first address). */
export interface Ipv6Range {
  subnet: string;
  gateway: string;
}

/** What is persisted about a network: plain data, no live handles. */
export interface NetworkRecord {
  id: string;
  name: string;
  driver: NetworkDriver;
  /** RFC 3339 with nanoseconds. */
  created: string;
  ipamDriver: string;
  ipamOptions: Record<string, string>;
  /** Empty for host and none. */
  ipam: IpamRange[];
  /** The subnet was the user's (only then may containers ask for an address of their own, as in Docker). */
  userSubnet: boolean;
  internal: boolean;
  attachable: boolean;
  enableIpv6: boolean;
  /** Kept when given, as dockerd keeps it; containers get addresses from it only with enableIpv6. */
  ipv6?: Ipv6Range;
  options: Record<string, string>;
  labels: Record<string, string>;
  /** The bridge device of a bridge network. */
  bridge?: string;
  mtu?: number;
  /** Host address that ports are published on when a binding names none. */
  hostBindingIp?: string;
  /** Whether traffic leaving the host is masqueraded (off for internal networks). */
  masquerade: boolean;
  /** bridge, host and none: always there, never removed. */
  predefined: boolean;
}

/** A container's interface on one network. */
export interface EndpointRecord {
  networkId: string;
  endpointId: string;
  /** eth0, eth1… inside the container. */
  interfaceName: string;
  address: string;
  prefixLength: number;
  gateway: string;
  mac: string;
  aliases: string[];
  requestedAddress?: string;
  /** On a network with IPv6. */
  ipv6?: { address: string; prefixLength: number; gateway: string; requested?: string };
  /** The interface carries the container's default route (and its published ports). */
  defaultRoute: boolean;
  /** The CNI result of the ADD: the DEL needs it. */
  cniResult: object;
}

export type Protocol = 'tcp' | 'udp';

export interface PortRequest {
  containerPort: number;
  protocol: Protocol;
  hostIp: string;
  /** 0: any free ephemeral port. */
  hostPortStart: number;
  hostPortEnd: number;
}

export interface PublishedPort {
  containerPort: number;
  protocol: Protocol;
  hostIp: string;
  hostPort: number;
}

/** Everything network-svc made for one container. */
export interface AttachmentRecord {
  containerId: string;
  containerName: string;
  hostname: string;
  netnsPath: string;
  endpoints: EndpointRecord[];
  ports: PublishedPort[];
  /** The container's --dns servers, which its embedded resolver forwards to. */
  dnsServers: string[];
  /** The embedded resolver that 127.0.0.11 reaches in the namespace, once a user-defined network gave it one. */
  resolver?: string;
  /** The namespace alone, made ahead of the attach (PrepareNamespace): the attach keeps it. */
  prepared?: boolean;
}

export const isUserDefined = (network: NetworkRecord) => !network.predefined;

/** A network whose containers get IPv6 addresses: IPv6 enabled, with its subnet. */
export const hasIpv6 = (network: NetworkRecord): network is NetworkRecord & Required<Pick<NetworkRecord, 'ipv6'>> => network.enableIpv6 && network.ipv6 !== undefined;
