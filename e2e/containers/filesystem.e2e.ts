import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { docker, dockerOk } from '../support/docker-cli';
import { e2eRoot, settings } from '../support/engine';
import { rawRequest } from '../support/raw-http';

const image = () => settings().image;
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A tar made by hand, entry names as given (`../` included), as `tar` would never write them. */
function tarOf(entries: { name: string; content: string }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const { name, content } of entries) {
    const header = Buffer.alloc(512);
    header.write(name, 0);
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(`${Buffer.byteLength(content).toString(8).padStart(11, '0')}\0`, 124);
    header.write(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`, 136);
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\u000000', 257);
    const sum = header.reduce((total, byte) => total + byte, 0);
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    const body = Buffer.alloc(Math.ceil(Buffer.byteLength(content) / 512) * 512);
    body.write(content);
    blocks.push(header, body);
  }
  return Buffer.concat([...blocks, Buffer.alloc(1024)]);
}

describe('docker cp, diff, export and commit', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(e2eRoot, 'cp-'));
    mkdirSync(join(work, 'tree', 'sub'), { recursive: true });
    writeFileSync(join(work, 'tree', 'top.txt'), 'top\n');
    writeFileSync(join(work, 'tree', 'sub', 'run.sh'), '#!/bin/sh\necho ran\n');
    chmodSync(join(work, 'tree', 'sub', 'run.sh'), 0o750);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('copies a directory into a running container and back out, with modes', async () => {
    const id = (await dockerOk(['run', '-d', image(), 'sleep', '60'])).trim();
    try {
      await dockerOk(['cp', join(work, 'tree'), `${id}:/copied`]);
      expect(await dockerOk(['exec', id, 'sh', '-c', 'cat /copied/top.txt; /copied/sub/run.sh; stat -c %a /copied/sub/run.sh'])).toBe('top\nran\n750\n');
      await dockerOk(['exec', id, 'sh', '-c', 'echo made inside > /copied/inside.txt']);
      const out = join(work, 'out');
      await dockerOk(['cp', `${id}:/copied`, out]);
      expect(readFileSync(join(out, 'inside.txt'), 'utf8')).toBe('made inside\n');
      expect(statSync(join(out, 'sub', 'run.sh')).mode & 0o777).toBe(0o750);
      // A file to stdout is a tar of that file.
      const tar = await dockerOk(['cp', `${id}:/copied/top.txt`, '-']);
      expect(tar.slice(0, 7)).toBe('top.txt');
    } finally {
      await docker(['rm', '-f', id]);
    }
  });

  it('gives copied files to the container\'s user with -a, and keeps the archive\'s owner without', async () => {
    const id = (await dockerOk(['run', '-d', '-u', 'nobody', image(), 'sleep', '60'])).trim();
    try {
      await dockerOk(['cp', '-a', join(work, 'tree', 'top.txt'), `${id}:/tmp/as-user.txt`]);
      await dockerOk(['cp', join(work, 'tree', 'top.txt'), `${id}:/tmp/as-archive.txt`]);
      // busybox's /etc/passwd: nobody is 65534:65534; the archive's files are this test's (root).
      expect(await dockerOk(['exec', id, 'stat', '-c', '%u:%g', '/tmp/as-user.txt', '/tmp/as-archive.txt'])).toBe(`65534:65534\n${process.getuid!()}:${process.getgid!()}\n`);
    } finally {
      await docker(['rm', '-f', id]);
    }
  });

  it('copies into a stopped container and into its volume; the next start sees both', async () => {
    const id = (await dockerOk(['create', '-v', 'cp-volume:/data', image(), 'sh', '-c', 'cat /top.txt /data/top.txt'])).trim();
    try {
      await dockerOk(['cp', join(work, 'tree', 'top.txt'), `${id}:/`]);
      await dockerOk(['cp', join(work, 'tree', 'top.txt'), `${id}:/data/`]);
      expect(await dockerOk(['start', '-a', id])).toBe('top\ntop\n');
      expect(await dockerOk(['run', '--rm', '-v', 'cp-volume:/data', image(), 'cat', '/data/top.txt'])).toBe('top\n');
    } finally {
      await docker(['rm', '-f', id]);
      await docker(['volume', 'rm', 'cp-volume']);
    }
  });

  it('answers HEAD with the path stat dockerd sends, and 404 for a missing path', async () => {
    const id = (await dockerOk(['create', image(), 'true'])).trim();
    try {
      const head = await rawRequest('HEAD', `/v1.45/containers/${id}/archive?path=/bin/busybox`);
      expect(head.status).toBe(200);
      const stat = JSON.parse(Buffer.from(String(head.headers['x-docker-container-path-stat']), 'base64').toString());
      expect(stat).toEqual({ name: 'busybox', size: statSync('/bin/busybox').size, mode: 0o755, mtime: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/), linkTarget: '' });
      const link = await rawRequest('HEAD', `/v1.45/containers/${id}/archive?path=/bin/sh`);
      const linkStat = JSON.parse(Buffer.from(String(link.headers['x-docker-container-path-stat']), 'base64').toString());
      expect(linkStat).toMatchObject({ name: 'sh', mode: 2 ** 27 + 0o777, linkTarget: '/bin/busybox' });
      const dir = await rawRequest('HEAD', `/v1.45/containers/${id}/archive?path=/bin`);
      expect(JSON.parse(Buffer.from(String(dir.headers['x-docker-container-path-stat']), 'base64').toString()).mode).toBe(2 ** 31 + 0o755);
      const missing = await rawRequest('GET', `/v1.45/containers/${id}/archive?path=/nonexistent`);
      expect(missing.status).toBe(404);
      expect(JSON.parse(missing.body).message).toBe(`Could not find the file /nonexistent in container ${id}`);
      expect((await rawRequest('GET', `/v1.45/containers/${id}/archive`)).status).toBe(400);
    } finally {
      await docker(['rm', '-f', id]);
    }
  });

  it('never reaches the host through a symlink or ../ entries', async () => {
    const shadowBefore = sha('/etc/shadow');
    const id = (await dockerOk(['run', '-d', image(), 'sh', '-c', 'mkdir -p /etc && echo container-secret > /etc/shadow && ln -s /etc/shadow /leak && ln -s ../../../../../.. /up && sleep 60'])).trim();
    try {
      for (let waited = 0; (await docker(['exec', id, 'test', '-L', '/up'])).code !== 0 && waited < 5000; waited += 100) await new Promise((r) => setTimeout(r, 100));
      // Following the link reads the container's file.
      const out = join(work, 'leaked');
      await dockerOk(['cp', '-L', `${id}:/leak`, out]);
      expect(readFileSync(out, 'utf8')).toBe('container-secret\n');
      // Writing through links lands inside the container.
      writeFileSync(join(work, 'shadow'), 'overwritten\n');
      await dockerOk(['cp', join(work, 'shadow'), `${id}:/up/etc/`]);
      expect(await dockerOk(['exec', id, 'cat', '/etc/shadow'])).toBe('overwritten\n');
      const victim = join(e2eRoot, 'cp-victim');
      const evil = tarOf([{ name: `../../../../../../..${victim}`, content: 'escaped\n' }]);
      const put = await rawRequest('PUT', `/v1.45/containers/${id}/archive?path=/tmp`, evil, { 'Content-Type': 'application/x-tar' });
      expect(put.status).toBe(400);
      expect(existsSync(victim)).toBe(false);
      expect(sha('/etc/shadow')).toBe(shadowBefore);
    } finally {
      await docker(['rm', '-f', id]);
    }
  });

  it('refuses writes to a read-only rootfs but not to its volumes', async () => {
    const id = (await dockerOk(['create', '--read-only', '-v', 'cp-ro:/data', image(), 'true'])).trim();
    try {
      const refused = await docker(['cp', join(work, 'tree', 'top.txt'), `${id}:/`]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('container rootfs is marked read-only');
      await dockerOk(['cp', join(work, 'tree', 'top.txt'), `${id}:/data/`]);
    } finally {
      await docker(['rm', '-f', id]);
      await docker(['volume', 'rm', 'cp-ro']);
    }
  });

  it('exports the root filesystem, which imports back as an image', async () => {
    const id = (await dockerOk(['run', '-d', '-v', 'not-exported:/vol', image(), 'sh', '-c', 'echo exported > /marker; echo no > /vol/f; sleep 60'])).trim();
    try {
      for (let waited = 0; (await docker(['exec', id, 'test', '-f', '/marker'])).code !== 0 && waited < 5000; waited += 100) await new Promise((r) => setTimeout(r, 100));
      const tarPath = join(work, 'export.tar');
      const exported = await rawRequest('GET', `/v1.45/containers/${id}/export`);
      expect(exported.status).toBe(200);
      expect(exported.headers['content-type']).toBe('application/x-tar');
      writeFileSync(tarPath, exported.bytes);
      const names = execFileSync('tar', ['-tf', tarPath], { encoding: 'utf8' }).split('\n');
      expect(names).toEqual(expect.arrayContaining(['bin/', 'bin/busybox', 'marker']));
      expect(names.some((n) => n.startsWith('vol/f'))).toBe(false);
      await dockerOk(['import', tarPath, 'exported:e2e']);
      expect(await dockerOk(['run', '--rm', 'exported:e2e', 'cat', '/marker'])).toBe('exported\n');
      expect((await rawRequest('GET', '/v1.45/containers/nosuch/export')).status).toBe(404);
    } finally {
      await docker(['rm', '-f', id]);
      await docker(['volume', 'rm', 'not-exported']);
      await docker(['rmi', 'exported:e2e']);
    }
  });

  it('lists what a container added, changed and deleted, and nothing for a fresh one', async () => {
    const fresh = (await dockerOk(['create', image(), 'true'])).trim();
    const id = (await dockerOk(['run', '-d', '-v', '/vol', image(), 'sh', '-c', 'mkdir -p /tmp/d && echo x > /tmp/d/x && rm /bin/ls && echo more >> /bin/busybox.txt; sleep 60'])).trim();
    try {
      expect(JSON.parse((await rawRequest('GET', `/v1.45/containers/${fresh}/changes`)).body)).toBeNull();
      for (let waited = 0; !(await dockerOk(['diff', id])).includes('/tmp/d/x') && waited < 5000; waited += 100) await new Promise((r) => setTimeout(r, 100));
      expect((await dockerOk(['diff', id])).split('\n').filter(Boolean)).toEqual(['C /bin', 'A /bin/busybox.txt', 'D /bin/ls', 'C /tmp', 'A /tmp/d', 'A /tmp/d/x', 'A /vol']);
      const changes = JSON.parse((await rawRequest('GET', `/v1.45/containers/${id}/changes`)).body);
      expect(changes).toContainEqual({ Path: '/bin/ls', Kind: 2 });
      expect(changes).toContainEqual({ Path: '/bin', Kind: 0 });
      expect(changes).toContainEqual({ Path: '/tmp/d/x', Kind: 1 });
    } finally {
      await docker(['rm', '-f', '-v', id, fresh]);
    }
  });

  it('lists every file of the image as deleted in a directory the container removed and made again', async () => {
    const imageBin = (await dockerOk(['run', '--rm', image(), 'ls', '-A', '/bin'])).split('\n').filter(Boolean);
    // Overlay marks such a directory opaque: the image's files are hidden, not each whited out.
    const id = (await dockerOk(['run', '-d', image(), 'sh', '-c', 'mkdir /x && cp /bin/busybox /x/busybox && /x/busybox rm -rf /bin && /x/busybox mkdir /bin && /x/busybox touch /bin/only && /x/busybox sleep 60'])).trim();
    try {
      for (let waited = 0; !(await dockerOk(['diff', id])).includes('/bin/only') && waited < 5000; waited += 100) await new Promise((r) => setTimeout(r, 100));
      const diff = (await dockerOk(['diff', id])).split('\n').filter(Boolean);
      expect(diff).toEqual(expect.arrayContaining(['A /x', 'C /bin', 'A /bin/only', 'D /bin/ls', 'D /bin/busybox']));
      expect(diff.filter((line) => line.startsWith('D /bin/')).sort()).toEqual(imageBin.map((name) => `D /bin/${name}`).sort());
    } finally {
      await docker(['rm', '-f', id]);
    }
  });

  it('commits a container into an image that runs with its changes, its --change and its message', async () => {
    const id = (await dockerOk(['run', '-d', image(), 'sh', '-c', 'echo committed > /marker && rm /bin/ls && sleep 60'])).trim();
    try {
      for (let waited = 0; (await docker(['exec', id, 'test', '-f', '/marker'])).code !== 0 && waited < 5000; waited += 100) await new Promise((r) => setTimeout(r, 100));
      const since = Math.floor(Date.now() / 1000);
      const imageId = (await dockerOk(['commit', '-c', 'CMD ["cat", "/marker"]', '-c', 'ENV COMMITTED=yes', '-m', 'made by e2e', '-a', 'e2e <e2e@flotilla>', id, 'committed:e2e'])).trim();
      expect(imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
      // Paused for the commit, running again after it.
      expect((await dockerOk(['inspect', '-f', '{{.State.Status}}', id])).trim()).toBe('running');
      expect(await dockerOk(['run', '--rm', 'committed:e2e'])).toBe('committed\n');
      expect(await dockerOk(['run', '--rm', 'committed:e2e', 'sh', '-c', 'echo $COMMITTED; ls /bin/ls 2>&1 || true'])).toMatch(/^yes\n.*No such file or directory/);
      const [inspect] = JSON.parse(await dockerOk(['image', 'inspect', 'committed:e2e']));
      const [parent] = JSON.parse(await dockerOk(['image', 'inspect', image()]));
      expect(inspect).toMatchObject({ Id: imageId, Author: 'e2e <e2e@flotilla>', Comment: 'made by e2e', RepoTags: ['committed:e2e'] });
      expect(inspect.RootFS.Layers).toEqual([...parent.RootFS.Layers, expect.stringMatching(/^sha256:/)]);
      expect(await dockerOk(['history', '--format', '{{.Comment}}', 'committed:e2e'])).toMatch(/^made by e2e\n/);
      const events = await dockerOk(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', `container=${id}`, '--format', '{{.Action}}']);
      expect(events.split('\n').filter((action) => ['pause', 'unpause', 'commit'].includes(action))).toEqual(['pause', 'unpause', 'commit']);
      const missing = await rawRequest('POST', '/v1.45/commit?container=nosuch');
      expect(missing.status).toBe(404);
    } finally {
      await docker(['rm', '-f', id]);
      await docker(['rmi', 'committed:e2e']);
    }
  });
});
