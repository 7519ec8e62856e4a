import { containerResolvConf } from './container-files';

describe('containerResolvConf', () => {
  it('drops loopback name servers and keeps the rest', () => {
    expect(containerResolvConf('search lan\nnameserver 127.0.0.53\nnameserver 10.0.0.1\n')).toBe('search lan\nnameserver 10.0.0.1\n');
  });

  it('falls back to public resolvers when only loopback ones are left', () => {
    expect(containerResolvConf('nameserver 127.0.0.1\n')).toBe('nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  });
});
