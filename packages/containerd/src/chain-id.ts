import { createHash } from 'node:crypto';

/**
 * The chain IDs of a layer stack (OCI image spec): chainID(0) = diffID(0), chainID(n) =
 * sha256(chainID(n-1) + " " + diffID(n)). chainID(n) names the snapshot of layers 0..n applied
 * in order, so identical stacks share snapshots across images.
 */
export function chainIds(diffIds: readonly string[]): string[] {
  const ids: string[] = [];
  for (const diffId of diffIds) {
    const parent = ids.at(-1);
    ids.push(parent === undefined ? diffId : `sha256:${createHash('sha256').update(`${parent} ${diffId}`).digest('hex')}`);
  }
  return ids;
}
