import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { docker, dockerOk, dockerShell } from '../support/docker-cli';
import { e2eRoot, settings } from '../support/engine';
import { rawRequest } from '../support/raw-http';
import { startRegistry, type LocalRegistry } from '../support/registry/local-registry';
import { uploadIndex } from '../support/registry/image-uploader';
import { busyboxLayer, layerTar } from '../support/registry/layers';

describe('save and load', () => {
  const dir = mkdtempSync(join(e2eRoot, 'archives-'));
  afterAll(async () => {
    for (const name of ['saved:one', 'saved:two']) await docker(['rmi', name]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('saves images as an OCI layout with a docker manifest.json', async () => {
    await dockerOk(['tag', settings().image, 'saved:one']);
    await dockerOk(['import', '--change', 'CMD ["echo", "two"]', settings().rootfsTar, 'saved:two']);
    const tar = join(dir, 'saved.tar');
    await dockerOk(['save', '-o', tar, 'saved:one', 'saved:two']);
    const entries = execFileSync('tar', ['-tf', tar], { encoding: 'utf8' }).split('\n');
    expect(entries).toEqual(expect.arrayContaining(['oci-layout', 'index.json', 'manifest.json']));
    const manifest = JSON.parse(execFileSync('tar', ['-xOf', tar, 'manifest.json'], { encoding: 'utf8' }));
    expect(manifest.map((m: { RepoTags: string[] }) => m.RepoTags)).toEqual([['saved:one'], ['saved:two']]);
    for (const entry of manifest) for (const path of [entry.Config, ...entry.Layers]) expect(entries).toContain(path);
  });

  it('loads what it saved, after the images are gone', async () => {
    const tar = join(dir, 'saved.tar');
    await dockerOk(['rmi', 'saved:one', 'saved:two']);
    const loaded = await dockerOk(['load', '-i', tar]);
    expect(loaded).toContain('Loaded image: saved:one');
    expect(loaded).toContain('Loaded image: saved:two');
    expect(await dockerOk(['run', '--rm', 'saved:two'])).toBe('two\n');
  });

  it('loads from a pipe what a save writes into it, while the load is already waiting', async () => {
    // A layer of 8 MiB that does not compress: the save and the load stream at once, in opposite directions.
    const root = mkdtempSync(join(dir, 'piped-'));
    writeFileSync(join(root, 'noise'), randomBytes(8 * 1024 * 1024));
    execFileSync('tar', ['-C', root, '-cf', `${root}.tar`, 'noise']);
    await dockerOk(['import', `${root}.tar`, 'piped:src']);
    const piped = await dockerShell('(sleep 1; docker save piped:src) | docker load');
    expect(piped).toMatchObject({ code: 0, stdout: 'Loaded image: piped:src\n' });
    expect(await dockerOk(['images', '--format', '{{.Repository}}:{{.Tag}}', 'piped'])).toBe('piped:src\n');
    await dockerOk(['rmi', 'piped:src']);
  });

  it('loads a docker-archive in the legacy layout, with a layer shared through a symlink', async () => {
    const root = mkdtempSync(join(dir, 'legacy-'));
    const base = busyboxLayer();
    const extra = layerTar({ 'legacy.txt': 'from a legacy archive\n' });
    const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
    const config = { architecture: 'amd64', os: 'linux', config: { Cmd: ['cat', '/legacy.txt'] }, rootfs: { type: 'layers', diff_ids: [sha(base), sha(extra)] } };
    const configJson = Buffer.from(JSON.stringify(config));
    const configName = `${sha(configJson).slice(7)}.json`;
    execFileSync('mkdir', ['-p', join(root, 'l1'), join(root, 'l2'), join(root, 'l3')]);
    writeFileSync(join(root, 'l1', 'layer.tar'), base);
    writeFileSync(join(root, 'l2', 'layer.tar'), extra);
    execFileSync('ln', ['-s', '../l1/layer.tar', join(root, 'l3', 'layer.tar')]);
    writeFileSync(join(root, configName), configJson);
    writeFileSync(join(root, 'manifest.json'), JSON.stringify([{ Config: configName, RepoTags: ['legacy:v1'], Layers: ['l3/layer.tar', 'l2/layer.tar'] }]));
    execFileSync('tar', ['-C', root, '-cf', join(dir, 'legacy.tar'), '.']);
    expect(await dockerOk(['load', '-i', join(dir, 'legacy.tar')])).toContain('Loaded image: legacy:v1');
    expect(await dockerOk(['run', '--rm', 'legacy:v1'])).toBe('from a legacy archive\n');
    await dockerOk(['rmi', 'legacy:v1']);
  });

  it('refuses an archive that is not an image archive, leaving nothing behind', async () => {
    const before = await dockerOk(['images', '-aq']);
    writeFileSync(join(dir, 'not-image.tar'), execFileSync('tar', ['-C', dir, '-cf', '-', '--files-from', '/dev/null']));
    const result = await docker(['load', '-i', join(dir, 'not-image.tar')]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('neither manifest.json nor index.json');
    const garbage = await docker(['load'], { input: Buffer.from('not a tar at all') });
    expect(garbage.code).not.toBe(0);
    expect(await dockerOk(['images', '-aq'])).toBe(before);
  });

  it('answers 404 for saving an image that does not exist', async () => {
    const res = await rawRequest('GET', '/v1.45/images/nosuchimage/get');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toEqual({ message: 'No such image: nosuchimage:latest' });
  });
});

describe('distribution inspect', () => {
  let registry: LocalRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ dir: join(e2eRoot, 'registry-distribution') });
  });
  afterAll(() => registry.stop());

  it('describes what a registry holds without pulling it', async () => {
    const uploaded = await uploadIndex(
      registry,
      'team/multi',
      'v1',
      [
        { platform: { os: 'linux', architecture: 'amd64' }, layers: [busyboxLayer()] },
        { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, layers: [layerTar({ a: 'b' })] },
      ],
      { mediaTypes: 'oci' },
    );
    const res = await rawRequest('GET', `/v1.45/distribution/${registry.address}/team/multi:v1/json`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      Descriptor: { mediaType: 'application/vnd.oci.image.index.v1+json', digest: uploaded.indexDigest, size: expect.any(Number) },
      Platforms: [
        { architecture: 'amd64', os: 'linux' },
        { architecture: 'arm64', os: 'linux', variant: 'v8' },
      ],
    });
    expect(await dockerOk(['images', '-q', `${registry.address}/team/multi`])).toBe('');
  });
});
