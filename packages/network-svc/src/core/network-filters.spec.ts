import { networkFilter, pruneFilter } from './network-filters';
import type { NetworkRecord } from './network-record';

const network = (name: string, over: Partial<NetworkRecord> = {}) => ({ id: `${name}-id`, name, driver: 'bridge', predefined: false, labels: {}, created: '2026-01-01T00:00:00Z', ...over }) as NetworkRecord;
const networks = [network('bridge', { predefined: true }), network('host', { driver: 'host', predefined: true }), network('app', { labels: { tier: 'web' } }), network('app-db')];
const used = new Set(['app-id']);
const names = (filters: Record<string, string[]>) => networks.filter(networkFilter(filters, (n) => used.has(n.id))).map((n) => n.name);

describe('networkFilter', () => {
  it('matches names as regular expressions, as dockerd does', () => {
    expect(names({ name: ['^app$'] })).toEqual(['app']);
    expect(names({ name: ['app'] })).toEqual(['app', 'app-db']);
  });

  it('tells built-in from custom networks, and dangling ones', () => {
    expect(names({ type: ['builtin'] })).toEqual(['bridge', 'host']);
    expect(names({ dangling: ['true'] })).toEqual(['app-db']);
    expect(names({ driver: ['host'] })).toEqual(['host']);
    expect(names({ label: ['tier=web'] })).toEqual(['app']);
  });

  it('refuses unknown keys and values', () => {
    expect(() => names({ colour: ['red'] })).toThrow("Invalid filter 'colour'");
    expect(() => names({ type: ['other'] })).toThrow("invalid filter: 'type'='other'");
    expect(() => names({ dangling: ['maybe'] })).toThrow("Invalid filter 'dangling=maybe'");
  });
});

describe('pruneFilter', () => {
  const now = Date.parse('2026-06-01T00:00:00Z');
  it('takes networks created before until, with or without a label', () => {
    expect(networks.filter(pruneFilter({ until: ['2025-01-01T00:00:00Z'] }, now))).toEqual([]);
    expect(networks.filter(pruneFilter({ until: ['24h'], 'label!': ['tier'] }, now)).map((n) => n.name)).toEqual(['bridge', 'host', 'app-db']);
  });

  it('refuses a bad until', () => {
    expect(() => pruneFilter({ until: ['soon'] }, now)).toThrow('failed to parse value soon of filter until');
  });
});
