import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { apiClient, docker, dockerOk } from '../support/docker-cli';
import { ctr, settings } from '../support/engine';
import { rawRequest } from '../support/raw-http';

describe('docker import', () => {
  it('stores the tar as an image that docker images lists and docker inspect describes', async () => {
    const id = (await dockerOk(['import', settings().rootfsTar, 'imported:v1'])).trim();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    const images = await dockerOk(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']);
    expect(images).toContain(`imported:v1 ${id.slice(7, 19)}`);
    const [inspect] = JSON.parse(await dockerOk(['image', 'inspect', 'imported:v1']));
    expect(inspect).toMatchObject({ Id: id, RepoTags: ['imported:v1'], Os: 'linux', Architecture: 'amd64', RootFS: { Type: 'layers' } });
    expect(inspect.RootFS.Layers).toHaveLength(1);
    expect(inspect.Size).toBeGreaterThan(1_000_000);
  });

  it('unpacks the layer into a snapshot in containerd', async () => {
    const [inspect] = JSON.parse(await dockerOk(['image', 'inspect', settings().image]));
    expect(ctr('snapshots', '--snapshotter', 'overlayfs', 'ls')).toContain(inspect.RootFS.Layers[0]);
  });

  it('takes a gzip-compressed tar and applies --change', async () => {
    const gz = gzipSync(readFileSync(settings().rootfsTar));
    await dockerOk(['import', '-', 'imported-gz'], { input: gz });
    await dockerOk(['import', '--change', 'CMD ["echo", "from the change"]', '--change', 'ENV GREETING=hi', settings().rootfsTar, 'changed']);
    expect(await dockerOk(['run', '--rm', 'changed'])).toBe('from the change\n');
    expect(await dockerOk(['run', '--rm', 'changed', 'sh', '-c', 'echo $GREETING'])).toBe('hi\n');
  });

  it('refuses a body that is not a tar, leaving no image behind', async () => {
    const before = await dockerOk(['images', '-q']);
    const result = await docker(['import', '-', 'broken'], { input: Buffer.alloc(4096, 'x') });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Error response from daemon/);
    expect(await dockerOk(['images', '-q'])).toBe(before);
  });

  it('answers image lookups of a Docker API client', async () => {
    const client = apiClient();
    const list = await client.listImages();
    expect(list.some((image) => image.RepoTags?.includes(settings().image))).toBe(true);
    await expect(client.getImage('nosuchimage').inspect()).rejects.toMatchObject({ statusCode: 404 });
    const res = await rawRequest('GET', '/v1.45/images/nosuchimage/json');
    expect(JSON.parse(res.body)).toEqual({ message: 'No such image: nosuchimage:latest' });
  });
});
