import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { LogEntry, LogFileOptions, LogQuery } from '../core/ports';
import { JsonFileLogs, rfc3339Nano } from './json-file-logs';

const second = 1_000_000_000n;
/** 2023-11-14T22:13:20Z */
const base = 1_700_000_000n * second;
const unbounded: LogFileOptions = { maxSize: 0, maxFiles: 1, compress: false, attrs: {} };
const all: LogQuery = { stdout: true, stderr: true, follow: false };

async function collect(batches: AsyncIterable<LogEntry[]>): Promise<LogEntry[]> {
  const collected: LogEntry[] = [];
  for await (const batch of batches) collected.push(...batch);
  return collected;
}

const messages = (entries: LogEntry[]) => entries.map((entry) => Buffer.from(entry.log).toString());
const fileLines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);
const timeNs = (time: string) => BigInt(Date.parse(time.replace(/\.\d+/, ''))) * 1_000_000n + BigInt((/\.(\d+)/.exec(time)?.[1] ?? '').padEnd(9, '0'));

describe('rfc3339Nano', () => {
  it("trims the fraction's trailing zeros as Go does, and the dot with nothing after it", () => {
    expect(rfc3339Nano(base + 123_456_700n)).toBe('2023-11-14T22:13:20.1234567Z');
    expect(rfc3339Nano(base + 1n)).toBe('2023-11-14T22:13:20.000000001Z');
    expect(rfc3339Nano(base)).toBe('2023-11-14T22:13:20Z');
  });
});

describe('JsonFileLogs', () => {
  let dir: string;
  let clock: bigint;
  let logs: JsonFileLogs;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'json-file-logs-'));
    clock = base + 123_456_700n;
    logs = new JsonFileLogs(dir, () => clock);
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes one line per message in dockerd's key order, attrs sorted, and reads them back", async () => {
    const sink = await logs.open('c1', { ...unbounded, attrs: { b: '2', a: '1' } });
    await sink.write('stdout', Buffer.from('hello\nwor'));
    await sink.write('stderr', Buffer.from('oops\n'));
    await sink.write('stdout', Buffer.from('ld\n'));
    await sink.close();

    const time = '2023-11-14T22:13:20.1234567Z';
    expect(logs.path('c1')).toBe(join(dir, 'c1', 'c1-json.log'));
    expect(fileLines(logs.path('c1'))).toEqual([
      `{"log":"hello\\n","stream":"stdout","attrs":{"a":"1","b":"2"},"time":"${time}"}`,
      `{"log":"oops\\n","stream":"stderr","attrs":{"a":"1","b":"2"},"time":"${time}"}`,
      `{"log":"world\\n","stream":"stdout","attrs":{"a":"1","b":"2"},"time":"${time}"}`,
    ]);
    expect(await collect(logs.read('c1', all))).toEqual(
      [
        ['stdout', 'hello\n'],
        ['stderr', 'oops\n'],
        ['stdout', 'world\n'],
      ].map(([stream, log]) => ({ stream, time, log: Buffer.from(log), attrs: { a: '1', b: '2' } })),
    );
  });

  it('stamps entries with the wall clock in nanoseconds, never going back', async () => {
    logs = new JsonFileLogs(dir);
    const before = BigInt(Date.now() - 1) * 1_000_000n;
    const sink = await logs.open('c1', unbounded);
    for (let i = 0; i < 50; i++) await sink.write(i % 2 ? 'stderr' : 'stdout', Buffer.from(`${i}\n`));
    await sink.close();
    const after = BigInt(Date.now() + 1) * 1_000_000n;

    const lines = fileLines(logs.path('c1'));
    expect(lines[0]).toMatch(/^\{"log":"0\\n","stream":"stdout","time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?Z"\}$/);
    const times = lines.map((line) => timeNs(JSON.parse(line).time));
    expect(times[0]).toBeGreaterThanOrEqual(before);
    expect(times[49]).toBeLessThanOrEqual(after);
    expect(times.every((time, i) => i === 0 || time >= times[i - 1])).toBe(true);
  });

  it('escapes text and binary output as JSON does, and writes invalid UTF-8 as U+FFFD', async () => {
    // A fixed pseudo-random sequence of bytes JSON treats differently, with runs of them.
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const alphabet = [0x00, 0x01, 0x1b, 0x09, 0x22, 0x5c, 0x41, 0x7f, 0xc3, 0xa9, 0xff, 0xe2, 0x9c, 0x93];
    const random = Array.from({ length: 40 }, () => {
      const bytes: number[] = [];
      while (bytes.length < 600) bytes.push(...Array<number>(1 + (next() % 40)).fill(alphabet[next() % alphabet.length]));
      return Buffer.from([...bytes, 0x0a]);
    });
    const chosen = [
      Buffer.from('tab\t"quoted" back\\slash \u001b[0m é ✓ 😀 \u2028\n'),
      Buffer.concat([Buffer.alloc(100), Buffer.from('x'), Buffer.alloc(20, 1), Buffer.alloc(30, 0x22), Buffer.from('\n')]),
      Buffer.from([0xff, 0x41, 0xc3, 0x0a]),
      Buffer.alloc(16 * 1024),
    ];
    const sink = await logs.open('c1', unbounded);
    for (const message of [...chosen, ...random]) await sink.write('stdout', message);
    await sink.close();

    const texts = [...chosen, ...random].map((message) => message.toString());
    expect(fileLines(logs.path('c1')).map((line) => line.slice(0, line.indexOf(',"stream":')))).toEqual(texts.map((text) => `{"log":${JSON.stringify(text)}`));
    expect(messages(await collect(logs.read('c1', all)))).toEqual(texts);
  });

  it('logs lines longer than 16 KiB in 16 KiB pieces, the newline in the last', async () => {
    const sink = await logs.open('c1', unbounded);
    const long = Buffer.from(`${'a'.repeat(40_000)}\n`);
    for (let at = 0; at < long.length; at += 1000) await sink.write('stdout', long.subarray(at, at + 1000));
    await sink.write('stdout', Buffer.from(`${'b'.repeat(16 * 1024)}\n`));
    await sink.write('stdout', Buffer.from('c'.repeat(20_000)));
    expect(messages(await collect(logs.read('c1', all)))).toEqual([
      'a'.repeat(16 * 1024),
      'a'.repeat(16 * 1024),
      `${'a'.repeat(40_000 - 32 * 1024)}\n`,
      'b'.repeat(16 * 1024),
      '\n',
      'c'.repeat(16 * 1024),
    ]);
    await sink.close();
    expect(messages(await collect(logs.read('c1', all))).at(-1)).toBe('c'.repeat(20_000 - 16 * 1024));
  });

  it('holds an unterminated line per stream until its newline or the close', async () => {
    const sink = await logs.open('c1', unbounded);
    await sink.write('stdout', Buffer.from('abc'));
    await sink.write('stderr', Buffer.from('x\ndef'));
    await sink.write('stdout', Buffer.from('d\n'));
    const entries = await collect(logs.read('c1', all));
    expect(entries.map((entry) => `${entry.stream} ${Buffer.from(entry.log)}`)).toEqual(['stderr x\n', 'stdout abcd\n']);

    await sink.write('stdout', Buffer.from('tail'));
    await sink.close();
    const closed = await collect(logs.read('c1', all));
    expect(closed.slice(2).map((entry) => `${entry.stream} ${Buffer.from(entry.log)}`)).toEqual(['stdout tail', 'stderr def']);
  });

  it('rotates before a file would pass max-size, keeps max-file files and reads what they keep, in order', async () => {
    const sink = await logs.open('c1', { ...unbounded, maxSize: 300, maxFiles: 3 });
    const written = Array.from({ length: 40 }, (_, i) => `line ${i}\n`);
    for (const line of written.slice(0, 30)) await sink.write('stdout', Buffer.from(line));
    // One write, split between files at entry boundaries.
    await sink.write('stdout', Buffer.from(written.slice(30).join('')));
    await sink.close();

    const path = logs.path('c1');
    expect(readdirSync(join(dir, 'c1')).sort()).toEqual(['c1-json.log', 'c1-json.log.1', 'c1-json.log.2']);
    for (const file of [path, `${path}.1`, `${path}.2`]) expect(statSync(file).size).toBeLessThanOrEqual(300);
    const kept = [`${path}.2`, `${path}.1`, path].flatMap(fileLines).map((line) => JSON.parse(line).log);
    expect(kept.length).toBeGreaterThan(6);
    expect(kept).toEqual(written.slice(-kept.length));
    expect(messages(await collect(logs.read('c1', all)))).toEqual(kept);
  });

  it('starts a single file anew when max-file is 1', async () => {
    const sink = await logs.open('c1', { ...unbounded, maxSize: 200, maxFiles: 1 });
    const written = Array.from({ length: 10 }, (_, i) => `line ${i}\n`);
    for (const line of written) await sink.write('stderr', Buffer.from(line));
    await sink.close();

    expect(readdirSync(join(dir, 'c1'))).toEqual(['c1-json.log']);
    const read = messages(await collect(logs.read('c1', all)));
    expect(read.length).toBeGreaterThan(0);
    expect(read).toEqual(written.slice(-read.length));
  });

  it('gzips rotated files, which read back with the rest', async () => {
    const sink = await logs.open('c1', { ...unbounded, maxSize: 300, maxFiles: 4, compress: true });
    const written = Array.from({ length: 40 }, (_, i) => `line ${i}\n`);
    for (const line of written) await sink.write('stdout', Buffer.from(line));
    await sink.close();

    const path = logs.path('c1');
    expect(readdirSync(join(dir, 'c1')).sort()).toEqual(['c1-json.log', 'c1-json.log.1.gz', 'c1-json.log.2.gz', 'c1-json.log.3.gz']);
    const kept = [3, 2, 1]
      .flatMap((n) => gunzipSync(readFileSync(`${path}.${n}.gz`)).toString().split('\n').filter(Boolean))
      .concat(fileLines(path))
      .map((line) => JSON.parse(line).log);
    expect(kept).toEqual(written.slice(-kept.length));
    expect(messages(await collect(logs.read('c1', all)))).toEqual(kept);
  });

  it('has the line in the file when a write returns, unless it must wait for writes before it', async () => {
    const sink = await logs.open('c1', { ...unbounded, maxSize: 300, maxFiles: 4, compress: true });
    expect(sink.write('stdout', Buffer.from('first\n'))).toBeUndefined();
    expect(fileLines(logs.path('c1')).map((line) => JSON.parse(line).log)).toEqual(['first\n']);

    // Not awaited: rotations come faster than gzip, and later writes queue behind the one waiting.
    const written = Array.from({ length: 40 }, (_, i) => `line ${i}\n`);
    const pending = written.map((line) => sink.write('stdout', Buffer.from(line))).filter(Boolean);
    expect(pending.length).toBeGreaterThan(0);
    await Promise.all(pending);
    await sink.close();
    const read = messages(await collect(logs.read('c1', all)));
    expect(read.length).toBeGreaterThan(3);
    expect(read).toEqual(['first\n', ...written].slice(-read.length));
  });

  it('reads a rotated file once when a crash amid its compression left it twice', async () => {
    const sink = await logs.open('c1', { ...unbounded, maxSize: 300, maxFiles: 3, compress: true });
    const written = Array.from({ length: 12 }, (_, i) => `line ${i}\n`);
    for (const line of written) await sink.write('stdout', Buffer.from(line));
    await sink.close();
    const path = logs.path('c1');
    writeFileSync(`${path}.1`, gunzipSync(readFileSync(`${path}.1.gz`)));

    const read = messages(await collect(logs.read('c1', all)));
    expect(read).toEqual(written.slice(-read.length));
  });

  it('appends after a restart and rotates counting what the file already holds', async () => {
    const options = { ...unbounded, maxSize: 400, maxFiles: 2 };
    const first = await logs.open('c1', options);
    for (let i = 0; i < 3; i++) await first.write('stdout', Buffer.from(`first ${i}\n`));
    await first.close();
    expect(statSync(logs.path('c1')).size).toBeGreaterThan(200);

    const restarted = new JsonFileLogs(dir, () => clock);
    const second = await restarted.open('c1', options);
    for (let i = 0; i < 3; i++) await second.write('stdout', Buffer.from(`second ${i}\n`));
    await second.close();

    expect(readdirSync(join(dir, 'c1')).sort()).toEqual(['c1-json.log', 'c1-json.log.1']);
    expect(messages(await collect(restarted.read('c1', all)))).toEqual(['first 0\n', 'first 1\n', 'first 2\n', 'second 0\n', 'second 1\n', 'second 2\n']);
  });

  it('selects by stream, since, until and then tail', async () => {
    const at = (i: number) => base + BigInt(i) * second;
    const sink = await logs.open('c1', unbounded);
    for (let i = 1; i <= 10; i++) {
      clock = at(i);
      await sink.write(i % 2 ? 'stdout' : 'stderr', Buffer.from(`${i}\n`));
    }
    await sink.close();

    const read = async (query: Partial<LogQuery>) => messages(await collect(logs.read('c1', { ...all, ...query }))).map((log) => Number(log));
    expect(await read({ stderr: false })).toEqual([1, 3, 5, 7, 9]);
    expect(await read({ sinceNs: at(4) })).toEqual([4, 5, 6, 7, 8, 9, 10]);
    expect(await read({ untilNs: at(4) })).toEqual([1, 2, 3]);
    expect(await read({ sinceNs: at(3), untilNs: at(8), stdout: false })).toEqual([4, 6]);
    expect(await read({ sinceNs: at(3), untilNs: at(8), stdout: false, tail: 1 })).toEqual([6]);
    expect(await read({ tail: 3 })).toEqual([8, 9, 10]);
    expect(await read({ tail: 100 })).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await read({ tail: 0 })).toEqual([]);
    expect(await collect(logs.read('none', all))).toEqual([]);
  });

  it('follows: entries written while reading, across rotations, each once, until the close', async () => {
    const sink = await logs.open('c1', { ...unbounded, maxSize: 300, maxFiles: 2, compress: true });
    const written = Array.from({ length: 60 }, (_, i) => `line ${i}\n`);
    for (const line of written.slice(0, 3)) await sink.write('stdout', Buffer.from(line));

    const seen: string[] = [];
    const reading = (async () => {
      for await (const batch of logs.read('c1', { ...all, follow: true })) seen.push(...messages(batch));
    })();
    // Rotation drops the files the reader opened while it still reads them.
    for (const line of written.slice(3, 40)) await sink.write('stdout', Buffer.from(line));
    // Writes still under way when a reader begins.
    const pending = written.slice(40, 50).map((line) => sink.write('stdout', Buffer.from(line)));
    const late = collect(logs.read('c1', { ...all, follow: true }));
    await Promise.all(pending);
    for (const line of written.slice(50)) await sink.write('stdout', Buffer.from(line));
    await sink.close();
    await reading;

    expect(seen).toEqual(written);
    const lateSeen = messages(await late);
    expect(lateSeen).toEqual(written.slice(-lateSeen.length));
    expect(lateSeen.length).toBeGreaterThanOrEqual(20);
  });

  it('gives a reader that begins while a write lands each of its entries once', async () => {
    const sink = await logs.open('c1', unbounded);
    await sink.write('stdout', Buffer.from('before\n'));
    const path = logs.path('c1');
    const size = statSync(path).size;
    const landing = sink.write('stdout', Buffer.from('amid 1\namid 2\n'));
    // Only microtasks run here: the bytes reach the file, the write's completion has not run yet.
    while (statSync(path).size === size) await Promise.resolve();
    const followed = collect(logs.read('c1', { ...all, follow: true }));
    await landing;
    await sink.close();
    expect(messages(await followed)).toEqual(['before\n', 'amid 1\n', 'amid 2\n']);
  });

  it('reads on from the file it opened when rotation starts a single file anew', async () => {
    const sink = await logs.open('c1', { ...unbounded, maxSize: 2 * 1024 * 1024, maxFiles: 1 });
    const lines = (from: number, count: number) => Array.from({ length: count }, (_, i) => `${String(from + i).padStart(100, '.')}\n`);
    // More than one read chunk (1 MiB), so most of the file is read after the rotation.
    const written = lines(0, 10_000);
    await sink.write('stdout', Buffer.from(written.join('')));
    const entries = logs.read('c1', all)[Symbol.asyncIterator]();
    const first = await entries.next();
    await sink.write('stdout', Buffer.from(lines(10_000, 10_000).join('')));
    expect(readdirSync(join(dir, 'c1'))).toEqual(['c1-json.log']);

    const read = messages(first.value);
    for (let next = await entries.next(); !next.done; next = await entries.next()) read.push(...messages(next.value));
    expect(read).toEqual(written);
    await sink.close();
  });

  it('ends a follow after the existing entries when no run is writing', async () => {
    const sink = await logs.open('c1', unbounded);
    await sink.write('stdout', Buffer.from('done\n'));
    await sink.close();
    expect(messages(await collect(logs.read('c1', { ...all, follow: true })))).toEqual(['done\n']);
  });

  it('ends a follow without error when its signal aborts', async () => {
    const sink = await logs.open('c1', unbounded);
    await sink.write('stdout', Buffer.from('one\n'));
    const aborter = new AbortController();
    const entries = logs.read('c1', { ...all, follow: true, signal: aborter.signal })[Symbol.asyncIterator]();
    expect(messages((await entries.next()).value)).toEqual(['one\n']);
    const waiting = entries.next();
    aborter.abort();
    expect(await waiting).toEqual({ done: true, value: undefined });
    await sink.write('stdout', Buffer.from('two\n'));
    await sink.close();
  });

  it('ends a follow at the first entry at or past until', async () => {
    const sink = await logs.open('c1', unbounded);
    const until = base + 3600n * second;
    const followed = collect(logs.read('c1', { ...all, follow: true, untilNs: until }));
    clock = base + second;
    await sink.write('stdout', Buffer.from('before\n'));
    clock = until;
    await sink.write('stdout', Buffer.from('at until\n'));
    // The follow ends on microtasks alone once the entry is out; the close would end it anyway.
    const endedBeforeClose = await Promise.race([followed.then(() => true), new Promise<boolean>((resolve) => setImmediate(() => resolve(false)))]);
    await sink.close();
    expect(endedBeforeClose).toBe(true);
    expect(messages(await followed)).toEqual(['before\n']);
  });

  it('allows one open run per container', async () => {
    const sink = await logs.open('c1', unbounded);
    await expect(logs.open('c1', unbounded)).rejects.toThrow(/already open/);
    await sink.close();
    await (await logs.open('c1', unbounded)).close();
  });

  it('removes the log files only, rotated and compressed ones included', async () => {
    const sink = await logs.open('c1', { ...unbounded, maxSize: 200, maxFiles: 3, compress: true });
    writeFileSync(join(dir, 'c1', 'hostname'), 'c1\n');
    for (let i = 0; i < 20; i++) await sink.write('stdout', Buffer.from(`line ${i}\n`));
    await sink.close();
    expect(readdirSync(join(dir, 'c1')).length).toBe(4);

    await logs.remove('c1');
    expect(readdirSync(join(dir, 'c1'))).toEqual(['hostname']);
    expect(await collect(logs.read('c1', all))).toEqual([]);
    await logs.remove('never-created');
  });
});
