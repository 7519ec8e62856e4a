import type { MessageInitShape } from '@bufbuild/protobuf';
import { instantParts } from '@flotilla/kit';
import { EngineError, networkV1, type ServiceHandlers } from '@flotilla/proto';
import type { Attached, ContainerAttachments, EndpointRequest } from '../core/container-attachments.js';
import { dnsNamesOf } from '../core/dns-names.js';
import type { NetworkCatalog } from '../core/network-catalog.js';
import type { Filters } from '../core/network-filters.js';
import type { AttachmentRecord, EndpointRecord, NetworkRecord, Protocol } from '../core/network-record.js';

type EndpointMessage = MessageInitShape<typeof networkV1.EndpointSchema>;

function filtersOf(filters: Record<string, networkV1.FilterValues>): Filters {
  return Object.fromEntries(Object.entries(filters).map(([key, { values }]) => [key, values]));
}

function protocolOf(protocol: string): Protocol {
  if (protocol === '' || protocol === 'tcp') return 'tcp';
  if (protocol === 'udp') return 'udp';
  throw EngineError.invalid(`invalid protocol ${protocol}: publishing supports tcp and udp`);
}

function endpointRequest(message: networkV1.EndpointRequest | undefined): EndpointRequest {
  if (!message) throw EngineError.invalid('an endpoint is required');
  return { network: message.network, aliases: message.aliases, ipv4Address: message.ipv4Address, macAddress: message.macAddress, ipv6Address: message.ipv6Address };
}

function endpointMessage(network: NetworkRecord, attachment: AttachmentRecord, endpoint: EndpointRecord): EndpointMessage {
  return {
    networkId: network.id,
    networkName: network.name,
    endpointId: endpoint.endpointId,
    ipv4Address: endpoint.address,
    ipv4PrefixLength: endpoint.prefixLength,
    gateway: endpoint.gateway,
    macAddress: endpoint.mac,
    aliases: endpoint.aliases,
    // The default bridge resolves nothing.
    dnsNames: network.predefined ? [] : dnsNamesOf(attachment, endpoint),
    requestedIpv4Address: endpoint.requestedAddress ?? '',
    ipv6Address: endpoint.ipv6?.address ?? '',
    ipv6PrefixLength: endpoint.ipv6?.prefixLength ?? 0,
    ipv6Gateway: endpoint.ipv6?.gateway ?? '',
    requestedIpv6Address: endpoint.ipv6?.requested ?? '',
  };
}

export function networkMessage(network: NetworkRecord, attached?: { attachment: AttachmentRecord; endpoint: EndpointRecord }[]): MessageInitShape<typeof networkV1.NetworkSchema> {
  return {
    id: network.id,
    name: network.name,
    driver: network.driver,
    created: instantParts(network.created),
    ipamDriver: network.ipamDriver,
    ipamConfigs: [
      ...network.ipam.map((range) => ({ subnet: range.subnet, ipRange: range.ipRange ?? '', gateway: range.gateway, auxAddresses: range.auxAddresses })),
      ...(network.ipv6 ? [{ subnet: network.ipv6.subnet, ipRange: '', gateway: network.ipv6.gateway, auxAddresses: {} }] : []),
    ],
    ipamOptions: network.ipamOptions,
    internal: network.internal,
    attachable: network.attachable,
    enableIpv6: network.enableIpv6,
    options: network.options,
    labels: network.labels,
    endpoints: (attached ?? []).map(({ attachment, endpoint }) => ({
      containerId: attachment.containerId,
      containerName: attachment.containerName,
      endpointId: endpoint.endpointId,
      macAddress: endpoint.mac,
      ipv4Address: `${endpoint.address}/${endpoint.prefixLength}`,
      ipv6Address: endpoint.ipv6 ? `${endpoint.ipv6.address}/${endpoint.ipv6.prefixLength}` : '',
    })),
  };
}

export function networkHandlers(catalog: NetworkCatalog, attachments: ContainerAttachments): ServiceHandlers<typeof networkV1.NetworkService> {
  const attachedMessage = (containerId: string, attached: Attached) => {
    const attachment = attachments.get(containerId)!;
    return {
      endpoints: attached.endpoints.map(({ network, endpoint }) => endpointMessage(network, attachment, endpoint)),
      ports: attached.ports,
      nameservers: attached.nameservers,
    };
  };
  return {
    async attachContainer(req) {
      const attached = await attachments.attach({
        containerId: req.containerId,
        containerName: req.containerName,
        hostname: req.hostname,
        networkMode: req.networkMode,
        netnsPath: req.netnsPath,
        endpoints: req.endpoints.map(endpointRequest),
        ports: req.portBindings.map((p) => ({ containerPort: p.containerPort, protocol: protocolOf(p.protocol), hostIp: p.hostIp, hostPortStart: p.hostPortStart, hostPortEnd: p.hostPortEnd })),
        dnsServers: req.dnsServers,
      });
      return attachedMessage(req.containerId, attached);
    },
    async prepareNamespace(req) {
      await attachments.prepareNamespace(req.containerId, req.netnsPath);
      return {};
    },
    async detachContainer(req) {
      await attachments.detach(req.containerId);
      return {};
    },
    async connectEndpoint(req) {
      const attached = await attachments.connect(req.containerId, endpointRequest(req.endpoint));
      const { endpoints, nameservers } = attachedMessage(req.containerId, attached);
      return { endpoint: endpoints[0], nameservers };
    },
    async disconnectEndpoint(req) {
      const network = await attachments.disconnect(req.containerId, req.network);
      return { networkId: network.id };
    },
    async createNetwork(req) {
      const network = await catalog.create({
        name: req.name,
        driver: req.driver,
        internal: req.internal,
        attachable: req.attachable,
        enableIpv6: req.enableIpv6,
        ipamDriver: req.ipamDriver,
        ipamConfigs: req.ipamConfigs.map((c) => ({ subnet: c.subnet, ipRange: c.ipRange, gateway: c.gateway, auxAddresses: c.auxAddresses })),
        ipamOptions: req.ipamOptions,
        options: req.options,
        labels: req.labels,
      });
      return { id: network.id, warning: '' };
    },
    async listNetworks(req) {
      return { networks: catalog.list(filtersOf(req.filters)).map((network) => networkMessage(network)) };
    },
    async inspectNetwork(req) {
      const network = catalog.find(req.id);
      return { network: networkMessage(network, attachments.onNetwork(network.id)) };
    },
    async removeNetwork(req) {
      await catalog.remove(req.id);
      return {};
    },
    async pruneNetworks(req) {
      return { deleted: await catalog.prune(filtersOf(req.filters)) };
    },
  };
}
