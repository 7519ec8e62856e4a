import { registryDomain } from './server-address';

describe('registryDomain', () => {
  it.each([
    ['', 'docker.io'],
    ['https://index.docker.io/v1/', 'docker.io'],
    ['127.0.0.1:5000', '127.0.0.1:5000'],
    ['http://127.0.0.1:5000/', '127.0.0.1:5000'],
    ['Registry.Example.com/v2/', 'registry.example.com'],
  ])('%p is %p', (address, domain) => expect(registryDomain(address)).toBe(domain));
});
