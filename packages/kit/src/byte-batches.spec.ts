import { PassThrough, Readable } from 'node:stream';
import { byteBatches } from './byte-batches';

async function collect(stream: Readable, size: number): Promise<string[]> {
  const batches: string[] = [];
  for await (const batch of byteBatches(stream, size)) batches.push(batch.toString());
  return batches;
}

describe('byteBatches', () => {
  it('joins chunks until a batch has at least the size, and gives what is left at the end', async () => {
    expect(await collect(Readable.from(['ab', 'c', 'defg', 'h'].map((s) => Buffer.from(s))), 3)).toEqual(['abc', 'defg', 'h']);
    expect(await collect(Readable.from([]), 3)).toEqual([]);
  });

  it('holds the stream back while a batch waits to be taken', async () => {
    const source = new PassThrough();
    const batches = byteBatches(source, 4);
    const first = batches.next();
    source.write('aaaa');
    source.write('bbbb');
    expect((await first).value?.toString()).toBe('aaaa');
    // Not taken yet: the second batch holds the stream.
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.isPaused()).toBe(true);
    expect((await batches.next()).value?.toString()).toBe('bbbb');
    // Asked for the next, it lets the stream flow again.
    const third = batches.next();
    expect(source.isPaused()).toBe(false);
    source.end('cc');
    expect((await third).value?.toString()).toBe('cc');
    expect((await batches.next()).done).toBe(true);
  });

  it('fails with the stream', async () => {
    const source = new PassThrough();
    const batches = byteBatches(source, 4);
    const first = batches.next();
    source.destroy(new Error('connection reset'));
    await expect(first).rejects.toThrow('connection reset');
  });
});
