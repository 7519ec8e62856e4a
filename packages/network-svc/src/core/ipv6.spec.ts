import { formatIpv6, ipv6SubnetOf, overlapsIpv6, parseIpv6 } from './ipv6';
import { Ipv6Allocator } from './ipv6-allocator';

describe('IPv6 addresses', () => {
  it.each([
    ['::', '::'],
    ['::1', '::1'],
    ['fd00:0:0:0:0:0:0:2', 'fd00::2'],
    ['FD00:0:0:1:0:0:0:0', 'fd00:0:0:1::'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1:0:3:4:5:6:7:8', '1:0:3:4:5:6:7:8'],
  ])('reads %s and writes it as %s', (text, formatted) => {
    expect(formatIpv6(parseIpv6(text)!)).toBe(formatted);
  });

  it.each(['1::2::3', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', 'fd00::g', '10.0.0.1', '1:2:3:4:5:6:7::8'])('refuses %s', (text) => {
    expect(parseIpv6(text)).toBeUndefined();
  });

  it('masks host bits of a subnet and tells overlaps, with Docker\'s message for a bad one', () => {
    expect(ipv6SubnetOf('fd00:1::5/64')).toEqual({ base: parseIpv6('fd00:1::'), length: 64 });
    expect(overlapsIpv6(ipv6SubnetOf('fd00::/48'), ipv6SubnetOf('fd00:0:0:7::/64'))).toBe(true);
    expect(overlapsIpv6(ipv6SubnetOf('fd00:1::/64'), ipv6SubnetOf('fd00:2::/64'))).toBe(false);
    expect(() => ipv6SubnetOf('fd00::/129')).toThrow('Invalid subnet fd00::/129 : invalid CIDR address: fd00::/129');
  });

  it('hands out addresses after the subnet\'s own, skipping the gateway and those taken, then wraps', () => {
    const allocator = new Ipv6Allocator({ subnet: 'fd00::/126', gateway: '' });
    expect(allocator.claim('fd00:0::3')).toBe('fd00::3');
    expect(allocator.allocate('v6')).toBe('fd00::2');
    expect(() => allocator.allocate('v6')).toThrow('no available IPv6 addresses');
    allocator.release('fd00::3');
    expect(allocator.allocate('v6')).toBe('fd00::3');
    expect(() => allocator.claim('fd00::1')).toThrow('Address already in use');
    expect(() => allocator.claim('fd01::1')).toThrow('no configured subnet or ip-range contain the IP address fd01::1');
  });
});
