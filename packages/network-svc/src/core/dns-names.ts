import type { AttachmentRecord, EndpointRecord } from './network-record.js';

/** Every name the embedded resolver answers with an endpoint's address (Docker's DNSNames). */
export function dnsNamesOf(attachment: AttachmentRecord, endpoint: EndpointRecord): string[] {
  const shortId = attachment.containerId.slice(0, 12);
  return [...new Set([attachment.containerName, ...endpoint.aliases, shortId, attachment.hostname].filter(Boolean))];
}

/**
 * The names of containers on user-defined networks, as each container sees them: a container
 * resolves the names on the networks it is attached to, and nothing of the others (nor of the
 * default bridge, which has no name resolution in Docker).
 */
export class DnsNames {
  private readonly attachments = new Map<string, AttachmentRecord>();
  /** Per container, the lowercase names of its networks by ID. */
  private readonly networkNames = new Map<string, ReadonlyMap<string, string>>();

  /**
   * The container's names, with its endpoints on the networks that resolve names (user-defined
   * ones) and those networks' names: `name.network` is a name on that network, as in Docker.
   */
  set(attachment: AttachmentRecord, networkNames: ReadonlyMap<string, string>): void {
    this.attachments.set(attachment.containerId, attachment);
    this.networkNames.set(attachment.containerId, new Map([...networkNames].map(([id, name]) => [id, name.toLowerCase()])));
  }

  delete(containerId: string): void {
    this.attachments.delete(containerId);
    this.networkNames.delete(containerId);
  }

  /** The attachment of the container with this address. */
  private clientAt(address: string): AttachmentRecord | undefined {
    for (const attachment of this.attachments.values()) {
      if (attachment.endpoints.some((e) => e.address === address)) return attachment;
    }
    return undefined;
  }

  /** The container's --dns servers, for the queries that are not about its networks. */
  upstreamOf(clientAddress: string): string[] {
    return this.clientAt(clientAddress)?.dnsServers ?? [];
  }

  /** Addresses of `name` (IPv4, or IPv6 where its networks have it) on the networks the client shares; empty when the name is not one of theirs. */
  resolve(name: string, clientAddress: string, family: 4 | 6 = 4): string[] {
    const client = this.clientAt(clientAddress);
    if (!client) return [];
    const wanted = name.toLowerCase().replace(/\.$/, '');
    const networks = new Set(client.endpoints.map((e) => e.networkId));
    const addresses: string[] = [];
    for (const attachment of this.attachments.values()) {
      for (const endpoint of attachment.endpoints) {
        if (!networks.has(endpoint.networkId)) continue;
        const suffix = `.${this.networkNames.get(attachment.containerId)?.get(endpoint.networkId)}`;
        const onNetwork = wanted.endsWith(suffix) ? wanted.slice(0, -suffix.length) : undefined;
        const address = family === 4 ? endpoint.address : endpoint.ipv6?.address;
        if (address && dnsNamesOf(attachment, endpoint).some((n) => [wanted, onNetwork].includes(n.toLowerCase()))) addresses.push(address);
      }
    }
    return addresses;
  }

  /** The container name for an address on a network the client shares (PTR lookups). */
  reverse(address: string, clientAddress: string): string | undefined {
    const client = this.clientAt(clientAddress);
    if (!client) return undefined;
    const networks = new Set(client.endpoints.map((e) => e.networkId));
    for (const attachment of this.attachments.values()) {
      if (attachment.endpoints.some((e) => e.address === address && networks.has(e.networkId))) return attachment.containerName;
    }
    return undefined;
  }
}
