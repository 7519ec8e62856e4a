import { isUtf8 } from 'node:buffer';
import { close, closeSync, createReadStream, createWriteStream, fstat, fstatSync, open, openSync, read, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, pipeline as pipeStreams } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGunzip, createGzip } from 'node:zlib';
import type { OutputStreamName } from '../core/output-broadcast.js';
import type { ContainerLogs, LogEntry, LogFileOptions, LogQuery, LogSink } from '../core/ports.js';

const openFile = promisify(open);
const closeFile = promisify(close);
const statFile = promisify(fstat);
const readAt = promisify(read);

/** dockerd's log copier buffer: longer lines are logged in pieces of this size. */
const maxMessageBytes = 16 * 1024;
/** Bytes read from a log file at a time. */
const readChunkBytes = 1024 * 1024;
/** setTimeout's longest delay; a later `until` is only noticed by the entries that pass it. */
const maxTimerMs = 2 ** 31 - 1;
const streams: readonly OutputStreamName[] = ['stdout', 'stderr'];

/** Wall-clock nanoseconds that never go back: the epoch offset is taken once, the rest is the monotonic clock. */
const epochOffsetNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
const wallClockNs = (): bigint => epochOffsetNs + process.hrtime.bigint();

/** Go's time.RFC3339Nano in UTC: the fraction loses its trailing zeros, and its dot when nothing is left. */
export function rfc3339Nano(ns: bigint): string {
  const seconds = ns / 1_000_000_000n;
  const fraction = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}${fraction && `.${fraction}`}Z`;
}

const rfc3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

function timeNs(time: string): bigint | undefined {
  const match = rfc3339.exec(time);
  if (!match) return undefined;
  const ms = Date.parse(match[1] + match[3]);
  return Number.isNaN(ms) ? undefined : BigInt(ms) * 1_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}

/**
 * Splits output the way dockerd's copier does: a message per line, newline included; a line
 * longer than 16 KiB in 16 KiB pieces, its newline in the last. Bytes after the last newline are
 * held, unless they fill the 16 KiB buffer.
 */
function splitMessages(held: Buffer, data: Buffer): { messages: Buffer[]; held: Buffer } {
  const bytes = held.length ? Buffer.concat([held, data]) : data;
  const messages: Buffer[] = [];
  let start = 0;
  for (;;) {
    const newline = bytes.indexOf(10, start);
    const lineEnd = newline === -1 ? bytes.length : newline;
    for (; lineEnd - start >= maxMessageBytes; start += maxMessageBytes) messages.push(bytes.subarray(start, start + maxMessageBytes));
    if (newline === -1) break;
    messages.push(bytes.subarray(start, newline + 1));
    start = newline + 1;
  }
  // A copy: the caller may reuse its buffer once the write resolves.
  return { messages, held: Buffer.from(bytes.subarray(start)) };
}

/** What JSON escapes each byte to; undefined for the bytes written as they are. */
const escapes: (Buffer | undefined)[] = Array.from({ length: 256 }, (_, byte) =>
  byte < 0x20 || byte === 0x22 || byte === 0x5c ? Buffer.from(JSON.stringify(String.fromCharCode(byte)).slice(1, -1)) : undefined,
);
/** Runs of each escaped byte, as long as a message, to find runs by native comparison. */
const runsOf = new Map<number, Buffer>();

/** How often `bytes[start]` repeats from `start` (up to a message's length): short runs counted by hand, long ones by native comparison. */
function runLength(bytes: Buffer, start: number): number {
  const byte = bytes[start];
  let known = 1;
  while (known < 16 && start + known < bytes.length && bytes[start + known] === byte) known++;
  if (known < 16) return known;
  let run = runsOf.get(byte);
  if (!run) runsOf.set(byte, (run = Buffer.alloc(maxMessageBytes, byte)));
  // Doubling, then halving once past the end of the run; each comparison covers only bytes not known yet.
  let limit = Math.min(bytes.length - start, run.length);
  let overshot = false;
  while (known < limit) {
    const probe = overshot ? Math.ceil((known + limit) / 2) : Math.min(known * 2, limit);
    if (bytes.compare(run, 0, probe - known, start + known, start + probe) === 0) known = probe;
    else {
      limit = probe - 1;
      overshot = true;
    }
  }
  return known;
}

/** Writes a message JSON-escaped at `offset`, a run of one escaped byte (a run of zeros) in a single fill. */
function writeEscaped(utf8: Buffer, out: Buffer, offset: number): number {
  offset += out.write('"', offset);
  let copied = 0;
  for (let i = 0; i < utf8.length; i++) {
    const escape = escapes[utf8[i]];
    if (!escape) continue;
    if (i > copied) offset += utf8.copy(out, offset, copied, i);
    const run = runLength(utf8, i);
    out.fill(escape, offset, (offset += escape.length * run));
    i += run - 1;
    copied = i + 1;
  }
  offset += utf8.copy(out, offset, copied);
  return offset + out.write('"', offset);
}

const lineStart = Buffer.from('{"log":');

/** An entry as it goes into the file, and its message for followers. */
interface EncodedEntry {
  stream: OutputStreamName;
  time: string;
  utf8: Buffer;
  /**
   * The message as a JSON string when it is text. JSON.stringify is fast on text but slow on
   * control characters, which binary output (a NUL tells it) is full of: that is escaped by hand.
   */
  json: string | undefined;
  /** What follows the message in the line. */
  lineEnd: Buffer;
}

/** Room enough for the line of an entry. */
function lineBytesAtMost({ utf8, json, lineEnd }: EncodedEntry): number {
  return lineStart.length + (json === undefined ? utf8.length * 6 + 2 : json.length * 3) + lineEnd.length;
}

function writeLine({ utf8, json, lineEnd }: EncodedEntry, out: Buffer, offset: number): number {
  offset += lineStart.copy(out, offset);
  offset = json === undefined ? writeEscaped(utf8, out, offset) : offset + out.write(json, offset);
  return offset + lineEnd.copy(out, offset);
}

/** Entries a follower has not taken yet; it keeps all of them, so a slow reader never holds up the writer. */
class Follower implements AsyncIterable<LogEntry[]> {
  private queue: LogEntry[] = [];
  private ended = false;
  private wake: (() => void) | undefined;

  push(entries: LogEntry[]): void {
    if (this.ended) return;
    for (const entry of entries) this.queue.push(entry);
    this.wake?.();
  }

  /** Ends the iteration once what is queued has been taken. */
  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<LogEntry[]> {
    for (;;) {
      const batch = this.queue;
      this.queue = [];
      if (batch.length) yield batch;
      if (this.ended && !this.queue.length) return;
      if (!this.queue.length) await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

/** Rotated files by index and name, oldest (highest index) first; `.N` before `.N.gz` where a crash left both. */
function rotatedFiles(path: string): { index: number; name: string }[] {
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .filter((name) => name.startsWith(prefix))
    .map((name) => ({ name, match: /^(\d+)(\.gz)?$/.exec(name.slice(prefix.length)) }))
    .filter(({ match }) => match && Number(match[1]) > 0)
    .map(({ name, match }) => ({ index: Number(match![1]), name }))
    .sort((a, b) => b.index - a.index || a.name.length - b.name.length);
}

/**
 * Makes room for a new current file as dockerd does: `.N` becomes `.N+1`, files past max-file
 * go, the current file becomes `.1`. With a single file the current one is unlinked rather than
 * truncated, so readers that opened it still read it whole. Synchronous, so a reader's snapshot
 * never sees half a rotation.
 */
function shiftFiles(path: string, maxFiles: number): void {
  const dir = dirname(path);
  for (const { index, name } of rotatedFiles(path)) {
    const from = join(dir, name);
    if (index >= maxFiles - 1) unlinkSync(from);
    else renameSync(from, join(dir, name.replace(/\.\d+(\.gz)?$/, `.${index + 1}$1`)));
  }
  if (maxFiles > 1) renameSync(path, `${path}.1`);
  else unlinkSync(path);
}

/** Gzips a rotated file beside itself; the compressed file replaces it in one step, so readers find exactly one of them. */
async function compressRotated(path: string): Promise<void> {
  const partial = `${path}.gz.partial`;
  try {
    await pipeline(createReadStream(path), createGzip(), createWriteStream(partial));
    renameSync(partial, `${path}.gz`);
    unlinkSync(path);
  } catch {
    // The uncompressed file is read just as well; a failing disk shows at the next write.
    await rm(partial, { force: true });
  }
}

function encode(stream: OutputStreamName, time: string, message: Buffer, lineEnd: Buffer): EncodedEntry {
  // Go writes invalid UTF-8 as U+FFFD, and so does decoding it.
  const utf8 = isUtf8(message) ? message : Buffer.from(message.toString());
  return { stream, time, utf8, json: utf8.includes(0) ? undefined : JSON.stringify(utf8.toString()), lineEnd };
}

/**
 * Written synchronously, in the tick the output was read in: bytes taken from the container's
 * pipe are in the file before anything else runs, so a crash of this service right after a read
 * loses (next to) nothing, and an append to the page cache costs less than a thread-pool trip.
 */
function writeAll(fd: number, bytes: Buffer): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** Entries encoded into one buffer, and how much of it is in the file. */
interface EncodedBatch {
  entries: EncodedEntry[];
  bytes: Buffer;
  /** Of each entry's line. */
  lengths: number[];
  appended: number;
  offset: number;
}

function encodeBatch(entries: EncodedEntry[]): EncodedBatch {
  const bytes = Buffer.allocUnsafe(entries.reduce((sum, entry) => sum + lineBytesAtMost(entry), 0));
  let filled = 0;
  const lengths = entries.map((entry) => {
    const start = filled;
    filled = writeLine(entry, bytes, filled);
    return filled - start;
  });
  return { entries, bytes, lengths, appended: 0, offset: 0 };
}

/** One run's output going into the log. */
class JsonFileSink implements LogSink {
  private readonly held: Record<OutputStreamName, Buffer> = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  private readonly followers = new Set<Follower>();
  private readonly attrsJson: string;
  private appended: Promise<void> = Promise.resolve();
  /** Appends not done yet: a write waits for them. */
  private queued = 0;
  private compressed: Promise<void> = Promise.resolve();
  private compressing = false;
  private closing: Promise<void> | undefined;

  /** `size`: bytes of the current file whose entries followers have been given, all a snapshot may read of it. */
  constructor(
    private readonly path: string,
    private fd: number,
    public size: number,
    private readonly options: LogFileOptions,
    private readonly clockNs: () => bigint,
    private readonly onClosed: () => void,
  ) {
    // Go's encoding/json writes map keys sorted (an object would put integer-like keys first).
    const keys = Object.keys(options.attrs).sort();
    const members = keys.map((key) => `${JSON.stringify(key)}:${JSON.stringify(options.attrs[key])}`);
    this.attrsJson = keys.length ? `,"attrs":{${members.join(',')}}` : '';
  }

  write(stream: OutputStreamName, data: Uint8Array): Promise<void> | undefined {
    if (this.closing) return Promise.reject(new Error(`the log ${this.path} is closed`));
    const split = splitMessages(this.held[stream], Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    this.held[stream] = split.held;
    if (!split.messages.length) return undefined;
    const time = rfc3339Nano(this.clockNs());
    const lineEnd = this.lineEnd(stream, time);
    return this.enqueue(split.messages.map((message) => encode(stream, time, message, lineEnd)));
  }

  close(): Promise<void> {
    this.closing ??= this.finish();
    return this.closing;
  }

  /** Starts delivering the entries appended from now on. */
  follow(): Follower {
    const follower = new Follower();
    this.followers.add(follower);
    return follower;
  }

  unfollow(follower: Follower): void {
    this.followers.delete(follower);
  }

  /** Resolves once every write called so far is in the file and with the followers. */
  settled(): Promise<void> {
    return this.appended;
  }

  private async finish(): Promise<void> {
    const time = rfc3339Nano(this.clockNs());
    const rest = streams.filter((stream) => this.held[stream].length).map((stream) => encode(stream, time, this.held[stream], this.lineEnd(stream, time)));
    try {
      if (rest.length) await this.enqueue(rest);
    } finally {
      // Neither rejects: a failed write has failed its caller already.
      await this.appended;
      await this.compressed;
      for (const follower of this.followers) follower.end();
      this.onClosed();
      await closeFile(this.fd);
    }
  }

  /** What follows the message in the lines of one stream and instant: dockerd's key order. */
  private lineEnd(stream: OutputStreamName, time: string): Buffer {
    return Buffer.from(`,"stream":"${stream}"${this.attrsJson},"time":"${time}"}\n`);
  }

  /**
   * Appends after the writes before it; a failed one fails only its own caller. With none before
   * it and no rotation to wait for, the entries are in the file on return (undefined).
   */
  private enqueue(entries: EncodedEntry[]): Promise<void> | undefined {
    const batch = encodeBatch(entries);
    if (!this.queued) {
      try {
        if (this.appendFrom(batch)) return undefined;
      } catch (err) {
        return Promise.reject(err);
      }
    }
    this.queued++;
    const appended = this.appended.then(() => this.appendRest(batch)).finally(() => this.queued--);
    this.appended = appended.catch(() => undefined);
    return appended;
  }

  private async appendRest(batch: EncodedBatch): Promise<void> {
    while (!this.appendFrom(batch)) await this.compressed;
  }

  /**
   * Appends the rest of a batch in as few writes as rotation allows; false when it stops at a
   * rotation that must wait for the previous rotated file to be compressed.
   */
  private appendFrom(batch: EncodedBatch): boolean {
    const { maxSize } = this.options;
    const { entries, lengths } = batch;
    const exceeds = (bytes: number) => maxSize > 0 && this.size + bytes > maxSize;
    while (batch.appended < entries.length) {
      const first = batch.appended;
      if (this.size > 0 && exceeds(lengths[first])) {
        if (this.compressing) return false;
        this.rotate();
      }
      let end = first + 1;
      let bytes = lengths[first];
      for (; end < entries.length && !exceeds(bytes + lengths[end]); end++) bytes += lengths[end];
      writeAll(this.fd, batch.bytes.subarray(batch.offset, batch.offset + bytes));
      // In the same tick: a snapshot reads these bytes or its follower gets these entries, never both.
      this.size += bytes;
      this.publish(entries.slice(first, end));
      batch.appended = end;
      batch.offset += bytes;
    }
    return true;
  }

  private rotate(): void {
    const { maxFiles, compress } = this.options;
    shiftFiles(this.path, maxFiles);
    const fd = openSync(this.path, 'a');
    closeSync(this.fd);
    this.fd = fd;
    this.size = 0;
    if (!compress || maxFiles <= 1) return;
    // `.1` is compressed before it may move on.
    this.compressing = true;
    this.compressed = compressRotated(`${this.path}.1`).finally(() => (this.compressing = false));
  }

  private publish(entries: EncodedEntry[]): void {
    if (!this.followers.size) return;
    const attrs = this.attrsJson ? { attrs: this.options.attrs } : {};
    // Copies: a message may lie in the caller's buffer, which is only lent until the write resolves.
    const logEntries = entries.map(({ stream, time, utf8 }): LogEntry => ({ stream, time, log: Buffer.from(utf8), ...attrs }));
    for (const follower of this.followers) follower.push(logEntries);
  }
}

/** A file of a snapshot: opened when the read began, read up to `size` (a compressed one whole). */
interface SnapshotFile {
  fd: number;
  compressed: boolean;
  size: number;
}

/**
 * Opens the files of a log oldest first, synchronously so nothing is written or rotated in
 * between. The open descriptors keep them readable whatever rotation does next.
 */
function openSnapshot(path: string, currentSize: number | undefined): SnapshotFile[] {
  const files: SnapshotFile[] = [];
  const openIfPresent = (name: string, limit?: number) => {
    try {
      const fd = openSync(name, 'r');
      files.push({ fd, compressed: name.endsWith('.gz'), size: limit ?? fstatSync(fd).size });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  };
  try {
    let previous: number | undefined;
    for (const { index, name } of rotatedFiles(path)) {
      // Both `.N` and `.N.gz` are there only after a crash amid compression: the same entries twice.
      if (index !== previous) openIfPresent(join(dirname(path), name));
      previous = index;
    }
    openIfPresent(path, currentSize);
  } catch (error) {
    for (const file of files) closeSync(file.fd);
    throw error;
  }
  return files;
}

async function* bytesOf(fd: number, size: number): AsyncGenerator<Buffer> {
  for (let position = 0; position < size; ) {
    const buffer = Buffer.allocUnsafe(Math.min(readChunkBytes, size - position));
    const { bytesRead } = await readAt(fd, buffer, 0, buffer.length, position);
    if (!bytesRead) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

/** The lines of a file, a chunk's worth at a time. */
async function* linesOf(file: SnapshotFile): AsyncGenerator<string[]> {
  const bytes = bytesOf(file.fd, file.size);
  const chunks: AsyncIterable<Buffer> = file.compressed ? pipeStreams(Readable.from(bytes), createGunzip(), () => undefined) : bytes;
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    const data = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    const lines: string[] = [];
    let start = 0;
    for (let newline = data.indexOf(10); newline !== -1; newline = data.indexOf(10, start)) {
      lines.push(data.toString('utf8', start, newline));
      start = newline + 1;
    }
    rest = data.subarray(start);
    yield lines;
  }
  if (rest.length) yield [rest.toString()];
}

function parseEntry(line: string): LogEntry | undefined {
  let value: { log?: unknown; stream?: unknown; time?: unknown; attrs?: unknown };
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const { log, stream, time, attrs } = value ?? {};
  if (typeof log !== 'string' || (stream !== 'stdout' && stream !== 'stderr') || typeof time !== 'string') return undefined;
  const entry: LogEntry = { stream, time, log: Buffer.from(log) };
  if (attrs && typeof attrs === 'object' && Object.keys(attrs).length) entry.attrs = attrs as Record<string, string>;
  return entry;
}

function matcher(query: LogQuery): (entry: LogEntry) => boolean {
  const { sinceNs, untilNs } = query;
  return (entry) => {
    if (!(entry.stream === 'stdout' ? query.stdout : query.stderr)) return false;
    if (sinceNs === undefined && untilNs === undefined) return true;
    const at = timeNs(entry.time);
    return at !== undefined && (sinceNs === undefined || at >= sinceNs) && (untilNs === undefined || at < untilNs);
  };
}

/** The entries of a snapshot's files that match, a chunk's worth at a time. */
async function* matchingEntries(files: SnapshotFile[], matches: (entry: LogEntry) => boolean): AsyncGenerator<LogEntry[]> {
  for (const file of files) {
    for await (const lines of linesOf(file)) {
      const entries: LogEntry[] = [];
      for (const line of lines) {
        const entry = parseEntry(line);
        if (entry && matches(entry)) entries.push(entry);
      }
      yield entries;
    }
  }
}

/** The last `count` entries, in one batch; kept in a ring, so memory stays bounded by `count`. */
async function* lastEntries(batches: AsyncIterable<LogEntry[]>, count: number): AsyncGenerator<LogEntry[]> {
  if (count === 0) return;
  const last: LogEntry[] = [];
  let oldest = 0;
  for await (const batch of batches) {
    for (const entry of batch) {
      if (last.length < count) last.push(entry);
      else {
        last[oldest] = entry;
        oldest = (oldest + 1) % count;
      }
    }
  }
  yield [...last.slice(oldest), ...last.slice(0, oldest)];
}

/**
 * Containers' logs in Docker's json-file format, laid out as dockerd lays them out:
 * `<dir>/<id>/<id>-json.log`, rotated to `.1`, `.2`… (`.N.gz` when compressed).
 */
export class JsonFileLogs implements ContainerLogs {
  private readonly sinks = new Map<string, JsonFileSink>();

  constructor(
    private readonly dir: string,
    private readonly clockNs: () => bigint = wallClockNs,
  ) {}

  path(id: string): string {
    return join(this.dir, id, `${id}-json.log`);
  }

  async open(id: string, options: LogFileOptions): Promise<LogSink> {
    const path = this.path(id);
    await mkdir(dirname(path), { recursive: true });
    const fd = await openFile(path, 'a');
    if (this.sinks.has(id)) {
      await closeFile(fd);
      throw new Error(`the log of ${id} is already open`);
    }
    // Rotation goes on from where the last run, maybe of an earlier process, left the file.
    const { size } = await statFile(fd);
    const sink: JsonFileSink = new JsonFileSink(path, fd, size, options, this.clockNs, () => {
      if (this.sinks.get(id) === sink) this.sinks.delete(id);
    });
    this.sinks.set(id, sink);
    return sink;
  }

  read(id: string, query: LogQuery): AsyncIterable<LogEntry[]> {
    return this.entries(id, query);
  }

  /** Removes the log files only: the container's directory holds its other files too. */
  async remove(id: string): Promise<void> {
    const path = this.path(id);
    const names = await readdir(dirname(path)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    const base = basename(path);
    await Promise.all(names.filter((name) => name === base || name.startsWith(`${base}.`)).map((name) => rm(join(dirname(path), name), { force: true })));
  }

  private async *entries(id: string, query: LogQuery): AsyncGenerator<LogEntry[]> {
    const sink = this.sinks.get(id);
    // The snapshot and the subscription are taken in one tick: each entry is in exactly one of them.
    const files = openSnapshot(this.path(id), sink?.size);
    const live = query.follow && !query.signal?.aborted ? sink?.follow() : undefined;
    const endLive = () => live?.end();
    query.signal?.addEventListener('abort', endLive);
    const untilTimer = live && query.untilNs !== undefined ? this.timerUntil(query.untilNs, () => void sink!.settled().then(endLive)) : undefined;
    try {
      const matches = matcher(query);
      const all = matchingEntries(files, matches);
      for await (const batch of query.tail === undefined || query.tail < 0 ? all : lastEntries(all, query.tail)) {
        if (query.signal?.aborted) return;
        if (batch.length) yield batch;
      }
      if (!live) return;
      const { untilNs } = query;
      for await (const batch of live) {
        const past = untilNs === undefined ? -1 : batch.findIndex((entry) => timeNs(entry.time)! >= untilNs);
        const matching = (past < 0 ? batch : batch.slice(0, past)).filter(matches);
        if (matching.length) yield matching;
        if (past >= 0) return;
      }
    } finally {
      clearTimeout(untilTimer);
      query.signal?.removeEventListener('abort', endLive);
      if (live) sink!.unfollow(live);
      for (const file of files) closeSync(file.fd);
    }
  }

  /** Calls `then` at `untilNs` on this log's clock. */
  private timerUntil(untilNs: bigint, then: () => void): NodeJS.Timeout | undefined {
    const delayMs = Number((untilNs - this.clockNs()) / 1_000_000n);
    return delayMs <= maxTimerMs ? setTimeout(then, Math.max(delayMs, 0)) : undefined;
  }
}
