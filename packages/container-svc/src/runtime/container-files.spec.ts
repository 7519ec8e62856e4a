import { containerHosts, containerResolvConf, resolvConfWith } from './container-files';

describe('containerResolvConf', () => {
  it('drops loopback name servers and keeps the rest', () => {
    expect(containerResolvConf('search lan\nnameserver 127.0.0.53\nnameserver 10.0.0.1\n')).toBe('search lan\nnameserver 10.0.0.1\n');
  });

  it('falls back to public resolvers when only loopback ones are left', () => {
    expect(containerResolvConf('nameserver 127.0.0.1\n')).toBe('nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  });
});

describe('resolvConfWith', () => {
  const host = 'search lan\nnameserver 10.0.0.1\noptions ndots:1\n';

  it('keeps the base when nothing is given', () => {
    expect(resolvConfWith(host, { servers: [], search: [], options: [] })).toBe(host);
  });

  it('replaces name servers, search domains and options independently, in dockerd\'s order', () => {
    expect(resolvConfWith(host, { servers: ['1.1.1.1', '9.9.9.9'], search: [], options: [] })).toBe('search lan\nnameserver 1.1.1.1\nnameserver 9.9.9.9\noptions ndots:1\n');
    expect(resolvConfWith(host, { servers: [], search: ['a.test', 'b.test'], options: ['ndots:3', 'timeout:1'] })).toBe(
      'search a.test b.test\nnameserver 10.0.0.1\noptions ndots:3 timeout:1\n',
    );
  });
});

describe('containerHosts', () => {
  it('appends --add-host entries, IPv6 addresses included', () => {
    expect(containerHosts(['db:10.0.0.5', 'v6:fd00::1', 'eq=10.0.0.6'])).toMatch(/ip6-allrouters\n10\.0\.0\.5\tdb\nfd00::1\tv6\n10\.0\.0\.6\teq\n$/);
  });
});
