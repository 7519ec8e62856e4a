import { EngineError } from '@flotilla/proto';
import { formatIpv4, overlaps, parseIpv4Prefix, prefixSize, type Ipv4Prefix } from './ipv4.js';

/** Subnets of `size` bits cut from `base`, for networks created without one (dockerd's default-address-pools). */
export interface AddressPool {
  base: Ipv4Prefix;
  size: number;
}

/** dockerd's defaults: 172.17–172.31 as /16s, then 192.168.0.0/16 as /20s. */
export const defaultPoolsText = [...Array.from({ length: 15 }, (_, i) => `172.${17 + i}.0.0/16:16`), '192.168.0.0/16:20'].join(',');

/** `base/len:size,…`, e.g. `10.10.0.0/16:24`. */
export function parsePools(text: string): AddressPool[] {
  return text
    .split(',')
    .filter((entry) => entry.trim() !== '')
    .map((entry) => {
      const [baseText, sizeText] = entry.trim().split(':');
      const base = parseIpv4Prefix(baseText);
      const size = Number(sizeText);
      if (!base || !Number.isInteger(size) || size < base.length || size > 30) throw EngineError.invalid(`invalid address pool ${entry}: want base/length:size`);
      return { base, size };
    });
}

/** The first subnet of the pools that overlaps nothing taken (networks, and the host's own routes). */
export function freeSubnet(pools: readonly AddressPool[], taken: readonly Ipv4Prefix[]): Ipv4Prefix | undefined {
  for (const pool of pools) {
    const count = prefixSize(pool.base.length) / prefixSize(pool.size);
    for (let i = 0; i < count; i++) {
      const candidate = { base: pool.base.base + i * prefixSize(pool.size), length: pool.size };
      if (!taken.some((t) => overlaps(t, candidate))) return candidate;
    }
  }
  return undefined;
}

/** The gateway Docker picks: the subnet's first address. */
export function firstHost(subnet: Ipv4Prefix): string {
  return formatIpv4(subnet.base + 1);
}
