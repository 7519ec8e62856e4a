import { EngineError } from '@flotilla/proto';
import { firstHost, freeSubnet, type AddressPool } from './address-pools.js';
import { contains, formatPrefix, overlaps, parseIpv4, parseIpv4Prefix, subnetOf, type Ipv4Prefix } from './ipv4.js';
import { containsIpv6, formatIpv6, ipv6SubnetOf, overlapsIpv6, parseIpv6, type Ipv6Prefix } from './ipv6.js';
import type { IpamRange, Ipv6Range, NetworkRecord } from './network-record.js';

/** What `POST /networks/create` asks for, in domain terms. */
export interface NetworkCreateRequest {
  name: string;
  driver: string;
  internal: boolean;
  attachable: boolean;
  enableIpv6: boolean;
  ipamDriver: string;
  ipamConfigs: { subnet: string; ipRange: string; gateway: string; auxAddresses: Record<string, string> }[];
  ipamOptions: Record<string, string>;
  options: Record<string, string>;
  labels: Record<string, string>;
}

/** The bridge driver's options that change what is built (others are kept as given, as dockerd does). */
export const bridgeOptions = {
  name: 'com.docker.network.bridge.name',
  mtu: 'com.docker.network.driver.mtu',
  masquerade: 'com.docker.network.bridge.enable_ip_masquerade',
  hostBindingIp: 'com.docker.network.bridge.host_binding_ipv4',
} as const;

export const predefinedNames = ['bridge', 'host', 'none'];

/** What a new network must not collide with. */
export interface NetworkSpecContext {
  /** Subnets of the other networks and of the host's routes. */
  takenSubnets: readonly Ipv4Prefix[];
  /** IPv6 subnets of the other networks with IPv6. */
  takenIpv6Subnets: readonly Ipv6Prefix[];
  /** Bridge devices of the other networks. */
  takenBridges: ReadonlySet<string>;
  pools: readonly AddressPool[];
}

function driverProblem(driver: string): EngineError | undefined {
  if (driver === '' || driver === 'bridge') return undefined;
  if (driver === 'host' || driver === 'null') return EngineError.forbidden(`only one instance of "${driver}" network is allowed`);
  if (driver === 'overlay') {
    return EngineError.unavailable('This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.');
  }
  return EngineError.notFound(`plugin "${driver}" not found`);
}

/** Linux interface names: at most 15 bytes, no slash, no whitespace. */
function bridgeNameProblem(name: string): string | undefined {
  return /^[A-Za-z0-9_.-]{1,15}$/.test(name) ? undefined : `invalid bridge name ${name}: at most 15 letters, digits, '-', '_' or '.'`;
}

function ipamRange(config: NetworkCreateRequest['ipamConfigs'][number], ctx: NetworkSpecContext): IpamRange {
  const subnet = subnetOf(config.subnet);
  if (ctx.takenSubnets.some((taken) => overlaps(taken, subnet))) throw EngineError.forbidden('Pool overlaps with other one on this address space');
  const range: IpamRange = { subnet: config.subnet, gateway: '', auxAddresses: {} };
  if (config.ipRange) {
    const ipRange = parseIpv4Prefix(config.ipRange, true);
    if (!ipRange) throw EngineError.invalid(`Invalid subnet ${config.ipRange} : invalid CIDR address: ${config.ipRange}`);
    if (!contains(subnet, ipRange.base) || ipRange.length < subnet.length) throw EngineError.invalid(`invalid ip-range ${config.ipRange}: it must be within subnet ${config.subnet}`);
    range.ipRange = config.ipRange;
  }
  const within = (address: string) => {
    const value = parseIpv4(address);
    return value !== undefined && contains(subnet, value);
  };
  if (config.gateway && !within(config.gateway)) throw EngineError.invalid(`failed to allocate gateway (${config.gateway}): Requested address is out of range`);
  range.gateway = config.gateway || firstHost(subnet);
  for (const [name, address] of Object.entries(config.auxAddresses)) {
    if (!within(address)) throw EngineError.invalid(`auxiliary address: (${name}:${address}) must belong to the master pool: ${config.subnet}`);
    range.auxAddresses[name] = address;
  }
  return range;
}

/** The gateway of an IPv6 subnet: the one given, or the subnet's first address. */
export function ipv6Gateway(range: Ipv6Range): string {
  return range.gateway || formatIpv6(ipv6SubnetOf(range.subnet).base + 1n);
}

function ipv6RangeOf(config: NetworkCreateRequest['ipamConfigs'][number], ctx: NetworkSpecContext, enabled: boolean): Ipv6Range {
  const subnet = ipv6SubnetOf(config.subnet);
  if (enabled && ctx.takenIpv6Subnets.some((taken) => overlapsIpv6(taken, subnet))) throw EngineError.forbidden('Pool overlaps with other one on this address space');
  if (config.ipRange || Object.keys(config.auxAddresses).length) throw EngineError.notImplemented('an IPv6 ip-range or auxiliary address is not supported by this engine yet');
  const gateway = config.gateway ? parseIpv6(config.gateway) : undefined;
  if (config.gateway && (gateway === undefined || !containsIpv6(subnet, gateway))) throw EngineError.invalid(`failed to allocate gateway (${config.gateway}): Requested address is out of range`);
  return { subnet: config.subnet, gateway: config.gateway };
}

/**
 * Checks a create request the way dockerd does and decides what it leaves open (the subnet from
 * the pools, the gateway, the bridge device). Only the bridge driver can be created: host and none
 * exist once each.
 */
export function networkFromRequest(request: NetworkCreateRequest, id: string, created: string, ctx: NetworkSpecContext): NetworkRecord {
  if (request.name.trim() === '') throw EngineError.invalid('network name must not be empty');
  if (predefinedNames.includes(request.name)) throw EngineError.forbidden(`operation is not permitted on predefined ${request.name} network `);
  const driverError = driverProblem(request.driver);
  if (driverError) throw driverError;
  if (request.ipamDriver !== '' && request.ipamDriver !== 'default') throw EngineError.notFound(`plugin "${request.ipamDriver}" not found`);
  const ipv6Configs = request.ipamConfigs.filter((c) => c.subnet.includes(':'));
  const ipv4Configs = request.ipamConfigs.filter((c) => !c.subnet.includes(':'));
  // dockerd's bridge driver takes one IPv4 subnet and one IPv6 subnet.
  if (ipv4Configs.length > 1 || ipv6Configs.length > 1) throw EngineError.forbidden("bridge driver doesn't support multiple subnets");
  if (request.enableIpv6 && !ipv6Configs.length) throw EngineError.forbidden('could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network');
  for (const config of ipv4Configs) {
    if (!config.subnet && (config.gateway || config.ipRange || Object.keys(config.auxAddresses).length)) {
      throw EngineError.invalid('a gateway, ip-range or auxiliary address needs a subnet');
    }
  }

  const options = request.options;
  const bridge = options[bridgeOptions.name] || `br-${id.slice(0, 12)}`;
  const bridgeProblem = bridgeNameProblem(bridge);
  if (bridgeProblem) throw EngineError.invalid(bridgeProblem);
  if (ctx.takenBridges.has(bridge)) throw EngineError.forbidden(`bridge name ${bridge} is already used by another network`);
  let mtu: number | undefined;
  if (options[bridgeOptions.mtu]) {
    mtu = Number(options[bridgeOptions.mtu]);
    if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) throw EngineError.invalid(`invalid MTU ${options[bridgeOptions.mtu]}: it must be a number from 68 to 65535`);
  }
  const masqueradeOption = options[bridgeOptions.masquerade];
  if (masqueradeOption !== undefined && !['true', 'false'].includes(masqueradeOption)) throw EngineError.invalid(`invalid value ${masqueradeOption} for ${bridgeOptions.masquerade}: want true or false`);
  const hostBindingIp = options[bridgeOptions.hostBindingIp];
  if (hostBindingIp !== undefined && parseIpv4(hostBindingIp) === undefined) throw EngineError.invalid(`invalid host binding address ${hostBindingIp}`);

  const ipv6 = ipv6Configs.length ? ipv6RangeOf(ipv6Configs[0], ctx, request.enableIpv6) : undefined;
  const userConfig = ipv4Configs.find((c) => c.subnet);
  let range: IpamRange;
  if (userConfig) {
    range = ipamRange(userConfig, ctx);
  } else {
    const subnet = freeSubnet(ctx.pools, ctx.takenSubnets);
    if (!subnet) throw EngineError.forbidden('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
    range = { subnet: formatPrefix(subnet), gateway: firstHost(subnet), auxAddresses: {} };
  }
  return {
    id,
    name: request.name,
    driver: 'bridge',
    created,
    ipamDriver: 'default',
    ipamOptions: request.ipamOptions,
    ipam: [range],
    userSubnet: userConfig !== undefined,
    internal: request.internal,
    attachable: request.attachable,
    enableIpv6: request.enableIpv6,
    ...(ipv6 ? { ipv6 } : {}),
    options,
    labels: request.labels,
    bridge,
    mtu,
    hostBindingIp,
    masquerade: !request.internal && masqueradeOption !== 'false',
    predefined: false,
  };
}
