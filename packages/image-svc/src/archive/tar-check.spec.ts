import { requireTar } from './tar-check';
import { tarHeader } from './tar-writer';

async function drain(source: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const chunk of source) n += chunk.length;
  return n;
}

async function* chunks(...parts: Uint8Array[]) {
  yield* parts;
}

describe('requireTar', () => {
  it('passes a tar through, even when its first header comes in pieces', async () => {
    const header = tarHeader({ name: 'file', size: 0 });
    expect(await drain(requireTar(chunks(header.subarray(0, 100), header.subarray(100), Buffer.alloc(1024))))).toBe(512 + 1024);
  });

  it('refuses anything else, and archives too short to hold a header', async () => {
    await expect(drain(requireTar(chunks(Buffer.alloc(4096, 'x'))))).rejects.toThrow('the archive is not a tar file');
    await expect(drain(requireTar(chunks(Buffer.from('short'))))).rejects.toThrow('the archive is not a tar file');
  });
});
