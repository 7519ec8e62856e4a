import { EngineError } from '@flotilla/proto';
import { isTarHeader } from './tar-check.js';

export interface TarEntryHeader {
  name: string;
  size: number;
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';
  /** For links. */
  linkName: string;
}

export interface TarEntryStream {
  header: TarEntryHeader;
  /** Must be read to the end (or not at all) before the next entry is asked for. */
  body: AsyncIterable<Uint8Array>;
}

const block = 512;

/** Reads exactly the bytes asked for from a stream of chunks. */
class ByteReader {
  private buffered: Uint8Array[] = [];
  private bufferedLength = 0;
  private done = false;

  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  private async fill(wanted: number): Promise<boolean> {
    while (this.bufferedLength < wanted && !this.done) {
      const next = await this.source.next();
      if (next.done) this.done = true;
      else if (next.value.length) {
        this.buffered.push(next.value);
        this.bufferedLength += next.value.length;
      }
    }
    return this.bufferedLength >= wanted;
  }

  /** Exactly `length` bytes, or undefined at the end of the stream. */
  async read(length: number): Promise<Buffer | undefined> {
    if (!(await this.fill(length))) return undefined;
    const all = Buffer.concat(this.buffered);
    this.buffered = all.length > length ? [all.subarray(length)] : [];
    this.bufferedLength = all.length - length;
    return all.subarray(0, length);
  }

  /** Up to `limit` bytes as they come, for streaming a body. */
  async readUpTo(limit: number): Promise<Uint8Array | undefined> {
    if (!(await this.fill(1))) return undefined;
    const first = this.buffered[0];
    if (first.length <= limit) {
      this.buffered.shift();
      this.bufferedLength -= first.length;
      return first;
    }
    this.buffered[0] = first.subarray(limit);
    this.bufferedLength -= limit;
    return first.subarray(0, limit);
  }
}

const text = (header: Buffer, offset: number, length: number) => {
  const raw = header.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('utf8');
};

function parseSize(header: Buffer): number {
  // Sizes over 8 GiB use GNU's base-256 form.
  if (header[124] & 0x80) return Number(header.subarray(125, 136).readBigUInt64BE(3));
  return parseInt(text(header, 124, 12).trim() || '0', 8);
}

/** PAX records (`len key=value\n`): only the path and link path matter here. */
function parsePax(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const length = parseInt(data.subarray(at, space).toString('ascii'), 10);
    if (!length) break;
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    records[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return records;
}

const types: Record<string, TarEntryHeader['type']> = { '0': 'file', '\0': 'file', '7': 'file', '5': 'directory', '2': 'symlink', '1': 'hardlink' };

/**
 * Streams the entries of a tar archive (ustar, with PAX and GNU long names as docker save and
 * other tools write them), never holding more than one chunk of a body in memory.
 */
export async function* readTar(source: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntryStream> {
  const reader = new ByteReader(source[Symbol.asyncIterator]());
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};
  for (;;) {
    const header = await reader.read(block);
    if (!header) throw EngineError.invalid('the archive ends in the middle of an entry');
    if (header.every((b) => b === 0)) return;
    if (!isTarHeader(header)) throw EngineError.invalid('the archive is not a tar file');
    const size = parseSize(header);
    const padded = Math.ceil(size / block) * block;
    const flag = String.fromCharCode(header[156]);
    if (flag === 'L' || flag === 'K' || flag === 'x' || flag === 'g') {
      const data = (await reader.read(padded))?.subarray(0, size);
      if (!data) throw EngineError.invalid('the archive ends in the middle of an entry');
      if (flag === 'L') longName = text(data, 0, data.length);
      else if (flag === 'K') longLink = text(data, 0, data.length);
      else if (flag === 'x') pax = parsePax(data);
      continue;
    }
    const prefix = text(header, 345, 155);
    const shortName = prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100);
    const entry: TarEntryHeader = {
      name: (pax.path ?? longName ?? shortName).replace(/^\.\//, ''),
      size,
      type: types[flag] ?? 'other',
      linkName: (pax.linkpath ?? longLink ?? text(header, 157, 100)).replace(/^\.\//, ''),
    };
    longName = longLink = undefined;
    pax = {};
    let remaining = size;
    let consumed = false;
    const body = (async function* () {
      consumed = true;
      while (remaining > 0) {
        const chunk = await reader.readUpTo(Math.min(remaining, 1024 * 1024));
        if (!chunk) throw EngineError.invalid('the archive ends in the middle of an entry');
        remaining -= chunk.length;
        yield chunk;
      }
    })();
    yield { header: entry, body };
    if (!consumed) for await (const _ of body) void _;
    else if (remaining > 0) throw new Error(`tar entry ${entry.name} was not read to its end`);
    if (padded > size && !(await reader.read(padded - size))) throw EngineError.invalid('the archive ends in the middle of an entry');
  }
}
