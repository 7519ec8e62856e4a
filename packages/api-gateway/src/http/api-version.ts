/**
 * API version negotiation as dockerd does it: paths may carry a `/v1.xx` prefix; no prefix means
 * the newest version. Versions outside [min, max] are refused with dockerd's messages.
 */
export const maxApiVersion = '1.45';
export const minApiVersion = '1.40';

export function compareApiVersions(a: string, b: string): number {
  // The same few pairs are compared many times per response (for each container of a list);
  // the cache is bounded, since clients choose the versions.
  const key = `${a} ${b}`;
  let order = comparisons.get(key);
  if (order === undefined) {
    order = compareParsed(a, b);
    if (comparisons.size < maxCachedComparisons) comparisons.set(key, order);
  }
  return order;
}

const maxCachedComparisons = 256;
const comparisons = new Map<string, number>();

function compareParsed(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

export interface VersionedPath {
  /** The requested version, or the newest when the path has no prefix. */
  version: string;
  path: string;
}

export function splitVersionPrefix(pathname: string): VersionedPath {
  const match = /^\/v([0-9]+(?:\.[0-9]+)*)(\/.*)$/.exec(pathname);
  if (!match) return { version: maxApiVersion, path: pathname };
  return { version: match[1], path: match[2] };
}

export type VersionCheck = { ok: true } | { ok: false; tooNew: boolean; message: string };

export function checkApiVersion(version: string): VersionCheck {
  if (compareApiVersions(version, maxApiVersion) > 0) {
    return { ok: false, tooNew: true, message: `client version ${version} is too new. Maximum supported API version is ${maxApiVersion}` };
  }
  if (compareApiVersions(version, minApiVersion) < 0) {
    return {
      ok: false,
      tooNew: false,
      message: `client version ${version} is too old. Minimum supported API version is ${minApiVersion}, please upgrade your client to a newer version`,
    };
  }
  return { ok: true };
}
