import { apiClient, dockerOk } from '../support/docker-cli';
import { rawRequest } from '../support/raw-http';

describe('system endpoints', () => {
  it('answers GET and HEAD /_ping with the headers the CLI negotiates from', async () => {
    for (const method of ['GET', 'HEAD']) {
      const res = await rawRequest(method, '/_ping');
      expect(res.status).toBe(200);
      expect(res.body).toBe(method === 'GET' ? 'OK' : '');
      expect(res.headers).toMatchObject({
        'api-version': '1.45',
        'builder-version': '1',
        'docker-experimental': 'false',
        ostype: 'linux',
        swarm: 'inactive',
        'cache-control': 'no-cache, no-store, must-revalidate',
        pragma: 'no-cache',
      });
      expect(res.headers.server).toMatch(/^Docker\/\S+ \(linux\)$/);
    }
  });

  it('puts Api-Version, Ostype and Server on every response, errors included', async () => {
    for (const path of ['/v1.45/version', '/v1.41/containers/json', '/v1.45/containers/nosuch/json']) {
      const res = await rawRequest('GET', path);
      expect(res.headers['api-version']).toBe('1.45');
      expect(res.headers.ostype).toBe('linux');
      expect(res.headers.server).toMatch(/^Docker\//);
    }
  });

  it('refuses API versions outside 1.40 to 1.45 with dockerd messages', async () => {
    const tooNew = await rawRequest('GET', '/v1.99/version');
    expect(tooNew.status).toBe(400);
    expect(JSON.parse(tooNew.body)).toEqual({ message: 'client version 1.99 is too new. Maximum supported API version is 1.45' });
    const tooOld = await rawRequest('GET', '/v1.39/version');
    expect(tooOld.status).toBe(400);
    expect(tooOld.body).toMatch(/^client version 1.39 is too old. Minimum supported API version is 1.40/);
  });

  it('answers unknown routes 404 with a JSON message', async () => {
    const res = await rawRequest('GET', '/v1.45/no/such/route');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.body).toBe('{"message":"page not found"}\n');
  });

  it('is what `docker version` and `docker info` report', async () => {
    const version = JSON.parse(await dockerOk(['version', '--format', '{{json .Server}}']));
    expect(version).toMatchObject({ ApiVersion: '1.45', MinAPIVersion: '1.40', Os: 'linux' });
    const info = JSON.parse(await dockerOk(['info', '--format', '{{json .}}']));
    expect(info).toMatchObject({ OSType: 'linux', Driver: 'overlayfs', Swarm: { LocalNodeState: 'inactive' } });
    expect(info.Images).toBeGreaterThanOrEqual(1);
  });

  it('negotiates with a Docker API client', async () => {
    const client = apiClient();
    expect((await client.ping()).toString()).toBe('OK');
    expect(await client.version()).toMatchObject({ ApiVersion: '1.45' });
  });
});
