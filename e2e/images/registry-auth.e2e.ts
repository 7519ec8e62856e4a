import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { docker, dockerOk } from '../support/docker-cli';
import { e2eRoot, settings } from '../support/engine';
import { rawRequest } from '../support/raw-http';
import { startRegistry, type LocalRegistry } from '../support/registry/local-registry';

const users = { alice: 'wonderland' };

describe.each(['htpasswd', 'token'] as const)('a registry with %s authentication', (kind) => {
  let registry: LocalRegistry;
  const name = () => `${registry.address}/private/busybox:v1`;

  beforeAll(async () => {
    registry = await startRegistry({ dir: join(e2eRoot, `registry-${kind}`), auth: { kind, users } });
    await dockerOk(['tag', settings().image, name()]);
  });

  afterAll(async () => {
    await docker(['logout', registry.address]);
    await docker(['rmi', name()]);
    await registry.stop();
  });

  it('refuses a push without credentials', async () => {
    const result = await docker(['push', name()]);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/unauthorized|denied|authentication required/);
  });

  it('refuses a login with a wrong password, with 401', async () => {
    const result = await docker(['login', registry.address, '-u', 'alice', '--password-stdin'], { input: 'wrong' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/unauthorized|incorrect username or password/);
    const res = await rawRequest('POST', '/v1.45/auth', JSON.stringify({ username: 'alice', password: 'wrong', serveraddress: registry.address }), {
      'Content-Type': 'application/json',
    });
    expect(res.status).toBe(401);
  });

  it('logs in, then pushes and pulls with the stored credentials', async () => {
    const login = await docker(['login', registry.address, '-u', 'alice', '--password-stdin'], { input: users.alice });
    expect(login.code).toBe(0);
    expect(login.stdout).toContain('Login Succeeded');
    await dockerOk(['push', name()]);
    await dockerOk(['rmi', name()]);
    await dockerOk(['pull', name()]);
    expect(await dockerOk(['run', '--rm', name(), 'echo', 'authenticated'])).toBe('authenticated\n');
  });

  it('refuses a pull once logged out', async () => {
    await dockerOk(['logout', registry.address]);
    await dockerOk(['rmi', name()]);
    const result = await docker(['pull', name()]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/pull access denied|unauthorized/);
    await dockerOk(['tag', settings().image, name()]);
  });
});

describe('a token server that gives identity tokens', () => {
  let registry: LocalRegistry;
  const name = () => `${registry.address}/private/identity:v1`;
  const dockerConfig = () => JSON.parse(readFileSync(join(e2eRoot, 'docker-config', 'config.json'), 'utf8'));

  beforeAll(async () => {
    registry = await startRegistry({ dir: join(e2eRoot, 'registry-identity'), auth: { kind: 'token', users } });
    await dockerOk(['tag', settings().image, name()]);
  });

  afterAll(async () => {
    await docker(['logout', registry.address]);
    await docker(['rmi', name()]);
    await registry.stop();
  });

  it('answers a login with an identity token, which the CLI stores and later pushes and pulls use', async () => {
    const res = await rawRequest('POST', '/v1.45/auth', JSON.stringify({ username: 'alice', password: users.alice, serveraddress: registry.address }), {
      'Content-Type': 'application/json',
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ Status: 'Login Succeeded', IdentityToken: expect.stringMatching(/.+/) });

    await dockerOk(['login', registry.address, '-u', 'alice', '--password-stdin'], { input: users.alice });
    expect(dockerConfig().auths[registry.address].identitytoken).toMatch(/.+/);
    const grantsBefore = registry.tokenServer!.oauthGrants();
    await dockerOk(['push', name()]);
    await dockerOk(['rmi', name()]);
    await dockerOk(['pull', name()]);
    expect(registry.tokenServer!.oauthGrants()).toBeGreaterThan(grantsBefore);
  });
});
