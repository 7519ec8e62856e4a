import { execFileSync } from 'node:child_process';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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

  it('takes bzip2, xz and zstd compressed tars, each the same layer as the plain tar', async () => {
    const [plain] = JSON.parse(await dockerOk(['image', 'inspect', 'imported:v1']));
    for (const tool of ['bzip2', 'xz', 'zstd']) {
      const compressed = execFileSync(tool, ['-c', '-q', settings().rootfsTar], { maxBuffer: 64 << 20 });
      await dockerOk(['import', '-', `imported-${tool}`], { input: compressed });
      const [inspect] = JSON.parse(await dockerOk(['image', 'inspect', `imported-${tool}`]));
      expect(inspect.RootFS.Layers).toEqual(plain.RootFS.Layers);
      await dockerOk(['rmi', `imported-${tool}`]);
    }

    const before = await dockerOk(['images', '-q']);
    const truncated = execFileSync('xz', ['-c', settings().rootfsTar], { maxBuffer: 64 << 20 }).subarray(0, 50_000);
    const result = await docker(['import', '-', 'truncated'], { input: truncated });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('the xz-compressed archive is corrupt');
    expect(await dockerOk(['images', '-q'])).toBe(before);
  });

  describe('from a URL', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      server = createServer((req, res) => {
        if (req.url !== '/rootfs.tar') return res.writeHead(404).end('no such file');
        res.writeHead(200, { 'Content-Length': statSync(settings().rootfsTar).size });
        createReadStream(settings().rootfsTar).pipe(res);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await docker(['rmi', 'fromurl:cli', 'fromurl:api']);
      await new Promise((resolve) => server.close(resolve));
    });

    it('fetches the archive and names it in the history', async () => {
      const output = await dockerOk(['import', `${base}/rootfs.tar`, 'fromurl:cli']);
      expect(output).toMatch(new RegExp(`^Downloading from ${base}/rootfs.tar\\nsha256:[0-9a-f]{64}\\n$`));
      expect(await dockerOk(['history', '--format', '{{.Comment}}', 'fromurl:cli'])).toBe(`Imported from ${base}/rootfs.tar\n`);
    });

    it('streams the progress dockerd streams', async () => {
      const hostAndPath = `${base.slice('http://'.length)}/rootfs.tar`;
      const res = await rawRequest('POST', `/v1.45/images/create?fromSrc=${encodeURIComponent(hostAndPath)}&repo=fromurl&tag=api`);
      expect(res.status).toBe(200);
      const messages = res.body.trim().split('\r\n').map((line) => JSON.parse(line));
      expect(messages[0]).toEqual({ status: `Downloading from ${base}/rootfs.tar` });
      const size = statSync(settings().rootfsTar).size;
      expect(messages[messages.length - 2]).toMatchObject({ status: 'Importing', progressDetail: { current: size, total: size } });
      expect(messages[messages.length - 1].status).toMatch(/^sha256:[0-9a-f]{64}$/);
    });

    it('answers a URL that fails with its status, before any progress', async () => {
      const res = await rawRequest('POST', `/v1.45/images/create?fromSrc=${encodeURIComponent(`${base}/missing.tar`)}&repo=fromurl&tag=missing`);
      expect(res.status).toBe(404);
      expect(JSON.parse(res.body).message).toBe(`failed to GET ${base}/missing.tar with status 404 Not Found: no such file`);
      const refused = await rawRequest('POST', `/v1.45/images/create?fromSrc=${encodeURIComponent('http://127.0.0.1:1/x.tar')}`);
      expect(refused.status).toBe(500);
      expect(JSON.parse(refused.body).message).toMatch(/^Get "http:\/\/127.0.0.1:1\/x.tar": connect ECONNREFUSED/);
    });
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
