import { EngineError } from '@flotilla/proto';
import { containsIpv6, formatIpv6, ipv6SubnetOf, parseIpv6, type Ipv6Prefix } from './ipv6.js';
import type { Ipv6Range } from './network-record.js';
import { ipv6Gateway } from './network-spec.js';

/** Free addresses looked at before an IPv6 subnet counts as full: its size is no bound. */
const maxProbes = 1 << 16;

/**
 * The container addresses of one IPv6 subnet, handed out in turn from the first one after the
 * subnet's own (as dockerd gives ::2 first when ::1 is the gateway), never the gateway.
 */
export class Ipv6Allocator {
  private readonly subnet: Ipv6Prefix;
  private readonly reserved: ReadonlySet<bigint>;
  private readonly used = new Set<bigint>();
  private next: bigint;

  constructor(range: Ipv6Range) {
    this.subnet = ipv6SubnetOf(range.subnet);
    this.reserved = new Set([this.subnet.base, parseIpv6(ipv6Gateway(range))!]);
    this.next = this.subnet.base + 1n;
  }

  allocate(networkName: string): string {
    for (let probe = 0; probe < maxProbes; probe++) {
      const candidate = containsIpv6(this.subnet, this.next) ? this.next : this.subnet.base + 1n;
      this.next = candidate + 1n;
      if (this.reserved.has(candidate) || this.used.has(candidate)) continue;
      this.used.add(candidate);
      return formatIpv6(candidate);
    }
    throw EngineError.unavailable(`no available IPv6 addresses on this network's address pools: ${networkName}`);
  }

  /** Takes a given address (--ip6, or one recorded before a restart). */
  claim(address: string): string {
    const value = parseIpv6(address);
    if (value === undefined) throw EngineError.invalid(`invalid IPv6 address: ${address}`);
    if (!containsIpv6(this.subnet, value)) throw EngineError.invalid(`no configured subnet or ip-range contain the IP address ${address}`);
    if (this.used.has(value) || this.reserved.has(value)) throw EngineError.forbidden('Address already in use');
    this.used.add(value);
    return formatIpv6(value);
  }

  release(address: string): void {
    const value = parseIpv6(address);
    if (value !== undefined) this.used.delete(value);
  }
}
