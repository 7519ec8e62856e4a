import { registryEndpoints, validateRegistryConfig } from './registry-hosts';

describe('registryEndpoints', () => {
  it('sends Docker Hub requests to its API host over HTTPS', () => {
    expect(registryEndpoints('docker.io', {}, 'pull')).toEqual([{ url: 'https://registry-1.docker.io', mirror: false }]);
  });

  it('talks plain HTTP to loopback registries only, unless configured insecure', () => {
    expect(registryEndpoints('127.0.0.1:5000', {}, 'pull')[0].url).toBe('http://127.0.0.1:5000');
    expect(registryEndpoints('localhost:5000', {}, 'pull')[0].url).toBe('http://localhost:5000');
    expect(registryEndpoints('registry.lan:5000', {}, 'pull')[0].url).toBe('https://registry.lan:5000');
    expect(registryEndpoints('registry.lan:5000', { registries: { 'registry.lan:5000': { insecure: true } } }, 'pull')[0].url).toBe(
      'http://registry.lan:5000',
    );
  });

  it('tries mirrors first when pulling, never when pushing, for any registry', () => {
    const config = { registries: { 'quay.io': { mirrors: ['http://127.0.0.1:5001/'], endpoint: 'https://quay.internal:8443' } } };
    expect(registryEndpoints('quay.io', config, 'pull')).toEqual([
      { url: 'http://127.0.0.1:5001', mirror: true },
      { url: 'https://quay.internal:8443', mirror: false },
    ]);
    expect(registryEndpoints('quay.io', config, 'push')).toEqual([{ url: 'https://quay.internal:8443', mirror: false }]);
  });

  it('refuses a config with an address that is not an http(s) URL', () => {
    expect(() => validateRegistryConfig({ registries: { 'docker.io': { mirrors: ['ftp://x'] } } })).toThrow(/not an http\(s\) URL/);
  });
});
