import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { EngineError } from '@flotilla/proto';

const magic = {
  gzip: [0x1f, 0x8b],
  bzip2: [0x42, 0x5a, 0x68],
  xz: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
  zstd: [0x28, 0xb5, 0x2f, 0xfd],
};

const startsWith = (bytes: Uint8Array, prefix: number[]) => prefix.every((b, i) => bytes[i] === b);

/**
 * A tar stream as `docker import` may send it: plain or gzip-compressed (detected from the first
 * bytes, as dockerd does). Compressions Node cannot decode in-process are refused clearly.
 */
export async function* decompressed(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done || first.value.length === 0) throw EngineError.invalid('the archive is empty');
  const head = first.value;
  const rest = async function* () {
    yield head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  };
  if (startsWith(head, magic.gzip)) {
    yield* Readable.from(rest()).pipe(createGunzip()) as AsyncIterable<Uint8Array>;
    return;
  }
  for (const name of ['bzip2', 'xz', 'zstd'] as const) {
    if (startsWith(head, magic[name])) throw EngineError.notImplemented(`${name}-compressed archives are not supported yet; send a plain or gzip tar`);
  }
  yield* rest();
}
