import { ContainerObserver } from './container-observer';
import { lifecycleOnFakes } from '../testing/fake-lifecycle';
import { fakeProbe } from '../testing/fake-ports';

function setup() {
  const { lifecycle } = lifecycleOnFakes();
  return { lifecycle, observer: new ContainerObserver(lifecycle, fakeProbe, '/test') };
}

describe('ContainerObserver', () => {
  it('lists the processes of a running container only', async () => {
    const { lifecycle, observer } = setup();
    const { id } = await lifecycle.create('', { Image: 'busybox' });
    await expect(observer.top(id, '')).rejects.toThrow(`Container ${id} is not running`);
    await lifecycle.start(id);
    expect(await observer.top(id, '')).toEqual({ titles: ['PID', 'CMD'], processes: [['4242', 'sleep']] });
  });

  it('gives one empty stats sample for a stopped container', async () => {
    const { lifecycle, observer } = setup();
    const { id } = await lifecycle.create('quiet', { Image: 'busybox' });
    const samples = [];
    for await (const sample of observer.stats(id, { stream: true, oneShot: false }, new AbortController().signal)) samples.push(sample);
    expect(samples).toHaveLength(1);
    expect(samples[0]).toMatchObject({ id, name: '/quiet' });
  });
});
