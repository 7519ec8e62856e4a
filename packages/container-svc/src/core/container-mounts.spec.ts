import { lifecycleOnFakes as setup } from '../testing/fake-lifecycle';

describe('containers with volumes and binds', () => {
  it('claims volumes at create, fills fresh ones from the image, and keeps named ones after `rm -v`', async () => {
    const { lifecycle, runtime, volumes, volumeStore } = setup();
    volumeStore.filled.add('full');
    await volumes.create({ name: 'full', driver: '', options: {}, labels: {} });
    const { id } = await lifecycle.create('', { Image: 'busybox', Volumes: { '/anon': {} }, HostConfig: { Binds: ['data:/data', 'full:/full', '/srv:/srv:ro'] } });
    const mounts = lifecycle.inspect(id).mounts!;
    const anonymous = mounts.find((m) => m.destination === '/anon')!;
    expect(mounts.map((m) => [m.type, m.destination, m.source, m.rw])).toEqual([
      ['volume', '/data', '/volumes/data/_data', true],
      ['volume', '/full', '/volumes/full/_data', true],
      ['bind', '/srv', '/srv', false],
      ['volume', '/anon', `/volumes/${anonymous.name}/_data`, true],
    ]);
    // A volume that already holds data keeps it as it is.
    expect(runtime.copies.map((c) => [c.path, c.target])).toEqual([
      ['/data', '/volumes/data/_data'],
      ['/anon', `/volumes/${anonymous.name}/_data`],
    ]);
    await expect(volumes.remove('data', false)).rejects.toMatchObject({ kind: 'conflict' });
    await lifecycle.remove(id, false, true);
    expect(volumes.list({}).map((v) => v.name).sort()).toEqual(['data', 'full']);
    await volumes.remove('data', false);
  });

  it('mounts volumes with options while the container runs, with dockerd\'s mount and unmount events', async () => {
    const { lifecycle, runtime, volumes, mounter, volumeEvents } = setup();
    await volumes.create({ name: 'scratch', driver: '', options: { type: 'tmpfs', device: 'tmpfs' }, labels: {} });
    const { id } = await lifecycle.create('', { Image: 'busybox', HostConfig: { Binds: ['scratch:/scratch'] } });
    await lifecycle.start(id);
    expect([...mounter.mounted]).toEqual(['/volumes/scratch/_data']);
    runtime.tasks.get(id)!.finish(0);
    await lifecycle.wait(id, 'not-running');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(mounter.mounted.size).toBe(0);
    expect(volumeEvents.actions).toEqual(['create scratch', 'create scratch', 'mount scratch', 'unmount scratch']);
  });

  it('refuses a --mount bind of a missing host path and makes a missing -v source for the task', async () => {
    const { lifecycle, hostPaths, volumes } = setup();
    await expect(lifecycle.create('', { Image: 'busybox', HostConfig: { Binds: ['keep:/keep'], Mounts: [{ Type: 'bind', Source: '/missing', Target: '/m' }] } })).rejects.toMatchObject({
      kind: 'invalid',
      message: 'invalid mount config for type "bind": bind source path does not exist: /missing',
    });
    // Nothing is left of the create that failed: the volume it made is gone with it.
    expect(volumes.list({})).toEqual([]);
    const { id } = await lifecycle.create('', { Image: 'busybox', HostConfig: { Binds: ['/made/here:/m'] } });
    await lifecycle.start(id);
    expect(hostPaths.paths.has('/made/here')).toBe(true);
  });

  it('starts a shared or slave bind only from a host mount that propagates, with dockerd\'s errors', async () => {
    const { lifecycle, hostPaths } = setup();
    hostPaths.rootPropagation = 'private';
    const shared = await lifecycle.create('', { Image: 'busybox', HostConfig: { Mounts: [{ Type: 'bind', Source: '/srv', Target: '/s', BindOptions: { Propagation: 'rshared' } }] } });
    const slave = await lifecycle.create('', { Image: 'busybox', HostConfig: { Binds: ['/srv:/s:rslave'] } });
    await expect(lifecycle.start(shared.id)).rejects.toMatchObject({ kind: 'internal', message: 'path /srv is mounted on / but it is not a shared mount' });
    await expect(lifecycle.start(slave.id)).rejects.toMatchObject({ message: 'path /srv is mounted on / but it is not a shared or slave mount' });
    hostPaths.rootPropagation = 'slave';
    await expect(lifecycle.start(shared.id)).rejects.toThrow('not a shared mount');
    await lifecycle.start(slave.id);
    hostPaths.rootPropagation = 'shared';
    await lifecycle.start(shared.id);
  });

  it('copies the mounts of --volumes-from, read-only when asked, and removes anonymous volumes with an --rm container', async () => {
    const { lifecycle, runtime, volumes } = setup();
    const source = await lifecycle.create('', { Image: 'busybox', Volumes: { '/shared': {} }, HostConfig: { Binds: ['/srv:/srv'], Mounts: [{ Type: 'tmpfs', Target: '/t' }] } });
    const { id } = await lifecycle.create('', { Image: 'busybox', HostConfig: { VolumesFrom: [`${source.id}:ro`], AutoRemove: true } });
    expect(lifecycle.inspect(id).mounts!.map((m) => [m.destination, m.rw, m.mode])).toEqual([
      ['/srv', false, ''],
      ['/shared', false, ''],
    ]);
    await lifecycle.start(id);
    runtime.tasks.get(id)!.finish(0);
    await lifecycle.wait(id, 'removed');
    // The anonymous volume belongs to the source container, not to the one that borrowed it.
    expect(volumes.list({})).toHaveLength(1);
    await lifecycle.remove(source.id, false, true);
    expect(volumes.list({})).toEqual([]);
  });

  it('refuses --volumes-from a container that does not exist, keeping its name free and writing nothing', async () => {
    const { lifecycle, files } = setup();
    await expect(lifecycle.create('named', { Image: 'busybox', HostConfig: { VolumesFrom: ['nosuch'] } })).rejects.toMatchObject({ kind: 'not-found' });
    expect(files.written.size).toBe(0);
    await lifecycle.create('named', { Image: 'busybox' });
  });
});
