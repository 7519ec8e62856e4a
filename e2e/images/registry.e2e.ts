import { join } from 'node:path';
import { docker, dockerOk } from '../support/docker-cli';
import { ctr, e2eRoot, mirroredDomain, settings } from '../support/engine';
import { rawRequest } from '../support/raw-http';
import { startRegistry, type LocalRegistry } from '../support/registry/local-registry';
import { uploadImage, uploadIndex, type UploadedImage } from '../support/registry/image-uploader';
import { busyboxLayer, layerTar } from '../support/registry/layers';
import { corruptBlob } from '../support/registry/corrupt-blob';

/** Removes every image but the suite's busybox, so tests see only what they made. */
async function removeImagesOf(registry: LocalRegistry): Promise<void> {
  const names = (await dockerOk(['images', '--format', '{{.Repository}}:{{.Tag}}'])).split('\n').filter((n) => n.startsWith(registry.address));
  for (const name of names) await docker(['rmi', '-f', name.replace(/:<none>$/, '')]);
}

describe('pull and push with a registry', () => {
  let registry: LocalRegistry;
  let app: UploadedImage;
  const image = (repo: string) => `${registry.address}/${repo}`;

  beforeAll(async () => {
    registry = await startRegistry({ dir: join(e2eRoot, 'registry-open') });
    app = await uploadImage(
      registry,
      'team/app',
      'v1',
      [busyboxLayer(), layerTar({ 'srv/greeting': 'hello from layer two\n' }), layerTar({ 'srv/more': 'three\n' })],
      { mediaTypes: 'docker', config: { Cmd: ['cat', '/srv/greeting'], Labels: { tier: 'demo' } } },
    );
  });

  afterAll(async () => {
    const containers = (await dockerOk(['ps', '-aq'])).split('\n').filter(Boolean);
    if (containers.length) await docker(['rm', '-f', ...containers]);
    await removeImagesOf(registry);
    await registry.stop();
  });

  it('pulls a multi-layer image with the progress the CLI draws, then runs it', async () => {
    const pulled = await docker(['pull', image('team/app:v1')]);
    expect(pulled.code).toBe(0);
    expect(pulled.stdout).toContain('v1: Pulling from team/app');
    for (const digest of app.layerDigests) expect(pulled.stdout).toContain(`${digest.slice(7, 19)}: Pull complete`);
    expect(pulled.stdout).toContain(`Digest: ${app.manifestDigest}`);
    expect(pulled.stdout).toContain(`Status: Downloaded newer image for ${image('team/app:v1')}`);
    expect(await dockerOk(['run', '--rm', image('team/app:v1')])).toBe('hello from layer two\n');

    const [inspect] = JSON.parse(await dockerOk(['image', 'inspect', image('team/app:v1')]));
    expect(inspect).toMatchObject({ Id: app.configDigest, RepoTags: [image('team/app:v1')], RepoDigests: [`${image('team/app')}@${app.manifestDigest}`] });
    expect(inspect.RootFS.Layers).toEqual(app.diffIds);
  });

  it('streams JSON progress messages to an API client', async () => {
    const res = await rawRequest('POST', `/v1.45/images/create?fromImage=${encodeURIComponent(image('team/app'))}&tag=v1`, '', { 'X-Registry-Auth': 'e30=' });
    expect(res.status).toBe(200);
    const messages = res.body.trim().split('\r\n').map((line) => JSON.parse(line));
    expect(messages[0]).toEqual({ status: 'Pulling from team/app', id: 'v1' });
    expect(messages).toContainEqual({ status: 'Already exists', progressDetail: {}, id: app.layerDigests[0].slice(7, 19) });
    expect(messages[messages.length - 1]).toEqual({ status: `Status: Image is up to date for ${image('team/app:v1')}` });
  });

  it('pulls OCI images, and picks the platform out of a manifest list', async () => {
    await uploadImage(registry, 'team/oci', 'v1', [busyboxLayer()], { mediaTypes: 'oci', config: { Cmd: ['echo', 'oci'] } });
    await dockerOk(['pull', image('team/oci:v1')]);
    expect(await dockerOk(['run', '--rm', image('team/oci:v1')])).toBe('oci\n');

    await uploadIndex(
      registry,
      'team/multi',
      'v1',
      [
        { platform: { os: 'linux', architecture: 'arm64' }, layers: [busyboxLayer(), layerTar({ arch: 'arm64\n' })] },
        { platform: { os: 'linux', architecture: 'amd64' }, layers: [busyboxLayer(), layerTar({ arch: 'amd64\n' })] },
      ],
      { mediaTypes: 'docker' },
    );
    await dockerOk(['pull', image('team/multi:v1')]);
    expect(await dockerOk(['run', '--rm', image('team/multi:v1'), 'cat', '/arch'])).toBe('amd64\n');
    await dockerOk(['pull', '--platform', 'linux/arm64', image('team/multi:v1')]);
    const [arm] = JSON.parse(await dockerOk(['image', 'inspect', image('team/multi:v1')]));
    expect(arm.Architecture).toBe('arm64');
  });

  it('pulls every tag of a repository with pull -a', async () => {
    await uploadImage(registry, 'team/tags', 'one', [busyboxLayer(), layerTar({ tag: 'one\n' })], { mediaTypes: 'docker' });
    await uploadImage(registry, 'team/tags', 'two', [busyboxLayer(), layerTar({ tag: 'two\n' })], { mediaTypes: 'oci' });

    const pulled = await docker(['pull', '--all-tags', image('team/tags')]);
    expect(pulled).toMatchObject({ code: 0 });
    expect(pulled.stdout).toContain('one: Pulling from team/tags');
    expect(pulled.stdout).toContain('two: Pulling from team/tags');
    expect(pulled.stdout).toContain(`Status: Downloaded newer image for ${image('team/tags')}`);
    expect(await dockerOk(['run', '--rm', image('team/tags:two'), 'cat', '/tag'])).toBe('two\n');
    expect((await dockerOk(['images', '--format', '{{.Tag}}', image('team/tags')])).split('\n').filter(Boolean).sort()).toEqual(['one', 'two']);

    const again = await docker(['pull', '-a', image('team/tags')]);
    expect(again.stdout).toContain(`Status: Image is up to date for ${image('team/tags')}`);
  });

  it('pulls a missing image when docker run needs it', async () => {
    await docker(['rmi', image('team/app:v1')]);
    const result = await docker(['run', '--rm', image('team/app:v1')]);
    expect(result.stdout).toBe('hello from layer two\n');
    expect(result.stderr).toContain(`Unable to find image '${image('team/app:v1')}' locally`);
  });

  it('pushes an image under a new name and pulls it back after removing it', async () => {
    await dockerOk(['tag', image('team/app:v1'), image('team/copy:v2')]);
    const pushed = await docker(['push', image('team/copy:v2')]);
    expect(pushed.code).toBe(0);
    expect(pushed.stdout).toContain(`The push refers to repository [${image('team/copy')}]`);
    expect(pushed.stdout).toMatch(/v2: digest: sha256:[0-9a-f]{64} size: \d+/);
    // The registry has the layers now: a second push uploads none.
    expect(await dockerOk(['push', image('team/copy:v2')])).toMatch(/Layer already exists/);

    await dockerOk(['rmi', image('team/copy:v2')]);
    await dockerOk(['rmi', image('team/app:v1')]);
    expect(await dockerOk(['images', '-q', image('team/copy')])).toBe('');
    await dockerOk(['pull', image('team/copy:v2')]);
    expect(await dockerOk(['run', '--rm', image('team/copy:v2')])).toBe('hello from layer two\n');
  });

  it('untags while another tag is left, deletes with the last one, and refuses while a container uses it', async () => {
    await dockerOk(['tag', image('team/copy:v2'), image('team/copy:extra')]);
    expect(await dockerOk(['rmi', image('team/copy:extra')])).toBe(`Untagged: ${image('team/copy:extra')}\n`);
    const id = (await dockerOk(['create', image('team/copy:v2')])).trim();
    const refused = await docker(['rmi', image('team/copy:v2')]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`(must force) - container ${id.slice(0, 12)} is using its referenced image`);
    await dockerOk(['rm', id]);
    const removed = await dockerOk(['rmi', image('team/copy:v2')]);
    expect(removed).toContain(`Untagged: ${image('team/copy:v2')}`);
    expect(removed).toMatch(/Deleted: sha256:[0-9a-f]{64}/);
  });

  it('refuses a blob that does not match its digest, and keeps no image', async () => {
    const corrupt = await uploadImage(registry, 'team/corrupt', 'v1', [busyboxLayer(), layerTar({ bad: 'bytes\n' })], { mediaTypes: 'docker' });
    corruptBlob(registry.dataDir, corrupt.layerDigests[1]);
    const result = await docker(['pull', image('team/corrupt:v1')]);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(new RegExp(`failed to verify ${corrupt.layerDigests[1]}`));
    expect(await dockerOk(['images', '-q', image('team/corrupt')])).toBe('');
    expect(ctr('content', 'ls', '-q')).not.toContain(corrupt.layerDigests[1]);
  });

  it('reports a repository the registry does not have as not found', async () => {
    const result = await docker(['pull', image('team/nothing:v1')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`manifest for ${image('team/nothing:v1')} not found: manifest unknown`);
  });

  it('rejects malformed references with 400', async () => {
    for (const reference of ['team/CAPS', 'bad::tag', 'a@sha256:short']) {
      const res = await rawRequest('POST', `/v1.45/images/create?fromImage=${encodeURIComponent(reference)}`);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body).message).toMatch(/invalid reference format/);
    }
  });
});

describe('registry mirrors', () => {
  it('pulls through the mirror configured for a registry, any registry', async () => {
    const mirror = await startRegistry({ dir: join(e2eRoot, 'registry-mirror'), port: settings().mirrorPort });
    try {
      await uploadImage(mirror, 'team/mirrored', 'v1', [busyboxLayer()], { mediaTypes: 'oci', config: { Cmd: ['echo', 'via the mirror'] } });
      const name = `${mirroredDomain}/team/mirrored:v1`;
      await dockerOk(['pull', name]);
      expect(await dockerOk(['run', '--rm', name])).toBe('via the mirror\n');
      await dockerOk(['rmi', name]);
    } finally {
      await mirror.stop();
    }
  });
});
