import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { EngineError } from '@flotilla/proto';

const magic = {
  gzip: [0x1f, 0x8b],
  bzip2: [0x42, 0x5a, 0x68],
  xz: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
  zstd: [0x28, 0xb5, 0x2f, 0xfd],
};

/** Node decodes gzip itself; the others go through the Debian tools, as dockerd uses xz and unpigz. */
const decompressors = { bzip2: 'bzip2', xz: 'xz', zstd: 'zstd' } as const;

const startsWith = (bytes: Uint8Array, prefix: number[]) => prefix.every((b, i) => bytes[i] === b);

/** Pipes the stream through `<tool> -dc`; a corrupt stream or a missing tool is the caller's 400/500. */
async function* throughTool(tool: string, source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const child = spawn(tool, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve, reject) => child.once('error', reject).once('close', resolve));
  // Feeding stops early when the tool gives up; its exit status says why.
  const feeding = pipeline(Readable.from(source), child.stdin).catch(() => undefined);
  try {
    yield* child.stdout as AsyncIterable<Uint8Array>;
    await feeding;
    const code = await exited.catch((err: NodeJS.ErrnoException) => {
      throw new EngineError('internal', `cannot run ${tool} to decompress the archive: ${err.message}`, { cause: err });
    });
    if (code !== 0) throw EngineError.invalid(`the ${tool}-compressed archive is corrupt: ${stderr.trim() || `${tool} exited with ${code}`}`);
  } finally {
    if (child.exitCode === null) child.kill();
  }
}

/**
 * A tar stream as `docker import` may send it: plain, gzip, bzip2, xz or zstd compressed
 * (detected from the first bytes, as dockerd does).
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
    if (startsWith(head, magic[name])) {
      yield* throughTool(decompressors[name], rest());
      return;
    }
  }
  yield* rest();
}
