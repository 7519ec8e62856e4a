import { byteBatches } from './byte-batches';

async function collect(chunks: Uint8Array[], size: number): Promise<string[]> {
  const batches: string[] = [];
  for await (const batch of byteBatches((async function* () {
    yield* chunks;
  })(), size)) batches.push(batch.toString());
  return batches;
}

describe('byteBatches', () => {
  it('joins chunks until a batch has at least the size, and gives what is left at the end', async () => {
    expect(await collect(['ab', 'c', 'defg', 'h'].map((s) => Buffer.from(s)), 3)).toEqual(['abc', 'defg', 'h']);
    expect(await collect([], 3)).toEqual([]);
  });
});
