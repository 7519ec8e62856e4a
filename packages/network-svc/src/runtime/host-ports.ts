import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer, isIPv6 } from 'node:net';
import { EngineError } from '@flotilla/proto';
import type { PortRequest, Protocol, PublishedPort } from '../core/network-record.js';
import type { HostPorts } from '../core/ports.js';
import { Ipv6PortRelay } from './ipv6-port-relay.js';

/** The kernel's ephemeral port range, where Docker takes ports for `-P` and `-p <port>`. */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low > 0 && high >= low) return [low, high];
  } catch {
    // Not Linux, or no /proc: Docker's own default.
  }
  return [49153, 65535];
}

const key = (protocol: Protocol, hostIp: string, port: number) => `${protocol}/${hostIp}:${port}`;

/** A host port held for a container: its socket, and where its IPv6 side relays to. */
interface HeldPort {
  close(): void;
  forwardTo?(address: string): void;
}

/** Whether this host takes IPv6 sockets; dockerd then publishes ports on `::` too. */
export function canListenOnIpv6(): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '::1', port: 0 }, () => server.close(() => resolve(true)));
  });
}

function bindIpv4(protocol: Protocol, hostIp: string, port: number): Promise<HeldPort | undefined> {
  return new Promise((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(undefined) : reject(err));
    if (protocol === 'udp') {
      const socket = createSocket({ type: 'udp4' });
      socket.once('error', fail);
      socket.bind({ address: hostIp, port, exclusive: true }, () => resolve({ close: () => socket.close() }));
    } else {
      // Connections never reach it (the port's traffic is forwarded before): any that does is closed.
      const server = createServer((connection) => connection.destroy());
      server.once('error', fail);
      server.listen({ host: hostIp, port, exclusive: true }, () => resolve({ close: () => server.close() }));
    }
  });
}

function bind(protocol: Protocol, hostIp: string, port: number, containerPort: number): Promise<HeldPort | undefined> {
  return isIPv6(hostIp) ? Ipv6PortRelay.bind(protocol, hostIp, port, containerPort) : bindIpv4(protocol, hostIp, port);
}

/**
 * Published ports held as sockets, as docker-proxy holds them: no other program of the host can
 * take a port a container publishes, and a port something else holds is refused at once. A port
 * published on no particular address is held on 0.0.0.0 and, where the host has IPv6, on `::`
 * with the same number, as dockerd does.
 */
export class SocketHostPorts implements HostPorts {
  private readonly held = new Map<string, HeldPort>();
  private readonly range = ephemeralRange();
  private nextEphemeral = this.range[0];

  constructor(private readonly ipv6: boolean) {}

  /** Every address of the port, or none of them: then the address that is taken. */
  private async bindAll(protocol: Protocol, hostIps: readonly string[], port: number, containerPort: number): Promise<string | undefined> {
    const held = hostIps.find((hostIp) => this.held.has(key(protocol, hostIp, port)));
    if (held) return held;
    const bound: [string, HeldPort][] = [];
    for (const hostIp of hostIps) {
      const socket = await bind(protocol, hostIp, port, containerPort);
      if (!socket) {
        for (const [, other] of bound) other.close();
        return hostIp;
      }
      bound.push([key(protocol, hostIp, port), socket]);
    }
    for (const [k, socket] of bound) this.held.set(k, socket);
    return undefined;
  }

  private async take(request: PortRequest): Promise<PublishedPort[]> {
    const hostIps = request.hostIp ? [request.hostIp] : this.ipv6 ? ['0.0.0.0', '::'] : ['0.0.0.0'];
    const { protocol, containerPort } = request;
    const candidates: number[] = [];
    if (request.hostPortStart === 0) {
      const [low, high] = this.range;
      for (let i = 0; i <= high - low; i++) candidates.push(low + ((this.nextEphemeral - low + i) % (high - low + 1)));
    } else {
      for (let port = request.hostPortStart; port <= Math.max(request.hostPortEnd, request.hostPortStart); port++) candidates.push(port);
    }
    let taken = hostIps[0];
    for (const port of candidates) {
      const failed = await this.bindAll(protocol, hostIps, port, containerPort);
      if (failed) {
        taken = failed;
        continue;
      }
      if (request.hostPortStart === 0) this.nextEphemeral = port + 1;
      return hostIps.map((hostIp) => ({ containerPort, protocol, hostIp, hostPort: port }));
    }
    if (request.hostPortStart === 0) throw EngineError.unavailable(`no free ${protocol} port left on ${hostIps[0]} to publish port ${containerPort}`);
    const ports = request.hostPortEnd > request.hostPortStart ? `${request.hostPortStart}-${request.hostPortEnd}` : String(request.hostPortStart);
    // As dockerd words it, an IPv6 address unbracketed (`Bind for :::80 failed`).
    throw EngineError.conflict(`Bind for ${taken}:${ports} failed: port is already allocated`);
  }

  async reserve(requests: readonly PortRequest[]): Promise<PublishedPort[]> {
    const taken: PublishedPort[] = [];
    try {
      for (const request of requests) taken.push(...(await this.take(request)));
    } catch (err) {
      this.release(taken);
      throw err;
    }
    return taken;
  }

  release(ports: readonly PublishedPort[]): void {
    for (const port of ports) {
      const k = key(port.protocol, port.hostIp, port.hostPort);
      this.held.get(k)?.close();
      this.held.delete(k);
    }
  }

  forward(ports: readonly PublishedPort[], address: string): void {
    for (const port of ports) this.held.get(key(port.protocol, port.hostIp, port.hostPort))?.forwardTo?.(address);
  }

  close(): void {
    for (const socket of this.held.values()) socket.close();
    this.held.clear();
  }
}
