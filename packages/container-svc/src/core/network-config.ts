import { isIPv6 } from 'node:net';
import type { DockerConfig, EndpointConfig, HostConfig } from './container-record.js';
import type { EndpointRequest, PortRequest } from './ports.js';

/** How a container is networked, read from its create request. */
export interface NetworkingChoice {
  /** default, none, host, container:<name or ID>, or a network's name or ID. */
  networkMode: string;
  /** The networks it joins with their settings, the NetworkMode's first; empty for host, none and container: modes. */
  networks: Record<string, EndpointConfig>;
  problems: string[];
  /** Features asked for that this engine does not have. */
  unsupported: string[];
  warnings: string[];
}

/** Modes with no interfaces of their own on a network. */
export function ownsNoEndpoints(networkMode: string): boolean {
  return networkMode === 'host' || networkMode === 'none' || networkMode.startsWith('container:');
}

/** `default` is the default bridge, named `bridge` in the Networks of inspect. */
export function networkKey(networkMode: string): string {
  return networkMode === 'default' ? 'bridge' : networkMode;
}

const isDefaultBridge = (name: string) => name === 'bridge' || name === 'default';
const ipv4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const mac = /^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/;

function endpointProblems(name: string, endpoint: EndpointConfig): string[] {
  const problems: string[] = [];
  const address = endpoint.IPAMConfig?.IPv4Address;
  if (address && !ipv4.test(address)) problems.push(`invalid IPv4 address: ${address}`);
  if (address && isDefaultBridge(name)) problems.push('user specified IP address is supported on user defined networks only');
  if (endpoint.Aliases?.length && isDefaultBridge(name)) problems.push('network-scoped alias is supported only for containers in user defined networks');
  if (endpoint.MacAddress && !mac.test(endpoint.MacAddress)) problems.push(`invalid MAC address: ${endpoint.MacAddress}`);
  return problems;
}

/** A port key (`80/tcp`) as port and protocol; sctp is refused as unsupported by the caller. */
function parsePortKey(key: string): { port: number; protocol: string } | undefined {
  const match = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(key);
  if (!match || Number(match[1]) < 1 || Number(match[1]) > 65535) return undefined;
  return { port: Number(match[1]), protocol: match[2] ?? 'tcp' };
}

type PortBindings = Record<string, { HostIp?: string; HostPort?: string }[] | null>;

/** HostConfig.PortBindings checked as dockerd checks them; unsupported protocols and addresses reported apart. */
function portBindingProblems(bindings: PortBindings, unsupported: string[]): string[] {
  const problems: string[] = [];
  for (const [key, list] of Object.entries(bindings)) {
    const parsed = parsePortKey(key);
    if (!parsed) {
      problems.push(`invalid port specification: "${key}"`);
      continue;
    }
    if (parsed.protocol === 'sctp') unsupported.push('publishing sctp ports');
    for (const binding of list ?? []) {
      const hostPort = binding.HostPort ?? '';
      const range = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(hostPort);
      if (hostPort !== '' && (!range || Number(range[1]) > 65535 || Number(range[2] ?? range[1]) > 65535 || Number(range[2] ?? range[1]) < Number(range[1]))) {
        problems.push(`invalid hostPort: ${hostPort}`);
      }
      const hostIp = binding.HostIp ?? '';
      if (hostIp !== '' && !ipv4.test(hostIp) && !isIPv6(hostIp)) problems.push(`invalid host IP address: ${hostIp}`);
    }
  }
  return problems;
}

/**
 * NetworkMode, NetworkingConfig.EndpointsConfig (several networks from API 1.44) and the port
 * bindings of a create request, with dockerd's conflicts between them.
 */
export function parseNetworking(config: DockerConfig, hostConfig: HostConfig, endpointsConfig: Record<string, EndpointConfig> | null | undefined): NetworkingChoice {
  const networkMode = hostConfig.NetworkMode || 'default';
  const problems: string[] = [];
  const unsupported: string[] = [];
  const warnings: string[] = [];
  const asked = { ...(endpointsConfig ?? {}) };
  const bindings = (hostConfig.PortBindings ?? {}) as PortBindings;
  const publishes = Object.keys(bindings).length > 0 || hostConfig.PublishAllPorts === true;
  problems.push(...portBindingProblems(bindings, unsupported));

  if (ownsNoEndpoints(networkMode)) {
    const others = Object.keys(asked).filter((name) => name !== networkMode);
    if (others.length) problems.push(`conflicting options: the ${networkMode} network mode and the networks ${others.join(', ')}`);
    if (networkMode === 'host') {
      if (publishes) warnings.push('Published ports are discarded when using host network mode');
    } else if (publishes) {
      problems.push('conflicting options: port publishing and the container type network mode');
    }
    if (networkMode.startsWith('container:')) {
      if (config.Hostname) problems.push('conflicting options: hostname and the network mode');
      if (hostConfig.Dns?.length) problems.push('conflicting options: dns and the network mode');
      if (hostConfig.ExtraHosts?.length) problems.push('conflicting options: custom host-to-IP mapping and the network mode');
      if (config.MacAddress) problems.push('conflicting options: mac-address and the network mode');
    }
    return { networkMode, networks: {}, problems, unsupported, warnings };
  }

  // The NetworkMode's network comes first: it is the container's eth0.
  const first = networkKey(networkMode);
  const networks: Record<string, EndpointConfig> = { [first]: { ...(asked[first] ?? asked[networkMode] ?? {}) } };
  delete asked[first];
  delete asked[networkMode];
  Object.assign(networks, asked);
  // Before API 1.44 the MAC address was the container's, for its NetworkMode's network.
  if (typeof config.MacAddress === 'string' && config.MacAddress && !networks[first].MacAddress) networks[first].MacAddress = config.MacAddress;
  for (const [name, endpoint] of Object.entries(networks)) problems.push(...endpointProblems(name, endpoint));
  return { networkMode, networks, problems, unsupported, warnings };
}

/** The endpoints to ask network-svc for, in the order the container joins them. */
export function endpointRequests(networks: Record<string, EndpointConfig>): EndpointRequest[] {
  return Object.entries(networks).map(([network, endpoint]) => endpointRequest(network, endpoint));
}

export function endpointRequest(network: string, endpoint: EndpointConfig): EndpointRequest {
  return {
    network,
    aliases: endpoint.Aliases ?? [],
    ipv4Address: endpoint.IPAMConfig?.IPv4Address ?? '',
    macAddress: endpoint.MacAddress ?? '',
    ipv6Address: endpoint.IPAMConfig?.IPv6Address ?? '',
  };
}

/**
 * The ports a run publishes: its PortBindings, and with PublishAllPorts every exposed port
 * (the image's included) that has no binding, on an ephemeral host port.
 */
export function portRequests(config: DockerConfig, hostConfig: HostConfig): PortRequest[] {
  if (hostConfig.NetworkMode === 'host') return [];
  const bindings = (hostConfig.PortBindings ?? {}) as PortBindings;
  const requests: PortRequest[] = [];
  const add = (key: string, hostIp: string, hostPort: string) => {
    const parsed = parsePortKey(key);
    if (!parsed || parsed.protocol === 'sctp') return;
    const [start = 0, end = start] = hostPort ? hostPort.split('-').map(Number) : [];
    requests.push({ containerPort: parsed.port, protocol: parsed.protocol as 'tcp' | 'udp', hostIp, hostPortStart: start, hostPortEnd: end });
  };
  for (const [key, list] of Object.entries(bindings)) {
    // A port listed with no binding is published on an ephemeral port, as the CLI's `-p 80` asks.
    for (const binding of list?.length ? list : [{}]) add(key, binding.HostIp ?? '', binding.HostPort ?? '');
  }
  if (hostConfig.PublishAllPorts) {
    for (const key of Object.keys(config.ExposedPorts ?? {})) if (!(key in bindings) && !(`${key}/tcp` in bindings)) add(key, '', '');
  }
  return requests;
}
