import { AddressAllocator } from './address-allocator';

const range = { subnet: '10.9.0.0/29', gateway: '10.9.0.1', auxAddresses: { printer: '10.9.0.3' } };

describe('AddressAllocator', () => {
  it('never gives the network, broadcast, gateway or auxiliary addresses', () => {
    const allocator = new AddressAllocator(range);
    const given = [1, 2, 3, 4].map(() => allocator.allocate('net'));
    expect(given).toEqual(['10.9.0.2', '10.9.0.4', '10.9.0.5', '10.9.0.6']);
    expect(() => allocator.allocate('net')).toThrow('no available IPv4 addresses on this network');
  });

  it('hands addresses out in turn, so one just released is not given again at once', () => {
    const allocator = new AddressAllocator(range);
    const first = allocator.allocate('net');
    allocator.release(first);
    expect(allocator.allocate('net')).toBe('10.9.0.4');
  });

  it('takes addresses from the ip-range only', () => {
    const allocator = new AddressAllocator({ subnet: '10.9.0.0/24', ipRange: '10.9.0.128/25', gateway: '10.9.0.1', auxAddresses: {} });
    expect(allocator.allocate('net')).toBe('10.9.0.128');
  });

  it('claims a given address once, within the subnet', () => {
    const allocator = new AddressAllocator(range);
    allocator.claim('10.9.0.5');
    expect(() => allocator.claim('10.9.0.5')).toThrow('Address already in use');
    expect(() => allocator.claim('10.9.0.1')).toThrow('Address already in use');
    expect(() => allocator.claim('10.8.0.5')).toThrow('no configured subnet or ip-range contain the IP address 10.8.0.5');
    expect(allocator.inUse()).toBe(1);
  });
});
