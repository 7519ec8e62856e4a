import { networkV1, type ServiceClient } from '@flotilla/proto';
import type { AttachRequest, EndpointRequest, NetworkAttacher, NetworkAttachment, NetworkEndpoint } from '../core/ports.js';

function endpointOf(message: networkV1.Endpoint): NetworkEndpoint {
  const { networkId, networkName, endpointId, ipv4Address, ipv4PrefixLength, gateway, macAddress, aliases, dnsNames, requestedIpv4Address } = message;
  const { ipv6Address, ipv6PrefixLength, ipv6Gateway, requestedIpv6Address } = message;
  return { networkId, networkName, endpointId, ipv4Address, ipv4PrefixLength, gateway, macAddress, aliases, dnsNames, requestedIpv4Address, ipv6Address, ipv6PrefixLength, ipv6Gateway, requestedIpv6Address };
}

/** network-svc makes the namespace a container's task joins, its interfaces and its published ports. */
export class NetworkServiceAttacher implements NetworkAttacher {
  constructor(private readonly network: ServiceClient<typeof networkV1.NetworkService>) {}

  async prepareNamespace(containerId: string, netnsPath: string): Promise<void> {
    await this.network.prepareNamespace({ containerId, netnsPath });
  }

  async attach(request: AttachRequest): Promise<NetworkAttachment> {
    const { ports, ...rest } = request;
    const response = await this.network.attachContainer({ ...rest, portBindings: ports });
    return {
      endpoints: response.endpoints.map(endpointOf),
      ports: response.ports.map(({ containerPort, protocol, hostIp, hostPort }) => ({ containerPort, protocol, hostIp, hostPort })),
      nameservers: response.nameservers,
    };
  }

  async detach(containerId: string): Promise<void> {
    await this.network.detachContainer({ containerId });
  }

  async connect(containerId: string, endpoint: EndpointRequest): Promise<{ endpoint: NetworkEndpoint; nameservers: string[] }> {
    const response = await this.network.connectEndpoint({ containerId, endpoint });
    return { endpoint: endpointOf(response.endpoint!), nameservers: response.nameservers };
  }

  async disconnect(containerId: string, network: string): Promise<void> {
    await this.network.disconnectEndpoint({ containerId, network });
  }

  async find(network: string): Promise<{ id: string; name: string; driver: string }> {
    const { network: found } = await this.network.inspectNetwork({ id: network });
    return { id: found!.id, name: found!.name, driver: found!.driver };
  }
}
