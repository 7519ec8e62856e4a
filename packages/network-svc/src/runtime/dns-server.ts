import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import * as dnsPacket from 'dns-packet';
import type { DnsNames } from '../core/dns-names.js';
import type { NetworkRecord } from '../core/network-record.js';
import type { NameServer } from '../core/ports.js';

/** Docker's embedded DNS answers with this TTL. */
const ttl = 600;
const forwardTimeoutMs = 2000;

/** `4.3.2.1.in-addr.arpa` → `1.2.3.4`. */
function reverseAddress(name: string): string | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\.in-addr\.arpa\.?$/i.exec(name);
  return match ? [match[4], match[3], match[2], match[1]].join('.') : undefined;
}

/** Name servers of the host's resolv.conf: where names that are not containers' are asked. */
async function hostNameservers(): Promise<string[]> {
  const text = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  return text.split('\n').flatMap((line) => {
    const [keyword, address] = line.trim().split(/\s+/);
    return keyword === 'nameserver' && address && !address.includes(':') ? [address] : [];
  });
}

/** Sends the query to one upstream server; resolves with its answer, or undefined on silence. */
function askUpstream(server: string, query: Buffer): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const done = (answer: Buffer | undefined) => {
      clearTimeout(timer);
      socket.close();
      resolve(answer);
    };
    const timer = setTimeout(() => done(undefined), forwardTimeoutMs);
    socket.on('error', () => done(undefined));
    socket.on('message', (answer) => done(answer));
    socket.send(query, 53, server);
  });
}

/**
 * The resolver of user-defined networks, as dockerd's embedded DNS and podman's aardvark-dns:
 * one UDP socket on each network's gateway address. Containers' names, aliases and short IDs are
 * answered from the attachments; everything else is forwarded to the container's --dns servers
 * or the host's, and their answer relayed.
 */
export class EmbeddedDns implements NameServer {
  private readonly sockets = new Map<string, Socket>();

  constructor(
    private readonly names: DnsNames,
    private readonly warn: (obj: object, msg: string) => void,
  ) {}

  async serve(network: NetworkRecord): Promise<void> {
    if (this.sockets.has(network.id)) return;
    const address = network.ipam[0].gateway;
    const socket = createSocket('udp4');
    socket.on('message', (message, peer) => {
      this.answer(socket, message, peer).catch((err) => this.warn({ err, network: network.name }, 'DNS query not answered'));
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(53, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (err) => this.warn({ err, network: network.name }, 'DNS socket error'));
    this.sockets.set(network.id, socket);
  }

  async stop(network: NetworkRecord): Promise<void> {
    this.sockets.get(network.id)?.close();
    this.sockets.delete(network.id);
  }

  close(): void {
    for (const socket of this.sockets.values()) socket.close();
    this.sockets.clear();
  }

  private async answer(socket: Socket, message: Buffer, peer: RemoteInfo): Promise<void> {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (!question) return;
    const reply = (answers: dnsPacket.Answer[], rcode: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' = 'NOERROR') =>
      socket.send(
        dnsPacket.encode({
          type: 'response',
          id: query.id,
          flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (rcode === 'NOERROR' ? 0 : rcode === 'NXDOMAIN' ? 3 : 2),
          questions: query.questions,
          answers,
        }),
        peer.port,
        peer.address,
      );

    const reversed = question.type === 'PTR' ? reverseAddress(question.name) : undefined;
    if (reversed) {
      const name = this.names.reverse(reversed, peer.address);
      if (name) return reply([{ type: 'PTR', name: question.name, ttl, data: name }]);
    } else {
      const addresses = this.names.resolve(question.name, peer.address);
      if (addresses.length) {
        // Other types of a container's name get an empty answer, not NXDOMAIN.
        const answers: dnsPacket.Answer[] =
          question.type === 'A'
            ? addresses.map((data) => ({ type: 'A', name: question.name, ttl, data }))
            : question.type === 'AAAA'
              ? this.names.resolve(question.name, peer.address, 6).map((data) => ({ type: 'AAAA', name: question.name, ttl, data }))
              : [];
        return reply(answers);
      }
    }
    const upstream = this.names.upstreamOf(peer.address);
    for (const server of upstream.length ? upstream : await hostNameservers()) {
      const answer = await askUpstream(server, message);
      if (answer) {
        socket.send(answer, peer.port, peer.address);
        return;
      }
    }
    reply([], 'SERVFAIL');
  }
}
