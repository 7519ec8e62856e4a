import { KeyedLock } from './keyed-lock';

describe('KeyedLock', () => {
  it('runs one operation at a time per key, in call order, after failures too', async () => {
    const lock = new KeyedLock();
    const order: string[] = [];
    let release!: () => void;
    const first = lock.run('a', () => new Promise<void>((r) => (release = r)).then(() => void order.push('a1')));
    const failing = lock.run('a', async () => {
      order.push('a2');
      throw new Error('boom');
    });
    const third = lock.run('a', async () => void order.push('a3'));
    await lock.run('b', async () => void order.push('b1'));
    expect(order).toEqual(['b1']);
    release();
    await first;
    await expect(failing).rejects.toThrow('boom');
    await third;
    expect(order).toEqual(['b1', 'a1', 'a2', 'a3']);
  });
});
