import { EngineError } from '@flotilla/proto';

/** An IPv6 prefix: its first address as a 128-bit number, and its length. */
export interface Ipv6Prefix {
  base: bigint;
  length: number;
}

const groupOf = (group: string) => (/^[0-9a-f]{1,4}$/i.test(group) ? BigInt(`0x${group}`) : undefined);

/** `fd00::1` as a 128-bit number; undefined when it is not an IPv6 address (zones and embedded IPv4 are not taken). */
export function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const [head, tail] = halves.map((half) => (half === '' ? [] : half.split(':')));
  const missing = 8 - head.length - (tail?.length ?? 0);
  if (tail ? missing < 1 : missing !== 0) return undefined;
  let value = 0n;
  for (const group of [...head, ...Array<string>(tail ? missing : 0).fill('0'), ...(tail ?? [])]) {
    const part = groupOf(group);
    if (part === undefined) return undefined;
    value = (value << 16n) | part;
  }
  return value;
}

/** RFC 5952's form: lowercase, no leading zeros, the longest run of two or more zero groups as `::`. */
export function formatIpv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = { start: -1, length: 1 };
  for (let start = 0; start < 8; ) {
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > best.length) best = { start, length: end - start };
    start = end === start ? start + 1 : end;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.start < 0) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}

/** `fd00::/64`, host bits masked; Docker's message when it is not one. */
export function ipv6SubnetOf(text: string): Ipv6Prefix {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text);
  const address = match ? parseIpv6(match[1]) : undefined;
  const length = Number(match?.[2]);
  if (address === undefined || length > 128) throw EngineError.invalid(`Invalid subnet ${text} : invalid CIDR address: ${text}`);
  const hostBits = BigInt(128 - length);
  return { base: (address >> hostBits) << hostBits, length };
}

export function formatIpv6Prefix(prefix: Ipv6Prefix): string {
  return `${formatIpv6(prefix.base)}/${prefix.length}`;
}

export function containsIpv6(prefix: Ipv6Prefix, address: bigint): boolean {
  return address >> BigInt(128 - prefix.length) === prefix.base >> BigInt(128 - prefix.length);
}

export function overlapsIpv6(a: Ipv6Prefix, b: Ipv6Prefix): boolean {
  return containsIpv6(a, b.base) || containsIpv6(b, a.base);
}
