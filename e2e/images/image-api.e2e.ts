import { docker, dockerOk } from '../support/docker-cli';
import { settings } from '../support/engine';
import { rawRequest } from '../support/raw-http';

describe('image API', () => {
  afterAll(async () => {
    for (const name of ['filters-a:1', 'filters-a:2', 'filters-b:1', 'labelled:1']) await docker(['rmi', name]);
  });

  it('tags, and lists with filters', async () => {
    await dockerOk(['tag', settings().image, 'filters-a:1']);
    await dockerOk(['tag', settings().image, 'filters-a:2']);
    await dockerOk(['import', '--change', 'LABEL purpose=filters', settings().rootfsTar, 'labelled:1']);
    const refs = await dockerOk(['images', '--filter', 'reference=filters-*', '--format', '{{.Repository}}:{{.Tag}}']);
    expect(refs.split('\n').filter(Boolean).sort()).toEqual(['filters-a:1', 'filters-a:2']);
    expect(await dockerOk(['images', '--filter', 'label=purpose=filters', '--format', '{{.Repository}}'])).toBe('labelled\n');
    const bad = await rawRequest('GET', `/v1.45/images/json?filters=${encodeURIComponent('{"colour":["red"]}')}`);
    expect(bad.status).toBe(400);
  });

  it('refuses to tag an image that does not exist, and a tag with a digest', async () => {
    expect((await docker(['tag', 'nosuchimage', 'whatever:1'])).stderr).toContain('No such image: nosuchimage:latest');
    const res = await rawRequest('POST', `/v1.45/images/${settings().image}/tag?repo=x&tag=${encodeURIComponent('sha256:abc')}`);
    expect(res.status).toBe(400);
  });

  it('shows the history of an image', async () => {
    const rows = JSON.parse(await dockerOk(['history', '--format', '{{json .}}', '--no-trunc', 'labelled:1']).then((out) => `[${out.trim().split('\n').join(',')}]`));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ Comment: 'Imported from -' });
    expect(rows[0].ID).toMatch(/^sha256:/);
  });

  it('prunes dangling images only, unless told to take every unused one', async () => {
    const dangling = (await dockerOk(['import', settings().rootfsTar])).trim();
    const listed = await rawRequest('GET', `/v1.45/images/json?filters=${encodeURIComponent('{"dangling":["true"]}')}`);
    // The whole listing goes into a failure message: this has failed in CI and hardly ever here.
    expect({ listed: JSON.parse(listed.body).map((i: { Id: string }) => i.Id), all: (await rawRequest('GET', '/v1.45/images/json')).body }).toMatchObject({
      listed: expect.arrayContaining([dangling]),
    });
    const pruned = await dockerOk(['image', 'prune', '-f']);
    expect(pruned).toContain(`deleted: ${dangling}`);
    expect(await dockerOk(['images', '-q', '--no-trunc', '--filter', 'dangling=true'])).not.toContain(dangling);
    expect(await dockerOk(['images', '-q', 'filters-a'])).not.toBe('');
  });
});

describe('disk usage', () => {
  it('counts image sizes, shared layers and containers as docker system df shows them', async () => {
    await dockerOk(['tag', settings().image, 'df-copy:1']);
    const id = (await dockerOk(['create', settings().image, 'true'])).trim();
    const res = await rawRequest('GET', '/v1.45/system/df');
    const df = JSON.parse(res.body);
    const image = df.Images.find((i: { RepoTags: string[] }) => i.RepoTags.includes('df-copy:1'));
    expect(image.Size).toBeGreaterThan(1_000_000);
    expect(image.Containers).toBe(1);
    expect(df.LayersSize).toBeGreaterThanOrEqual(image.Size);
    const container = df.Containers.find((c: { Id: string }) => c.Id === id);
    expect(container.SizeRootFs).toBe(container.SizeRw + image.Size);
    const cli = await dockerOk(['system', 'df', '--format', '{{.Type}} {{.TotalCount}}']);
    expect(cli).toMatch(/^Images \d+$/m);
    await dockerOk(['rm', id]);
    await dockerOk(['rmi', 'df-copy:1']);
  });
});
