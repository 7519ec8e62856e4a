import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';
import { Ipv6PortRelay } from './ipv6-port-relay';

/** A free port number on ::1 for the protocol (the kernel picks it, the socket is closed again). */
async function freePort(protocol: 'tcp' | 'udp'): Promise<number> {
  if (protocol === 'udp') {
    const socket = createSocket({ type: 'udp6', ipv6Only: true });
    await new Promise<void>((resolve) => socket.bind(0, '::1', resolve));
    const { port } = socket.address();
    socket.close();
    return port;
  }
  const server = createServer().listen(0, '::1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  return port;
}

describe('Ipv6PortRelay', () => {
  it('relays TCP from the IPv6 side to the IPv4 target, half-closes included, once it knows the target', async () => {
    // The "container": answers with what it read, after the client closed its side.
    const upstream = createServer({ allowHalfOpen: true }, (socket) => {
      const read: Buffer[] = [];
      socket.on('data', (d) => read.push(d));
      socket.on('end', () => socket.end(`got ${Buffer.concat(read).toString()}`));
    }).listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const hostPort = await freePort('tcp');
    const relay = (await Ipv6PortRelay.bind('tcp', '::1', hostPort, (upstream.address() as AddressInfo).port))!;
    try {
      const early = connect({ host: '::1', port: hostPort });
      await once(early, 'close');

      relay.forwardTo('127.0.0.1');
      const client = connect({ host: '::1', port: hostPort, allowHalfOpen: true });
      client.end('ping');
      const answer: Buffer[] = [];
      client.on('data', (d) => answer.push(d));
      await once(client, 'end');
      expect(Buffer.concat(answer).toString()).toBe('got ping');
      client.destroy();
      expect(await Ipv6PortRelay.bind('tcp', '::1', hostPort, 1)).toBeUndefined();
    } finally {
      relay.close();
      upstream.close();
    }
  });

  it('relays UDP datagrams both ways, each client on a flow of its own', async () => {
    const echo = createSocket('udp4');
    echo.on('message', (message, from) => echo.send(Buffer.concat([Buffer.from('echo '), message]), from.port, from.address));
    await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
    const hostPort = await freePort('udp');
    const relay = (await Ipv6PortRelay.bind('udp', '::1', hostPort, echo.address().port))!;
    relay.forwardTo('127.0.0.1');
    const clients = [createSocket({ type: 'udp6' }), createSocket({ type: 'udp6' })];
    try {
      const replies = clients.map((client, i) => {
        const reply = once(client, 'message');
        client.send(`from ${i}`, hostPort, '::1');
        return reply;
      });
      expect((await Promise.all(replies)).map(([message]) => message.toString())).toEqual(['echo from 0', 'echo from 1']);
    } finally {
      for (const client of clients) client.close();
      relay.close();
      echo.close();
    }
  });
});
