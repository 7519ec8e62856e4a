import { create } from '@bufbuild/protobuf';
import * as api from './api.js';
import { readBlobBytes, readBlobJson, type ContentReadClient } from './content-reader.js';

function fakeContent(chunks: string[]): { client: ContentReadClient; requests: unknown[] } {
  const requests: unknown[] = [];
  const client: ContentReadClient = {
    read: (request) =>
      (async function* () {
        requests.push(request);
        let offset = 0n;
        for (const chunk of chunks) {
          yield create(api.content.ReadContentResponseSchema, { offset, data: Buffer.from(chunk) });
          offset += BigInt(chunk.length);
        }
      })(),
  };
  return { client, requests };
}

describe('reading small blobs', () => {
  it('joins the streamed chunks of a blob', async () => {
    const { client, requests } = fakeContent(['{"schemaVersion"', ':2}']);
    expect((await readBlobBytes(client, 'sha256:abc')).toString()).toBe('{"schemaVersion":2}');
    expect(requests).toEqual([{ digest: 'sha256:abc' }]);
    expect(await readBlobJson(client, 'sha256:abc')).toEqual({ schemaVersion: 2 });
  });

  it('refuses a blob larger than the limit', async () => {
    const { client } = fakeContent(['1234', '5678']);
    await expect(readBlobBytes(client, 'sha256:abc', { maxBytes: 6 })).rejects.toMatchObject({ kind: 'invalid' });
    await expect(readBlobBytes(client, 'sha256:abc', { maxBytes: 8 })).resolves.toHaveLength(8);
  });
});
