/**
 * Writes a ustar archive as a stream of chunks: entries of known size whose contents are
 * streams themselves, so an archive of gigabytes of layers never sits in memory.
 */
export interface TarEntry {
  /** At most 100 bytes: the archives written here have short, fixed-shape names. */
  name: string;
  size: number;
  content: AsyncIterable<Uint8Array> | Uint8Array;
  type?: 'file' | 'directory';
}

const block = 512;

function octal(value: number, length: number): string {
  return value.toString(8).padStart(length - 1, '0') + '\0';
}

export function tarHeader(entry: Pick<TarEntry, 'name' | 'size' | 'type'>): Buffer {
  const name = Buffer.from(entry.name);
  if (name.length > 100) throw new Error(`tar entry name too long: ${entry.name}`);
  const header = Buffer.alloc(block);
  name.copy(header, 0);
  const directory = entry.type === 'directory';
  header.write(octal(directory ? 0o755 : 0o644, 8), 100, 'ascii');
  header.write(octal(0, 8), 108, 'ascii');
  header.write(octal(0, 8), 116, 'ascii');
  header.write(octal(directory ? 0 : entry.size, 12), 124, 'ascii');
  header.write(octal(0, 12), 136, 'ascii');
  header.write('        ', 148, 'ascii');
  header.write(directory ? '5' : '0', 156, 'ascii');
  header.write('ustar\u000000', 257, 'ascii');
  let checksum = 0;
  for (const byte of header) checksum += byte;
  header.write(octal(checksum, 7) + ' ', 148, 'ascii');
  return header;
}

/** The archive's bytes; a content stream that is shorter or longer than announced is an error. */
export async function* writeTar(entries: AsyncIterable<TarEntry> | Iterable<TarEntry>): AsyncGenerator<Uint8Array> {
  for await (const entry of entries) {
    yield tarHeader(entry);
    if (entry.type === 'directory') continue;
    let written = 0;
    for await (const chunk of entry.content instanceof Uint8Array ? [entry.content] : entry.content) {
      written += chunk.length;
      yield chunk;
    }
    if (written !== entry.size) throw new Error(`tar entry ${entry.name}: ${written} bytes written, ${entry.size} announced`);
    const padding = (block - (written % block)) % block;
    if (padding) yield Buffer.alloc(padding);
  }
  yield Buffer.alloc(block * 2);
}
