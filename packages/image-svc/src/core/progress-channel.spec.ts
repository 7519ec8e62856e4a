import { concurrencyLimit, ProgressChannel } from './progress-channel';

describe('ProgressChannel', () => {
  it('hands over what was pushed, in order, until closed', async () => {
    const channel = new ProgressChannel<number>();
    setTimeout(() => {
      channel.push(1);
      channel.push(2);
      channel.close();
    }, 5);
    const seen: number[] = [];
    for await (const n of channel) seen.push(n);
    expect(seen).toEqual([1, 2]);
  });

  it('fails the consumer with the error it was closed with, after what came before', async () => {
    const channel = new ProgressChannel<string>();
    channel.push('started');
    channel.close(new Error('registry went away'));
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const s of channel) seen.push(s);
      })(),
    ).rejects.toThrow('registry went away');
    expect(seen).toEqual(['started']);
  });
});

describe('concurrencyLimit', () => {
  it('never runs more than the limit at once, starts in order and runs everything', async () => {
    const limit = concurrencyLimit(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        limit(async () => {
          started.push(n);
          running++;
          most = Math.max(most, running);
          await new Promise((r) => setTimeout(r, 5));
          running--;
          return n * 10;
        }),
      ),
    );
    expect(most).toBe(2);
    expect(started).toEqual([1, 2, 3, 4, 5]);
    expect(results).toEqual([10, 20, 30, 40, 50]);
  });
});
