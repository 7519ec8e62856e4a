import { formatPlatform, parsePlatform, platformMatches } from './platform';

describe('platforms', () => {
  it('parses os/arch[/variant] and refuses other shapes', () => {
    expect(parsePlatform('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(formatPlatform(parsePlatform('Linux/AMD64'))).toBe('linux/amd64');
    expect(() => parsePlatform('linux')).toThrow(/expected os\/arch/);
  });

  it('matches index entries by os and architecture, and by variant when one is asked for', () => {
    expect(platformMatches({ os: 'linux', architecture: 'arm', variant: 'v7' }, { os: 'linux', architecture: 'arm' })).toBe(true);
    expect(platformMatches({ os: 'linux', architecture: 'arm', variant: 'v6' }, { os: 'linux', architecture: 'arm', variant: 'v7' })).toBe(false);
    expect(platformMatches({ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe(true);
    expect(platformMatches({ os: 'windows', architecture: 'amd64' }, { os: 'linux', architecture: 'amd64' })).toBe(false);
  });
});
