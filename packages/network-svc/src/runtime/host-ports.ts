import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { EngineError } from '@flotilla/proto';
import type { PortRequest, Protocol, PublishedPort } from '../core/network-record.js';
import type { HostPorts } from '../core/ports.js';

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

function bind(protocol: Protocol, hostIp: string, port: number): Promise<Server | UdpSocket | undefined> {
  return new Promise((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(undefined) : reject(err));
    if (protocol === 'udp') {
      const socket = createSocket({ type: 'udp4' });
      socket.once('error', fail);
      socket.bind({ address: hostIp, port, exclusive: true }, () => resolve(socket));
    } else {
      // Connections never reach it (the port's traffic is forwarded before): any that does is closed.
      const server = createServer((connection) => connection.destroy());
      server.once('error', fail);
      server.listen({ host: hostIp, port, exclusive: true }, () => resolve(server));
    }
  });
}

/**
 * Published ports held as sockets, as docker-proxy holds them: no other program of the host can
 * take a port a container publishes, and a port something else holds is refused at once.
 */
export class SocketHostPorts implements HostPorts {
  private readonly held = new Map<string, Server | UdpSocket>();
  private readonly range = ephemeralRange();
  private nextEphemeral = this.range[0];

  private async take(request: PortRequest): Promise<PublishedPort> {
    const hostIp = request.hostIp || '0.0.0.0';
    const { protocol, containerPort } = request;
    const candidates: number[] = [];
    if (request.hostPortStart === 0) {
      const [low, high] = this.range;
      for (let i = 0; i <= high - low; i++) candidates.push(low + ((this.nextEphemeral - low + i) % (high - low + 1)));
    } else {
      for (let port = request.hostPortStart; port <= Math.max(request.hostPortEnd, request.hostPortStart); port++) candidates.push(port);
    }
    for (const port of candidates) {
      if (this.held.has(key(protocol, hostIp, port))) continue;
      const socket = await bind(protocol, hostIp, port);
      if (!socket) continue;
      this.held.set(key(protocol, hostIp, port), socket);
      if (request.hostPortStart === 0) this.nextEphemeral = port + 1;
      return { containerPort, protocol, hostIp, hostPort: port };
    }
    if (request.hostPortStart === 0) throw EngineError.unavailable(`no free ${protocol} port left on ${hostIp} to publish port ${containerPort}`);
    const ports = request.hostPortEnd > request.hostPortStart ? `${request.hostPortStart}-${request.hostPortEnd}` : String(request.hostPortStart);
    throw EngineError.conflict(`Bind for ${hostIp}:${ports} failed: port is already allocated`);
  }

  async reserve(requests: readonly PortRequest[]): Promise<PublishedPort[]> {
    const taken: PublishedPort[] = [];
    try {
      for (const request of requests) taken.push(await this.take(request));
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

  close(): void {
    for (const socket of this.held.values()) socket.close();
    this.held.clear();
  }
}
