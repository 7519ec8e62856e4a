import { gzipSync } from 'node:zlib';
import { decompressed } from './decompress';

async function text(source: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const c of source) chunks.push(c);
  return Buffer.concat(chunks).toString();
}

async function* chunks(...parts: Uint8Array[]) {
  yield* parts;
}

describe('decompressed', () => {
  it('passes a plain tar through', async () => {
    expect(await text(decompressed(chunks(Buffer.from('plain '), Buffer.from('tar'))))).toBe('plain tar');
  });

  it('gunzips a gzip stream split across chunks', async () => {
    const gz = gzipSync(Buffer.from('compressed tar'));
    expect(await text(decompressed(chunks(gz.subarray(0, 5), gz.subarray(5))))).toBe('compressed tar');
  });

  it('refuses an empty archive', async () => {
    await expect(text(decompressed(chunks()))).rejects.toThrow('the archive is empty');
  });
});
