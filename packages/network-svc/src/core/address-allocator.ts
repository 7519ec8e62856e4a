import { EngineError } from '@flotilla/proto';
import type { IpamRange } from './network-record.js';
import { contains, formatIpv4, parseIpv4, parseIpv4Prefix, prefixSize, type Ipv4Prefix } from './ipv4.js';

/**
 * The container addresses of one subnet. Like Docker's IPAM it hands them out in turn, wrapping
 * around, so that an address just released is not given again at once (peers may still cache
 * it). The network and broadcast addresses, the gateway and the auxiliary addresses are never given.
 */
export class AddressAllocator {
  private readonly subnet: Ipv4Prefix;
  private readonly pool: Ipv4Prefix;
  private readonly reserved = new Set<number>();
  private readonly used = new Set<number>();
  private next: number;

  constructor(range: IpamRange) {
    this.subnet = parseIpv4Prefix(range.subnet, true)!;
    this.pool = range.ipRange ? parseIpv4Prefix(range.ipRange, true)! : this.subnet;
    this.reserved.add(this.subnet.base);
    this.reserved.add(this.subnet.base + prefixSize(this.subnet.length) - 1);
    this.reserved.add(parseIpv4(range.gateway)!);
    for (const aux of Object.values(range.auxAddresses)) this.reserved.add(parseIpv4(aux)!);
    this.next = this.pool.base;
  }

  /** Takes the next free address of the pool. */
  allocate(networkName: string): string {
    const size = prefixSize(this.pool.length);
    for (let i = 0; i < size; i++) {
      const candidate = this.pool.base + ((this.next - this.pool.base + i) % size);
      if (this.reserved.has(candidate) || this.used.has(candidate)) continue;
      this.used.add(candidate);
      this.next = candidate + 1;
      return formatIpv4(candidate);
    }
    throw EngineError.unavailable(`no available IPv4 addresses on this network's address pools: ${networkName}`);
  }

  /** Takes a given address (--ip, or one recorded before a restart). */
  claim(address: string): void {
    const value = parseIpv4(address);
    if (value === undefined) throw EngineError.invalid(`invalid IPv4 address: ${address}`);
    if (!contains(this.subnet, value)) throw EngineError.invalid(`no configured subnet or ip-range contain the IP address ${address}`);
    if (this.used.has(value) || this.reserved.has(value)) throw EngineError.forbidden('Address already in use');
    this.used.add(value);
  }

  release(address: string): void {
    const value = parseIpv4(address);
    if (value !== undefined) this.used.delete(value);
  }

  inUse(): number {
    return this.used.size;
  }
}
