import { defaultPoolsText, firstHost, freeSubnet, parsePools } from './address-pools';
import { formatPrefix, parseIpv4Prefix } from './ipv4';

const prefix = (text: string) => parseIpv4Prefix(text)!;

describe('address pools', () => {
  it('start with dockerd’s defaults', () => {
    const pools = parsePools(defaultPoolsText);
    expect(formatPrefix(freeSubnet(pools, [])!)).toBe('172.17.0.0/16');
  });

  it('skip subnets that networks or the host’s routes take', () => {
    const pools = parsePools('10.10.0.0/16:24');
    const subnet = freeSubnet(pools, [prefix('10.10.0.0/24'), prefix('10.10.1.128/25')])!;
    expect(formatPrefix(subnet)).toBe('10.10.2.0/24');
    expect(firstHost(subnet)).toBe('10.10.2.1');
  });

  it('run out', () => {
    expect(freeSubnet(parsePools('10.10.0.0/24:25'), [prefix('10.10.0.0/24')])).toBeUndefined();
  });

  it('refuse malformed configuration', () => {
    expect(() => parsePools('10.10.0.0/16:8')).toThrow('invalid address pool');
    expect(() => parsePools('10.10.0.1/16:24')).toThrow('invalid address pool');
  });
});
