import { EngineError } from '@flotilla/proto';
import type { ContainerRecord, EndpointConfig } from './container-record.js';
import { endpointRequest, endpointRequests, networkKey, ownsNoEndpoints, portRequests } from './network-config.js';
import type { ContainerFileSettings, ContainerFilesStore, NetworkAttacher } from './ports.js';

export interface ContainerNetworkingOptions {
  network: NetworkAttacher;
  files: ContainerFilesStore;
  /** Where network namespaces of containers are kept (`<dir>/<id>`). */
  netnsDir: string;
  warn(obj: object, msg: string): void;
}

/** What a container's /etc files are made from, read from its record. */
export function fileSettings(record: ContainerRecord): ContainerFileSettings {
  const { hostConfig, config } = record;
  return {
    hostname: config.Hostname ?? record.id.slice(0, 12),
    domainname: config.Domainname || undefined,
    hostNetwork: hostConfig.NetworkMode === 'host',
    extraHosts: hostConfig.ExtraHosts ?? [],
    dns: { servers: hostConfig.Dns ?? [], search: hostConfig.DnsSearch ?? [], options: hostConfig.DnsOptions ?? [] },
    network: record.attached && { addresses: record.attached.endpoints.flatMap((e) => [e.ipv4Address, ...(e.ipv6Address ? [e.ipv6Address] : [])]), nameservers: record.attached.nameservers },
  };
}

/** The networks a container joins; records made before they were kept name only the NetworkMode's. */
export function networksOf(record: ContainerRecord): Record<string, EndpointConfig> {
  const mode = String(record.hostConfig.NetworkMode ?? 'default');
  return record.networks ?? (ownsNoEndpoints(mode) ? {} : { [networkKey(mode)]: {} });
}

/** Containers on the host's network or another container's have no namespace of their own to attach. */
function hasOwnNamespace(record: ContainerRecord): boolean {
  const networkMode = String(record.hostConfig.NetworkMode);
  return networkMode !== 'host' && !networkMode.startsWith('container:');
}

/**
 * A container's side of networking: which networks it joins (kept in its record), asking
 * network-svc for its interfaces when it starts and giving them back when it stops, and its
 * /etc/hosts and resolv.conf naming what it got.
 */
export class ContainerNetworking {
  constructor(private readonly opts: ContainerNetworkingOptions) {}

  netnsPath(id: string): string {
    return `${this.opts.netnsDir}/${id}`;
  }

  /** The networks of a create request, checked with network-svc and keyed by their names. */
  async resolveNetworks(networks: Record<string, EndpointConfig>): Promise<Record<string, EndpointConfig>> {
    const resolved: Record<string, EndpointConfig> = {};
    for (const [ref, endpoint] of Object.entries(networks)) {
      const network = await this.opts.network.find(ref);
      if (network.driver !== 'bridge') throw EngineError.invalid(`container cannot be connected to the ${network.name} network and another one`);
      if (resolved[network.name]) throw EngineError.invalid(`network ${network.name} is given twice`);
      resolved[network.name] = endpoint;
    }
    return resolved;
  }

  /**
   * Makes the namespace the task is created in, so that its interfaces, ports and /etc files can
   * be made (by `attach`) while the task is created. Resolves to whether they are still to be
   * made: a network-svc from before PrepareNamespace (mid-upgrade) is given the whole attach here.
   */
  async prepare(record: ContainerRecord): Promise<boolean> {
    if (!hasOwnNamespace(record)) return false;
    try {
      await this.opts.network.prepareNamespace(record.id, this.netnsPath(record.id));
      return true;
    } catch (err) {
      if (!EngineError.is(err, 'not-implemented')) throw err;
      await this.attach(record);
      return false;
    }
  }

  /** Makes the namespace the task joins (or keeps the prepared one), with its interfaces and ports, and writes its /etc files for them. */
  async attach(record: ContainerRecord): Promise<void> {
    if (!hasOwnNamespace(record)) return;
    const networkMode = String(record.hostConfig.NetworkMode);
    record.attached = await this.opts.network.attach({
      containerId: record.id,
      containerName: record.name,
      hostname: record.config.Hostname ?? '',
      networkMode,
      netnsPath: this.netnsPath(record.id),
      endpoints: endpointRequests(networksOf(record)),
      ports: portRequests(record.config, record.hostConfig),
      dnsServers: record.hostConfig.Dns ?? [],
    });
    try {
      await this.opts.files.write(record.id, fileSettings(record));
    } catch (err) {
      await this.detach(record);
      throw err;
    }
  }

  /** Gives back what prepare and attach made; failures are logged, the run is over either way. */
  async detach(record: ContainerRecord): Promise<void> {
    record.attached = undefined;
    if (!hasOwnNamespace(record)) return;
    await this.opts.network.detach(record.id).catch((err) => this.opts.warn({ err, id: record.id }, 'network not detached'));
  }

  /** `docker network connect`: recorded for the next starts, and made at once when it runs. */
  async connect(record: ContainerRecord, ref: string, endpoint: EndpointConfig, running: boolean): Promise<void> {
    const mode = String(record.hostConfig.NetworkMode);
    if (ownsNoEndpoints(mode)) {
      throw EngineError.forbidden(mode === 'host' ? 'container cannot be disconnected from host network or connected to host network' : `container sharing network namespace with another container or host cannot be connected to any other network`);
    }
    const network = await this.opts.network.find(ref);
    if (network.driver !== 'bridge') throw EngineError.forbidden('container cannot be disconnected from host network or connected to host network');
    if (networksOf(record)[network.name]) throw EngineError.forbidden(`endpoint with name ${record.name} already exists in network ${network.name}`);
    if (running && record.attached) {
      const { endpoint: made, nameservers } = await this.opts.network.connect(record.id, endpointRequest(network.name, endpoint));
      record.attached = { ...record.attached, endpoints: [...record.attached.endpoints, made], nameservers: record.attached.nameservers.length ? record.attached.nameservers : nameservers };
      await this.opts.files.write(record.id, fileSettings(record));
    }
    record.networks = { ...networksOf(record), [network.name]: endpoint };
  }

  /** `docker network disconnect`: taken off the record, and the interface removed when it runs. */
  async disconnect(record: ContainerRecord, ref: string, running: boolean): Promise<void> {
    const network = await this.opts.network.find(ref);
    if (!networksOf(record)[network.name]) throw EngineError.forbidden(`container ${record.id} is not connected to network ${network.name}`);
    if (running && record.attached) {
      await this.opts.network.disconnect(record.id, network.id);
      record.attached = { ...record.attached, endpoints: record.attached.endpoints.filter((e) => e.networkId !== network.id) };
      await this.opts.files.write(record.id, fileSettings(record));
    }
    const rest = { ...networksOf(record) };
    delete rest[network.name];
    record.networks = rest;
  }
}
