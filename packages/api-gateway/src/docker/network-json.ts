import type { MessageInitShape } from '@bufbuild/protobuf';
import type { networkV1 } from '@flotilla/proto';
import { rfc3339Nano } from './time-format.js';

type Network = networkV1.Network;

const nullIfEmpty = (map: Record<string, string>) => (Object.keys(map).length ? map : null);

/** Docker's IPAM.Config entry: empty fields are left out, as Go's omitempty does. */
function ipamConfigJson(config: networkV1.IpamConfig): Record<string, unknown> {
  return {
    Subnet: config.subnet,
    ...(config.ipRange ? { IPRange: config.ipRange } : {}),
    ...(config.gateway ? { Gateway: config.gateway } : {}),
    ...(Object.keys(config.auxAddresses).length ? { AuxiliaryAddresses: config.auxAddresses } : {}),
  };
}

/** `GET /networks/{id}` and the entries of `GET /networks` (whose Containers map dockerd leaves empty). */
export function networkJson(network: Network): Record<string, unknown> {
  return {
    Name: network.name,
    Id: network.id,
    Created: rfc3339Nano(network.created),
    Scope: 'local',
    Driver: network.driver,
    EnableIPv6: network.enableIpv6,
    IPAM: { Driver: network.ipamDriver, Options: nullIfEmpty(network.ipamOptions), Config: network.ipamConfigs.map(ipamConfigJson) },
    Internal: network.internal,
    Attachable: network.attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: Object.fromEntries(
      network.endpoints.map((e) => [e.containerId, { Name: e.containerName, EndpointID: e.endpointId, MacAddress: e.macAddress, IPv4Address: e.ipv4Address, IPv6Address: e.ipv6Address }]),
    ),
    Options: network.options,
    Labels: network.labels,
  };
}

/** A `POST /networks/create` body, as the CLI and the SDKs send it. */
export interface NetworkCreateBody {
  Name?: string;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  ConfigOnly?: boolean;
  ConfigFrom?: { Network?: string } | null;
  EnableIPv6?: boolean;
  IPAM?: { Driver?: string; Options?: Record<string, string> | null; Config?: { Subnet?: string; IPRange?: string; Gateway?: string; AuxiliaryAddresses?: Record<string, string> | null }[] | null } | null;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** A create request body as network-svc takes it; Swarm's features are refused by the caller. */
export function createNetworkRequest(body: NetworkCreateBody): MessageInitShape<typeof networkV1.CreateNetworkRequestSchema> {
  return {
    name: body.Name ?? '',
    driver: body.Driver ?? '',
    internal: body.Internal === true,
    attachable: body.Attachable === true,
    enableIpv6: body.EnableIPv6 === true,
    ipamDriver: body.IPAM?.Driver ?? '',
    ipamOptions: body.IPAM?.Options ?? {},
    ipamConfigs: (body.IPAM?.Config ?? []).map((c) => ({
      subnet: c.Subnet ?? '',
      ipRange: c.IPRange ?? '',
      gateway: c.Gateway ?? '',
      auxAddresses: c.AuxiliaryAddresses ?? {},
    })),
    options: body.Options ?? {},
    labels: body.Labels ?? {},
  };
}
