import { OutputBroadcast, type OutputChunk } from './output-broadcast';

async function collect(iterable: AsyncIterable<OutputChunk>): Promise<string[]> {
  const seen: string[] = [];
  for await (const chunk of iterable) seen.push(`${chunk.stream}:${Buffer.from(chunk.data).toString()}`);
  return seen;
}

describe('OutputBroadcast', () => {
  it('delivers only the streams a subscriber asked for, until the run ends', async () => {
    const broadcast = new OutputBroadcast();
    const both = collect(broadcast.subscribe('c1', ['stdout', 'stderr']));
    const errOnly = collect(broadcast.subscribe('c1', ['stderr']));
    broadcast.publish('c1', { stream: 'stdout', data: Buffer.from('out') });
    broadcast.publish('c1', { stream: 'stderr', data: Buffer.from('err') });
    broadcast.endRun('c1');
    expect(await both).toEqual(['stdout:out', 'stderr:err']);
    expect(await errOnly).toEqual(['stderr:err']);
  });

  it('does not deliver to other containers or to closed subscriptions', async () => {
    const broadcast = new OutputBroadcast();
    const other = collect(broadcast.subscribe('c2', ['stdout']));
    const closed = broadcast.subscribe('c1', ['stdout']);
    closed.close();
    expect(broadcast.publish('c1', { stream: 'stdout', data: Buffer.from('x') })).toBeUndefined();
    broadcast.endRun('c2');
    expect(await other).toEqual([]);
    expect(await collect(closed)).toEqual([]);
  });

  it('asks the producer to wait while a subscriber is more than a megabyte behind', async () => {
    const broadcast = new OutputBroadcast();
    const subscription = broadcast.subscribe('c1', ['stdout']);
    const wait = broadcast.publish('c1', { stream: 'stdout', data: Buffer.alloc(2 * 1024 * 1024) });
    expect(wait).toBeInstanceOf(Promise);
    let released = false;
    void wait!.then(() => (released = true));
    await Promise.resolve();
    expect(released).toBe(false);
    const iterator = subscription[Symbol.asyncIterator]();
    await iterator.next();
    await wait;
    expect(released).toBe(true);
    broadcast.endRun('c1');
  });
});
