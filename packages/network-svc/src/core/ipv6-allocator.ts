import { EngineError } from '@flotilla/proto';
import { AddressBook } from './address-book.js';
import { containsIpv6, formatIpv6, ipv6SubnetOf, parseIpv6, type Ipv6Prefix } from './ipv6.js';
import type { Ipv6Range } from './network-record.js';
import { ipv6Gateway } from './network-spec.js';

/** Free addresses looked at before an IPv6 subnet counts as full: its size is no bound. */
const maxProbes = 1 << 16;

/**
 * The container addresses of one IPv6 subnet, handed out in turn from the first one after the
 * subnet's own (as dockerd gives ::2 first when ::1 is the gateway), never the gateway.
 */
export class Ipv6Allocator extends AddressBook<bigint> {
  private readonly subnet: Ipv6Prefix;
  private next: bigint;

  constructor(range: Ipv6Range) {
    const subnet = ipv6SubnetOf(range.subnet);
    super({ name: 'IPv6', parse: parseIpv6, format: formatIpv6 }, new Set([subnet.base, parseIpv6(ipv6Gateway(range))!]), (value) => containsIpv6(subnet, value));
    this.subnet = subnet;
    this.next = subnet.base + 1n;
  }

  allocate(networkName: string): string {
    for (let probe = 0; probe < maxProbes; probe++) {
      const candidate = containsIpv6(this.subnet, this.next) ? this.next : this.subnet.base + 1n;
      this.next = candidate + 1n;
      if (this.take(candidate)) return formatIpv6(candidate);
    }
    throw EngineError.unavailable(`no available IPv6 addresses on this network's address pools: ${networkName}`);
  }
}
