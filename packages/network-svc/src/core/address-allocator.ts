import { EngineError } from '@flotilla/proto';
import { AddressBook } from './address-book.js';
import type { IpamRange } from './network-record.js';
import { contains, formatIpv4, parseIpv4, parseIpv4Prefix, prefixSize, type Ipv4Prefix } from './ipv4.js';

/**
 * The container addresses of one subnet. Like Docker's IPAM it hands them out in turn, wrapping
 * around, so that an address just released is not given again at once (peers may still cache
 * it). The network and broadcast addresses, the gateway and the auxiliary addresses are never given.
 */
export class AddressAllocator extends AddressBook<number> {
  private readonly pool: Ipv4Prefix;
  private next: number;

  constructor(range: IpamRange) {
    const subnet = parseIpv4Prefix(range.subnet, true)!;
    const reserved = [subnet.base, subnet.base + prefixSize(subnet.length) - 1, parseIpv4(range.gateway)!, ...Object.values(range.auxAddresses).map((aux) => parseIpv4(aux)!)];
    super({ name: 'IPv4', parse: parseIpv4, format: formatIpv4 }, new Set(reserved), (value) => contains(subnet, value));
    this.pool = range.ipRange ? parseIpv4Prefix(range.ipRange, true)! : subnet;
    this.next = this.pool.base;
  }

  /** Takes the next free address of the pool. */
  allocate(networkName: string): string {
    const size = prefixSize(this.pool.length);
    for (let i = 0; i < size; i++) {
      const candidate = this.pool.base + ((this.next - this.pool.base + i) % size);
      if (!this.take(candidate)) continue;
      this.next = candidate + 1;
      return formatIpv4(candidate);
    }
    throw EngineError.unavailable(`no available IPv4 addresses on this network's address pools: ${networkName}`);
  }
}
