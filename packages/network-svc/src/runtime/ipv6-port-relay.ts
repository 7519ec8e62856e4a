import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, Server, type Socket } from 'node:net';
import type { Protocol } from '../core/network-record.js';

/** How long a UDP client's flow lives without traffic, as docker-proxy keeps it. */
const udpFlowIdleMs = 90_000;

/**
 * A port published on an IPv6 host address, relayed to the container's IPv4 address as
 * docker-proxy does: the iptables rules that forward the IPv4 side cannot translate between the
 * two families. Until `forwardTo` names the container, connections are refused.
 */
export class Ipv6PortRelay {
  private target: string | undefined;
  private readonly streams = new Set<Socket>();
  private readonly flows = new Map<string, { socket: UdpSocket; idle: NodeJS.Timeout }>();

  private constructor(
    private readonly containerPort: number,
    private readonly listener: Server | UdpSocket,
  ) {}

  /** Binds the host side; undefined when another program holds the port. */
  static async bind(protocol: Protocol, hostIp: string, hostPort: number, containerPort: number): Promise<Ipv6PortRelay | undefined> {
    const listener = protocol === 'udp' ? createSocket({ type: 'udp6', ipv6Only: true }) : createServer({ allowHalfOpen: true });
    const relay = new Ipv6PortRelay(containerPort, listener);
    return new Promise((resolve, reject) => {
      const fail = (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(undefined) : reject(err));
      listener.once('error', fail);
      const bound = () => {
        listener.off('error', fail);
        resolve(relay);
      };
      if (listener instanceof Server) {
        listener.on('connection', (client) => relay.relayStream(client));
        listener.listen({ host: hostIp, port: hostPort, exclusive: true, ipv6Only: true }, bound);
      } else {
        listener.on('message', (message, client) => relay.relayDatagram(message, client));
        listener.bind({ address: hostIp, port: hostPort, exclusive: true }, bound);
      }
    });
  }

  forwardTo(address: string): void {
    this.target = address;
  }

  private relayStream(client: Socket): void {
    if (!this.target) return void client.destroy();
    const upstream = connect({ host: this.target, port: this.containerPort, allowHalfOpen: true });
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ]) {
      this.streams.add(socket);
      // Each side's end is passed on (a half-close stays one); a failure or a full close ends both.
      socket.pipe(other);
      socket.on('error', () => other.destroy());
      socket.on('close', () => {
        this.streams.delete(socket);
        other.destroy();
      });
    }
  }

  private relayDatagram(message: Buffer, client: RemoteInfo): void {
    const target = this.target;
    const listener = this.listener as UdpSocket;
    if (!target) return;
    const key = `[${client.address}]:${client.port}`;
    let flow = this.flows.get(key);
    if (!flow) {
      const socket = createSocket('udp4');
      socket.on('message', (reply) => {
        listener.send(reply, client.port, client.address);
        flow!.idle.refresh();
      });
      socket.on('error', () => this.endFlow(key));
      flow = { socket, idle: setTimeout(() => this.endFlow(key), udpFlowIdleMs) };
      this.flows.set(key, flow);
    }
    flow.idle.refresh();
    flow.socket.send(message, this.containerPort, target);
  }

  private endFlow(key: string): void {
    const flow = this.flows.get(key);
    if (!flow) return;
    clearTimeout(flow.idle);
    flow.socket.close();
    this.flows.delete(key);
  }

  close(): void {
    this.listener.close();
    for (const socket of this.streams) socket.destroy();
    for (const key of [...this.flows.keys()]) this.endFlow(key);
  }
}
