import { FakeMounter, FakeVolumeStore, RecordingVolumeEvents } from '../../testing/fake-ports';
import { VolumeCatalog } from './volume-catalog';
import { anonymousLabel } from './volume-record';

function setup() {
  const store = new FakeVolumeStore();
  const mounter = new FakeMounter();
  const events = new RecordingVolumeEvents();
  return { catalog: new VolumeCatalog({ store, mounter, events }), store, mounter, events };
}

const request = (name: string, fields: { options?: Record<string, string>; labels?: Record<string, string> } = {}) => ({ name, driver: '', options: {}, labels: {}, ...fields });

describe('VolumeCatalog', () => {
  it('creates a volume once: a second create returns it unchanged, and both report create as dockerd does', async () => {
    const { catalog, events } = setup();
    const first = await catalog.create(request('data', { labels: { a: 'b' } }));
    const again = await catalog.create(request('data', { labels: { c: 'd' } }));
    expect(again).toEqual(first);
    expect(again.labels).toEqual({ a: 'b' });
    expect(events.actions).toEqual(['create data', 'create data']);
    expect((await catalog.create(request(''))).name).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses bad names, unknown options and other drivers with the volume named in the message', async () => {
    const { catalog } = setup();
    await expect(catalog.create(request('x'))).rejects.toMatchObject({ kind: 'invalid', message: 'create x: volume name is too short, names should be at least two alphanumeric characters' });
    await expect(catalog.create(request('a/b'))).rejects.toMatchObject({ kind: 'invalid', message: expect.stringContaining('create a/b: "a/b" includes invalid characters') });
    await expect(catalog.create(request('v3', { options: { foo: 'bar' } }))).rejects.toMatchObject({ message: 'create v3: invalid option: "foo"' });
    await expect(catalog.create({ ...request('v2'), driver: 'nope' })).rejects.toMatchObject({ kind: 'not-found', message: 'create v2: error looking up volume plugin nope: plugin "nope" not found' });
    expect(catalog.list({})).toEqual([]);
  });

  it('keeps a volume a container references, even forced; force makes a missing one no error', async () => {
    const { catalog, events } = setup();
    await catalog.claim('c1', request('data'));
    await expect(catalog.remove('data', true)).rejects.toMatchObject({ kind: 'conflict', message: 'remove data: volume is in use - [c1]' });
    await expect(catalog.remove('nosuch', false)).rejects.toMatchObject({ kind: 'not-found', message: 'get nosuch: no such volume' });
    await catalog.remove('nosuch', true);
    catalog.release('c1', ['data']);
    await catalog.remove('data', false);
    expect(events.actions).toEqual(['create data', 'destroy data']);
  });

  it('labels the volumes it makes for anonymous mounts', async () => {
    const { catalog } = setup();
    const { volume, created } = await catalog.claim('c1', request(''));
    expect(created).toBe(true);
    expect(volume.labels).toEqual({ [anonymousLabel]: '' });
  });

  it('lists with dockerd\'s filters', async () => {
    const { catalog } = setup();
    await catalog.create(request('web-data', { labels: { app: 'web' } }));
    await catalog.claim('c1', request('db-data'));
    const names = (filters: Record<string, string[]>) => catalog.list(filters).map((v) => v.name);
    expect(names({ dangling: ['true'] })).toEqual(['web-data']);
    expect(names({ dangling: ['0'] })).toEqual(['db-data']);
    expect(names({ name: ['^db'] })).toEqual(['db-data']);
    expect(names({ label: ['app=web'] })).toEqual(['web-data']);
    expect(names({ driver: ['local'] })).toHaveLength(2);
    expect(() => catalog.list({ dangling: ['maybe'] })).toThrow("Invalid filter 'dangling=[maybe]'");
    expect(() => catalog.list({ bogus: ['x'] })).toThrow("Invalid filter 'bogus'");
  });

  it('prunes unused anonymous volumes, all unused ones with all=true, never those with options or in use', async () => {
    const { catalog, store, events } = setup();
    const anonymous = (await catalog.claim('c1', request(''))).volume.name;
    catalog.release('c1', [anonymous]);
    await catalog.create(request('named'));
    await catalog.create(request('tmp', { options: { type: 'tmpfs', device: 'tmpfs' } }));
    await catalog.claim('c2', request('used'));
    store.sizes.set(anonymous, 10);
    store.sizes.set('named', 5);
    expect(await catalog.prune({})).toEqual({ deleted: [anonymous], spaceReclaimed: 10 });
    expect(await catalog.prune({ all: ['true'], 'label!': ['keep'] })).toEqual({ deleted: ['named'], spaceReclaimed: 5 });
    expect(catalog.list({}).map((v) => v.name)).toEqual(['tmp', 'used']);
    expect(events.actions.filter((a) => !a.startsWith('create'))).toEqual(['prune', 'prune']);
  });

  it('mounts a volume with options for its first running container and unmounts it after the last', async () => {
    const { catalog, mounter } = setup();
    await catalog.create(request('tmp', { options: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } }));
    await catalog.create(request('plain'));
    await catalog.mount('tmp', 'c1');
    await catalog.mount('tmp', 'c2');
    await catalog.mount('plain', 'c1');
    expect([...mounter.mounted]).toEqual(['/volumes/tmp/_data']);
    await catalog.unmount('tmp', 'c1');
    await catalog.unmount('tmp', 'c1');
    expect(mounter.mounted.size).toBe(1);
    await catalog.unmount('tmp', 'c2');
    expect(mounter.mounted.size).toBe(0);
  });
});
