import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Flips every bit of a blob in a registry's filesystem storage (`dataDir` of a LocalRegistry). The
 * length stays, so the registry still serves it whole under the old digest and Content-Length: only
 * a client that verifies what it downloads notices.
 */
export function corruptBlob(dataDir: string, digest: string): void {
  const [algorithm, hex] = digest.split(':');
  const path = join(dataDir, 'docker', 'registry', 'v2', 'blobs', algorithm, hex.slice(0, 2), hex, 'data');
  writeFileSync(path, readFileSync(path).map((byte) => ~byte));
}
