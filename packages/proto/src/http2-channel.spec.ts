import * as http2 from 'node:http2';
import * as net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { createClient } from './grpc';
import { Http2Channel } from './http2-channel';
import * as containerV1 from './gen/engine/container/v1/container_service_pb';

function frame(payload: Buffer): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(payload.length, 1);
  return Buffer.concat([prefix, payload]);
}

/** The HTTP/2 frames in a piece of a connection's bytes that starts at a frame. */
function framesIn(bytes: Buffer): { type: number; flags: number; streamId: number }[] {
  const frames = [];
  for (let at = 0; at + 9 <= bytes.length; at += 9 + bytes.readUIntBE(at, 3)) {
    frames.push({ type: bytes[at + 3], flags: bytes[at + 4], streamId: bytes.readUInt32BE(at + 5) & 0x7fffffff });
  }
  return frames;
}
const frameType = { data: 0, headers: 1, rstStream: 3, windowUpdate: 8 };
const endStream = 1;
const clientPreface = 24;

async function collect(responses: AsyncGenerator<Uint8Array>): Promise<string[]> {
  const messages: string[] = [];
  for await (const message of responses) messages.push(Buffer.from(message).toString());
  return messages;
}

/** A gRPC server written by hand, to answer what grpc-js would never send. */
describe('the HTTP/2 channel against a hand-written server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'http2-channel-'));
  const path = join(dir, 'raw.sock');
  const server = http2.createServer();
  // Trailers of the unary answer held back until a test lets them go.
  let releaseTrailers = () => {};
  server.on('stream', (stream, headers) => {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      if (headers[':path'] === '/engine.container.v1.ContainerService/CreateContainer') {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => (releaseTrailers = () => stream.sendTrailers({ 'grpc-status': '0' })));
        stream.end(frame(Buffer.from(toBinary(containerV1.CreateContainerResponseSchema, create(containerV1.CreateContainerResponseSchema, { id: 'answered' })))));
        return;
      }
      if (headers[':path'] === '/t.T/Broken') {
        // Trailers-only, with a message that is not valid percent-encoding and a binary entry.
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '13', 'grpc-message': 'bad %zz', 'trace-bin': 'AAE=' }, { endStream: true });
        return;
      }
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      // Two messages in one write, then one cut in pieces across writes.
      const big = frame(Buffer.alloc(100_000, 'x'));
      stream.write(Buffer.concat([frame(Buffer.from('one')), frame(Buffer.from('two'))]));
      for (let at = 0; at < big.length; at += 7_000) stream.write(big.subarray(at, at + 7_000));
      stream.end();
    });
  });
  const channel = new Http2Channel(`unix://${path}`, 128 * 1024);

  // A second way in, through a proxy that keeps each write the client makes as it came.
  const writes: Buffer[] = [];
  const proxy = net.createServer((client) => {
    const upstream = net.connect(path);
    client.on('data', (chunk: Buffer) => {
      writes.push(chunk);
      upstream.write(chunk);
    });
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
  });
  const proxied = new Http2Channel(`unix://${join(dir, 'proxy.sock')}`, 128 * 1024);

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(path, resolve));
    await new Promise<void>((resolve) => proxy.listen(join(dir, 'proxy.sock'), resolve));
  });

  afterAll(async () => {
    channel.close();
    proxied.close();
    await new Promise((resolve) => proxy.close(resolve));
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  function call(method: string) {
    const opened = channel.open({ path: `/t.T/${method}`, metadata: {} });
    void opened.send(Buffer.from('request'));
    opened.end();
    return opened.responses();
  }

  it('splits messages that share a frame and joins one cut across frames', async () => {
    const messages = await collect(call('Echo'));
    expect(messages.slice(0, 2)).toEqual(['one', 'two']);
    expect(messages[2]).toBe('x'.repeat(100_000));
    expect(messages).toHaveLength(3);
  });

  it('reports a trailers-only error as sent, even with a malformed message and binary metadata', async () => {
    await expect(collect(call('Broken'))).rejects.toMatchObject({ code: 13, details: 'bad %zz' });
  });

  it('sends a call as its headers and one DATA frame that ends it, in one write, and ends it without a reset', async () => {
    const unary = () => {
      const opened = proxied.open({ path: '/t.T/Echo', metadata: {} });
      opened.sendLast(Buffer.from('request'));
      return collect(opened.responses());
    };
    await unary();
    const second = writes.length;
    await unary();
    const [write, ...later] = writes.slice(second);
    const stream = framesIn(write).find((f) => f.type === frameType.headers)?.streamId;
    expect(stream).toBeGreaterThan(1);
    // Window updates for the answer may come later; nothing else of the call does.
    const ofCall = [...framesIn(write), ...later.flatMap((piece) => framesIn(piece))].filter((f) => f.streamId === stream && f.type !== frameType.windowUpdate);
    expect(ofCall).toEqual([
      { type: frameType.headers, flags: expect.any(Number), streamId: stream },
      { type: frameType.data, flags: endStream, streamId: stream },
    ]);
    expect(framesIn(write).filter((f) => f.streamId === stream)).toHaveLength(2);
    expect(framesIn(Buffer.concat(writes).subarray(clientPreface)).filter((f) => f.type === frameType.rstStream)).toEqual([]);
  });

  it('gives a unary call its answer without waiting for the trailers that follow it', async () => {
    const client = createClient(containerV1.ContainerService, channel);
    await expect(client.createContainer({ name: 'n' })).resolves.toMatchObject({ id: 'answered' });
    releaseTrailers();
  });
});
