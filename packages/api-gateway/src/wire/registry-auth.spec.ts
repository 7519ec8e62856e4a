import { decodeRegistryAuthHeader } from './registry-auth';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('X-Registry-Auth', () => {
  it('is anonymous when absent or empty JSON', () => {
    expect(decodeRegistryAuthHeader(undefined).username).toBe('');
    expect(decodeRegistryAuthHeader('e30=').username).toBe('');
  });

  it('reads username and password, or the auth field of config.json', () => {
    expect(decodeRegistryAuthHeader(encode({ username: 'me', password: 'p?>w', serveraddress: '127.0.0.1:5000' }))).toMatchObject({
      username: 'me',
      password: 'p?>w',
      serverAddress: '127.0.0.1:5000',
    });
    expect(decodeRegistryAuthHeader(encode({ auth: Buffer.from('me:secret:colon').toString('base64') }))).toMatchObject({ username: 'me', password: 'secret:colon' });
  });

  it('refuses something that is not base64 JSON', () => {
    expect(() => decodeRegistryAuthHeader('not json at all')).toThrow(/invalid X-Registry-Auth/);
  });
});
