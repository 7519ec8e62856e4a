import * as http2 from 'node:http2';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Http2Channel } from './http2-channel';

function frame(payload: Buffer): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(payload.length, 1);
  return Buffer.concat([prefix, payload]);
}

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
  server.on('stream', (stream, headers) => {
    stream.on('data', () => undefined);
    stream.on('end', () => {
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

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(path, resolve));
  });

  afterAll(async () => {
    channel.close();
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
});
