import { parseWwwAuthenticate } from './www-authenticate';

describe('parseWwwAuthenticate', () => {
  it('reads a bearer challenge the way registries send it', () => {
    expect(
      parseWwwAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'),
    ).toEqual([
      {
        scheme: 'bearer',
        params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' },
      },
    ]);
  });

  it('reads a basic challenge and several challenges in one header', () => {
    expect(parseWwwAuthenticate('Basic realm="Registry Realm", Bearer realm="http://x/token",service=reg')).toEqual([
      { scheme: 'basic', params: { realm: 'Registry Realm' } },
      { scheme: 'bearer', params: { realm: 'http://x/token', service: 'reg' } },
    ]);
  });

  it('unescapes quoted values and keeps commas inside quotes', () => {
    expect(parseWwwAuthenticate('Bearer realm="a\\"b",scope="repository:a:pull,push"')).toEqual([
      { scheme: 'bearer', params: { realm: 'a"b', scope: 'repository:a:pull,push' } },
    ]);
  });
});
