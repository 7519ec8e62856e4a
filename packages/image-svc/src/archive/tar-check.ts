import { EngineError } from '@flotilla/proto';

const block = 512;

/** Whether 512 bytes are a tar header: its checksum field matches its bytes. */
export function isTarHeader(header: Uint8Array): boolean {
  if (header.length < block) return false;
  const stored = parseInt(Buffer.from(header.subarray(148, 156)).toString('ascii').replace(/\0.*$/, '').trim(), 8);
  let sum = 0;
  for (let i = 0; i < block; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  return stored === sum;
}

/**
 * Passes a stream through, refusing it at once when it does not start like a tar archive, so a
 * wrong upload is a clear 400 rather than a failure deep in containerd.
 */
export async function* requireTar(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const head: Uint8Array[] = [];
  let headLength = 0;
  let checked = false;
  for await (const chunk of source) {
    if (checked) {
      yield chunk;
      continue;
    }
    head.push(chunk);
    headLength += chunk.length;
    if (headLength < block) continue;
    const bytes = Buffer.concat(head);
    if (!isTarHeader(bytes.subarray(0, block))) throw EngineError.invalid('the archive is not a tar file');
    checked = true;
    yield bytes;
  }
  if (!checked) throw EngineError.invalid('the archive is not a tar file');
}
