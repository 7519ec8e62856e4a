import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { e2eRoot } from '../engine';
import { corruptBlob } from './corrupt-blob';
import { imageMediaTypes, sha256Digest, uploadImage, uploadIndex, type MediaTypeFamily } from './image-uploader';
import { layerTar } from './layers';
import { killStrayRegistries, startRegistry, type LocalRegistry } from './local-registry';
import { basicAuthorization, fetchToken, parseChallenge, RegistryClient } from './registry-client';

// These prove the fixtures against the real registry, without the engine.

const twoLayers = [layerTar({ 'hello.txt': 'hello\n' }), layerTar({ 'etc/greeting': 'hi\n' })];
const alice = { username: 'alice', password: 'wonderland' };
const aliceOnly = { users: { alice: alice.password } };

/** A plain GET of `/v2/<path>`, with no authentication unless the headers carry it. */
function get(registry: LocalRegistry, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`http://${registry.address}/v2/${path}`, { headers });
}

async function bytesOf(res: Response): Promise<Buffer> {
  return Buffer.from(await res.arrayBuffer());
}

function jwtPart(token: string, part: 'header' | 'claims'): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[part === 'header' ? 0 : 1], 'base64url').toString('utf8'));
}

describe('a registry without auth', () => {
  let registry: LocalRegistry;
  beforeAll(async () => (registry = await startRegistry({ dir: join(e2eRoot, 'registry-open') })));
  afterAll(() => registry?.stop());

  it('serves an uploaded two-layer image back as it was pushed', async () => {
    const uploaded = await uploadImage(registry, 'e2e/two-layers', 'v1', twoLayers, { mediaTypes: 'docker', config: { Cmd: ['cat', '/hello.txt'] } });
    expect(uploaded.diffIds).toEqual(twoLayers.map(sha256Digest));

    const res = await get(registry, 'e2e/two-layers/manifests/v1', { Accept: imageMediaTypes.docker.manifest });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(imageMediaTypes.docker.manifest);
    expect(res.headers.get('docker-content-digest')).toBe(uploaded.manifestDigest);
    const manifestBytes = await bytesOf(res);
    expect(sha256Digest(manifestBytes)).toBe(uploaded.manifestDigest);
    const manifest = JSON.parse(manifestBytes.toString('utf8'));
    expect(manifest.config).toMatchObject({ mediaType: imageMediaTypes.docker.config, digest: uploaded.configDigest });
    expect(manifest.layers.map((l: { mediaType: string; digest: string }) => [l.mediaType, l.digest])).toEqual(
      uploaded.layerDigests.map((digest) => [imageMediaTypes.docker.gzipLayer, digest]),
    );

    const config = await (await get(registry, `e2e/two-layers/blobs/${uploaded.configDigest}`)).json();
    expect(config).toMatchObject({ os: 'linux', architecture: 'amd64', config: { Cmd: ['cat', '/hello.txt'] }, rootfs: { type: 'layers', diff_ids: uploaded.diffIds } });
    expect((config as { history: unknown[] }).history).toHaveLength(2);
    const secondLayer = await bytesOf(await get(registry, `e2e/two-layers/blobs/${uploaded.layerDigests[1]}`));
    expect(gunzipSync(secondLayer)).toEqual(twoLayers[1]);
  });

  it('keeps uncompressed layers uncompressed, under the uncompressed media type', async () => {
    const uploaded = await uploadImage(registry, 'e2e/plain', 'v1', twoLayers, { mediaTypes: 'oci', gzip: false });
    expect(uploaded.layerDigests).toEqual(uploaded.diffIds);
    const manifest = (await (await get(registry, 'e2e/plain/manifests/v1', { Accept: imageMediaTypes.oci.manifest })).json()) as { layers: { mediaType: string }[] };
    expect(manifest.layers[0].mediaType).toBe(imageMediaTypes.oci.layer);
  });

  it.each<MediaTypeFamily>(['docker', 'oci'])('serves an index with %s media types and the per-platform manifests it points at', async (family) => {
    const platforms = [
      { platform: { os: 'linux', architecture: 'amd64' }, layers: [layerTar({ arch: 'amd64\n' })] },
      { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, layers: [layerTar({ arch: 'arm64\n' })], config: { Cmd: ['cat', '/arch'] } },
    ];
    const repo = `e2e/multi-${family}`;
    const uploaded = await uploadIndex(registry, repo, 'v1', platforms, { mediaTypes: family });
    const types = imageMediaTypes[family];

    const res = await get(registry, `${repo}/manifests/v1`, { Accept: types.index });
    expect(res.status).toBe(200);
    const indexBytes = await bytesOf(res);
    expect(sha256Digest(indexBytes)).toBe(uploaded.indexDigest);
    const index = JSON.parse(indexBytes.toString('utf8'));
    expect(index.mediaType).toBe(types.index);
    expect(index.manifests.map((m: { digest: string; platform: object }) => [m.digest, m.platform])).toEqual(
      uploaded.images.map((image) => [image.manifestDigest, image.platform]),
    );

    for (const image of uploaded.images) {
      const manifest = await get(registry, `${repo}/manifests/${image.manifestDigest}`, { Accept: types.manifest });
      expect(sha256Digest(await bytesOf(manifest))).toBe(image.manifestDigest);
      expect(await (await get(registry, `${repo}/blobs/${image.configDigest}`)).json()).toMatchObject(image.platform);
    }
  });

  it('serves a corrupted blob whole, under its old digest, with bytes that no longer match it', async () => {
    const uploaded = await uploadImage(registry, 'e2e/corrupted', 'v1', twoLayers, { mediaTypes: 'docker' });
    const digest = uploaded.layerDigests[0];
    const before = await bytesOf(await get(registry, `e2e/corrupted/blobs/${digest}`));

    corruptBlob(registry.dataDir, digest);

    const res = await get(registry, `e2e/corrupted/blobs/${digest}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-content-digest')).toBe(digest);
    const after = await bytesOf(res);
    expect(after).toHaveLength(before.length);
    expect(sha256Digest(after)).not.toBe(digest);
  });
});

describe('a registry with htpasswd auth', () => {
  let registry: LocalRegistry;
  beforeAll(async () => (registry = await startRegistry({ dir: join(e2eRoot, 'registry-htpasswd'), auth: { kind: 'htpasswd', ...aliceOnly } })));
  afterAll(() => registry?.stop());

  it('answers 401 with a Basic challenge unless the credentials are right', async () => {
    const anonymous = await get(registry, '');
    expect(anonymous.status).toBe(401);
    expect(parseChallenge(anonymous.headers.get('www-authenticate') ?? '')).toEqual({ scheme: 'basic', params: { realm: 'flotilla-e2e' } });
    expect((await get(registry, '', { Authorization: basicAuthorization({ ...alice, password: 'nope' }) })).status).toBe(401);
    expect((await get(registry, '', { Authorization: basicAuthorization(alice) })).status).toBe(200);
  });

  it('takes an upload with credentials only, and serves it back to them', async () => {
    await expect(uploadImage(registry, 'e2e/app', 'v1', twoLayers, { mediaTypes: 'docker' })).rejects.toThrow(/answered 401/);
    const uploaded = await uploadImage(registry, 'e2e/app', 'v1', twoLayers, { mediaTypes: 'docker', auth: alice });
    const res = await new RegistryClient(registry.address, alice).fetch('/v2/e2e/app/manifests/v1', { headers: { Accept: imageMediaTypes.docker.manifest } });
    expect(res.status).toBe(200);
    expect(sha256Digest(await bytesOf(res))).toBe(uploaded.manifestDigest);
  });
});

describe('a registry with token auth', () => {
  let registry: LocalRegistry;
  beforeAll(async () => (registry = await startRegistry({ dir: join(e2eRoot, 'registry-token'), auth: { kind: 'token', ...aliceOnly } })));
  afterAll(() => registry?.stop());

  async function challengeForManifest(repo: string) {
    const res = await get(registry, `${repo}/manifests/v1`, { Accept: imageMediaTypes.oci.manifest });
    expect(res.status).toBe(401);
    return parseChallenge(res.headers.get('www-authenticate') ?? '');
  }

  it('sends clients to its token server for a bearer token', async () => {
    expect(await challengeForManifest('e2e/app')).toEqual({
      scheme: 'bearer',
      params: { realm: expect.stringMatching(/^http:\/\/127\.0\.0\.1:[0-9]+\/token$/), service: 'flotilla-e2e-registry', scope: 'repository:e2e/app:pull' },
    });
  });

  it('turns wrong passwords away at the token server, and anonymous tokens away with insufficient_scope', async () => {
    const challenge = await challengeForManifest('e2e/app');
    await expect(fetchToken(challenge, { ...alice, password: 'nope' })).rejects.toThrow(/answered 401/);
    const anonymous = await fetchToken(challenge);
    expect(jwtPart(anonymous, 'claims').access).toEqual([]);
    const res = await get(registry, 'e2e/app/manifests/v1', { Authorization: `Bearer ${anonymous}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    await expect(uploadImage(registry, 'e2e/app', 'v1', twoLayers, { mediaTypes: 'oci' })).rejects.toThrow(/answered 401/);
  });

  it('takes an upload through the token flow and serves it to a token holder', async () => {
    const uploaded = await uploadImage(registry, 'e2e/app', 'v1', twoLayers, { mediaTypes: 'oci', auth: alice });
    const token = await fetchToken(await challengeForManifest('e2e/app'), alice);
    expect(jwtPart(token, 'header')).toMatchObject({ alg: 'ES256', x5c: [expect.any(String)] });
    expect(jwtPart(token, 'claims')).toMatchObject({
      iss: 'flotilla-e2e-token-server',
      sub: 'alice',
      aud: 'flotilla-e2e-registry',
      access: [{ type: 'repository', name: 'e2e/app', actions: ['pull'] }],
    });
    const res = await get(registry, 'e2e/app/manifests/v1', { Accept: imageMediaTypes.oci.manifest, Authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(sha256Digest(await bytesOf(res))).toBe(uploaded.manifestDigest);
  });

  it('takes an index through the token flow', async () => {
    const platforms = [{ platform: { os: 'linux', architecture: 'amd64' }, layers: twoLayers }];
    const uploaded = await uploadIndex(registry, 'e2e/multi', 'v1', platforms, { mediaTypes: 'docker', auth: alice });
    const res = await new RegistryClient(registry.address, alice).fetch('/v2/e2e/multi/manifests/v1', { headers: { Accept: imageMediaTypes.docker.index } });
    expect(res.headers.get('docker-content-digest')).toBe(uploaded.indexDigest);
  });
});

describe('registry processes', () => {
  async function refusesConnections(address: string): Promise<boolean> {
    for (let waited = 0; waited < 2_000; waited += 50) {
      const refused = await fetch(`http://${address}/v2/`).then(
        () => false,
        () => true,
      );
      if (refused) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  it('are gone after stop(), with their directory', async () => {
    const dir = join(e2eRoot, 'registry-stopped');
    const registry = await startRegistry({ dir });
    await registry.stop();
    expect(await refusesConnections(registry.address)).toBe(true);
    expect(existsSync(dir)).toBe(false);
  });

  it('are killed by killStrayRegistries when nobody stopped them', async () => {
    const dir = join(e2eRoot, 'registry-stray');
    const registry = await startRegistry({ dir });
    killStrayRegistries(dir);
    expect(await refusesConnections(registry.address)).toBe(true);
    await registry.stop();
  });
});
