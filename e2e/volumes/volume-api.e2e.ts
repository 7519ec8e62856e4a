import { apiClient, docker, dockerOk } from '../support/docker-cli';
import { settings } from '../support/engine';
import { rawRequest } from '../support/raw-http';

const unixNow = () => Math.floor(Date.now() / 1000);

describe('the volumes API', () => {
  afterAll(async () => {
    const names = (await dockerOk(['volume', 'ls', '-q'])).split('\n').filter(Boolean);
    if (names.length) await docker(['volume', 'rm', '-f', ...names]);
  });

  it('creates, lists, inspects and removes volumes as dockerd does', async () => {
    expect((await dockerOk(['volume', 'create', '--label', 'team=web', 'api-data'])).trim()).toBe('api-data');
    // Creating it again is no error and changes nothing.
    await dockerOk(['volume', 'create', '--label', 'team=other', 'api-data']);
    const [volume] = JSON.parse(await dockerOk(['volume', 'inspect', 'api-data']));
    expect(volume).toEqual({
      CreatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      Driver: 'local',
      Labels: { team: 'web' },
      Mountpoint: `${settings().stateDir}/container/volumes/api-data/_data`,
      Name: 'api-data',
      Options: null,
      Scope: 'local',
    });
    const generated = (await dockerOk(['volume', 'create'])).trim();
    expect(generated).toMatch(/^[0-9a-f]{64}$/);
    expect(await dockerOk(['volume', 'ls', '--filter', 'label=team=web', '--format', '{{.Name}}'])).toBe('api-data\n');
    expect(await dockerOk(['volume', 'ls', '--filter', 'name=^api-', '--format', '{{.Name}} {{.Driver}}'])).toBe('api-data local\n');
    const list = await rawRequest('GET', '/v1.45/volumes');
    expect(JSON.parse(list.body)).toMatchObject({ Warnings: null });
    await dockerOk(['volume', 'rm', 'api-data', generated]);
    // The CLI words a 404 its own way (by version): the API's answer is checked below.
    expect((await docker(['volume', 'inspect', 'api-data'])).stderr).toMatch(/no such volume/i);
    expect(JSON.parse((await rawRequest('GET', '/v1.45/volumes/api-data')).body).message).toBe('get api-data: no such volume');
  });

  it('answers bad requests with dockerd\'s status and message', async () => {
    const create = (body: object) => rawRequest('POST', '/v1.45/volumes/create', JSON.stringify(body), { 'Content-Type': 'application/json' });
    expect(await create({ Name: 'x' })).toMatchObject({ status: 400, body: expect.stringContaining('create x: volume name is too short') });
    expect(await create({ Name: 'a b' })).toMatchObject({ status: 400, body: expect.stringContaining('includes invalid characters for a local volume name') });
    expect(await create({ Name: 'v2', Driver: 'nope' })).toMatchObject({ status: 404, body: expect.stringContaining('error looking up volume plugin nope') });
    expect(await create({ Name: 'v3', DriverOpts: { foo: 'bar' } })).toMatchObject({ status: 400, body: expect.stringContaining('create v3: invalid option: \\"foo\\"') });
    expect(await rawRequest('GET', '/v1.45/volumes?filters=' + encodeURIComponent('{"bogus":["x"]}'))).toMatchObject({ status: 400, body: expect.stringContaining("Invalid filter 'bogus'") });
    expect(await rawRequest('DELETE', '/v1.45/volumes/nosuch')).toMatchObject({ status: 404 });
    expect(await rawRequest('DELETE', '/v1.45/volumes/nosuch?force=1')).toMatchObject({ status: 204 });
    expect((await dockerOk(['volume', 'ls', '-q'])).split('\n')).not.toEqual(expect.arrayContaining(['v2']));
    expect((await dockerOk(['volume', 'ls', '-q'])).split('\n')).not.toEqual(expect.arrayContaining(['v3']));
  });

  it('refuses to remove a volume a container uses, forced or not', async () => {
    const id = (await dockerOk(['create', '-v', 'held:/data', settings().image, 'true'])).trim();
    for (const force of ['0', '1']) {
      const res = await rawRequest('DELETE', `/v1.45/volumes/held?force=${force}`);
      expect(res.status).toBe(409);
      expect(JSON.parse(res.body).message).toBe(`remove held: volume is in use - [${id}]`);
    }
    expect(await dockerOk(['volume', 'ls', '--filter', 'dangling=false', '--filter', 'name=held', '--format', '{{.Name}}'])).toBe('held\n');
    expect(await dockerOk(['volume', 'ls', '--filter', 'dangling=true', '--filter', 'name=held', '--format', '{{.Name}}'])).toBe('');
    await dockerOk(['rm', id]);
    await dockerOk(['volume', 'rm', 'held']);
  });

  it('prunes anonymous volumes by default and every unused one with all (API 1.42+); before 1.42 every unused one', async () => {
    const client = apiClient();
    const id = (await dockerOk(['create', '-v', '/anon', settings().image, 'true'])).trim();
    const [container] = JSON.parse(await dockerOk(['inspect', id]));
    const anonymous = container.Mounts[0].Name;
    await dockerOk(['rm', id]);
    await dockerOk(['volume', 'create', 'named-unused']);
    await dockerOk(['volume', 'create', 'keep-me', '--label', 'keep']);
    expect(await client.pruneVolumes()).toEqual({ VolumesDeleted: [anonymous], SpaceReclaimed: 0 });
    const all = await rawRequest('POST', '/v1.45/volumes/prune?filters=' + encodeURIComponent('{"all":["true"],"label!":["keep"]}'));
    expect(JSON.parse(all.body)).toEqual({ VolumesDeleted: ['named-unused'], SpaceReclaimed: 0 });
    expect(await rawRequest('POST', '/v1.41/volumes/prune?filters=' + encodeURIComponent('{"all":["true"]}'))).toMatchObject({ status: 400 });
    const old = await rawRequest('POST', '/v1.41/volumes/prune');
    expect(JSON.parse(old.body)).toEqual({ VolumesDeleted: ['keep-me'], SpaceReclaimed: 0 });
  });

  it('reports create, mount, unmount and destroy events', async () => {
    const since = unixNow();
    await dockerOk(['run', '--rm', '-v', 'evented:/data', settings().image, 'true']);
    await dockerOk(['volume', 'rm', 'evented']);
    const lines = await dockerOk(['events', '--since', String(since), '--until', String(unixNow() + 1), '--filter', 'type=volume', '--filter', 'volume=evented', '--format', '{{.Action}} {{json .Actor.Attributes}}']);
    const events = lines.trim().split('\n');
    expect(events[0]).toBe('create {"driver":"local"}');
    expect(events[1]).toMatch(/^mount \{"container":"[0-9a-f]{64}","destination":"\/data","driver":"local","propagation":"","read\/write":"true"\}$/);
    expect(events[2]).toMatch(/^unmount \{"container":"[0-9a-f]{64}","driver":"local"\}$/);
    expect(events[3]).toBe('destroy {"driver":"local"}');
  });

  it('counts volume sizes in docker system df', async () => {
    await dockerOk(['run', '--rm', '-v', 'sized:/data', settings().image, 'sh', '-c', 'head -c 100000 /dev/zero > /data/f; ln /data/f /data/g']);
    const df = await rawRequest('GET', '/v1.45/system/df?type=volume');
    const sized = JSON.parse(df.body).Volumes.find((v: { Name: string }) => v.Name === 'sized');
    // A hard link is the same bytes: counted once.
    expect(sized.UsageData).toEqual({ RefCount: 0, Size: 100000 });
    await dockerOk(['volume', 'rm', 'sized']);
  });
});
