import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpGet } from './http-get';

/** A server answering with `handler`, and its base URL. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; base: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function text(res: AsyncIterable<Buffer>): Promise<string> {
  let all = '';
  for await (const chunk of res) all += chunk;
  return all;
}

describe('httpGet', () => {
  it('follows redirects, sending the authorization to the first host only', async () => {
    const storage = await serve((req, res) => res.end(`auth=${req.headers.authorization ?? 'none'}`));
    const registry = await serve((req, res) => {
      if (req.url === '/same') return res.writeHead(307, { Location: '/final' }).end();
      if (req.url === '/final') return res.end(`auth=${req.headers.authorization}`);
      res.writeHead(302, { Location: `${storage.base}/blob` }).end();
    });
    try {
      expect(await text(await httpGet(new URL(`${registry.base}/same`), { authorization: 'Bearer t' }))).toBe('auth=Bearer t');
      expect(await text(await httpGet(new URL(`${registry.base}/elsewhere`), { authorization: 'Bearer t' }))).toBe('auth=none');
    } finally {
      registry.server.close();
      storage.server.close();
    }
  });

  it('rejects with the transport error', async () => {
    await expect(httpGet(new URL('http://127.0.0.1:1/'))).rejects.toThrow(/ECONNREFUSED/);
  });
});
