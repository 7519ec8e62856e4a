import { EngineError } from '@flotilla/proto';

/** An IPv4 prefix: its first address as a 32-bit number, and its length. */
export interface Ipv4Prefix {
  base: number;
  length: number;
}

/** `10.1.2.3` as a 32-bit number; undefined when it is not a dotted quad. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** How many addresses a prefix of this length holds. */
export function prefixSize(length: number): number {
  return 2 ** (32 - length);
}

/** `10.1.0.0/16`; an address with host bits set is refused unless `allowHostBits` (it is then masked). */
export function parseIpv4Prefix(text: string, allowHostBits = false): Ipv4Prefix | undefined {
  const match = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!match) return undefined;
  const address = parseIpv4(match[1]);
  const length = Number(match[2]);
  if (address === undefined || length > 32) return undefined;
  const base = address - (address % prefixSize(length));
  if (base !== address && !allowHostBits) return undefined;
  return { base, length };
}

export function formatPrefix(prefix: Ipv4Prefix): string {
  return `${formatIpv4(prefix.base)}/${prefix.length}`;
}

export function contains(prefix: Ipv4Prefix, address: number): boolean {
  return address >= prefix.base && address < prefix.base + prefixSize(prefix.length);
}

export function overlaps(a: Ipv4Prefix, b: Ipv4Prefix): boolean {
  return contains(a, b.base) || contains(b, a.base);
}

/** Like parseIpv4Prefix, with Docker's message for a bad subnet. */
export function subnetOf(text: string): Ipv4Prefix {
  const prefix = parseIpv4Prefix(text, true);
  if (!prefix) throw EngineError.invalid(`Invalid subnet ${text} : invalid CIDR address: ${text}`);
  return prefix;
}

/** Docker's MAC address for an IPv4 address: 02:42 followed by the address's four bytes. */
export function macForAddress(address: number): string {
  return ['02', '42', ...formatIpv4(address).split('.').map((b) => Number(b).toString(16).padStart(2, '0'))].join(':');
}
