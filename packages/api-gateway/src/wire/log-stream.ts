import { EngineError, containerV1 } from '@flotilla/proto';
import { StreamType } from './stream-framing.js';
import { parseEventTime } from './event-time.js';

export interface LogStreamOptions {
  tty: boolean;
  timestamps: boolean;
  details: boolean;
}

/** Go's url.QueryEscape, which dockerd applies to the attrs `--details` shows. */
function queryEscape(text: string): string {
  return encodeURIComponent(text)
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `key=value,…` sorted by key, then a space, as `docker logs --details` prints before each line. */
function detailsPrefix(attrs: Record<string, string>): string {
  const pairs = Object.keys(attrs)
    .sort()
    .map((key) => `${queryEscape(key)}=${queryEscape(attrs[key])}`);
  return `${pairs.join(',')} `;
}

/** RFC 3339 with all nine fraction digits (Docker's RFC3339NanoFixed), as `--timestamps` prints. */
function fixedNanoTime(time: string): string {
  const match = /^(.*?)(?:\.(\d+))?Z$/.exec(time);
  return match ? `${match[1]}.${(match[2] ?? '').padEnd(9, '0')}Z` : time;
}

/** One batch of log entries as the bytes of GET /containers/{id}/logs: framed unless TTY. */
export function logStreamBytes(batch: containerV1.LogEntries, options: LogStreamOptions): Buffer {
  const { messages, sizes, streams } = batch;
  const prefixes = options.timestamps || options.details ? sizes.map((_, i) => (options.timestamps ? `${fixedNanoTime(batch.times[i] ?? '')} ` : '') + (options.details ? detailsPrefix(batch.attrs[i]?.values ?? {}) : '')) : undefined;
  const prefixBytes = prefixes?.map((prefix) => Buffer.from(prefix));
  const headerSize = options.tty ? 0 : 8;
  const total = messages.length + sizes.length * headerSize + (prefixBytes?.reduce((sum, prefix) => sum + prefix.length, 0) ?? 0);
  // One buffer for the batch: 100k short lines are 100k frames.
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  let read = 0;
  for (let i = 0; i < sizes.length; i++) {
    const prefix = prefixBytes?.[i];
    if (headerSize) {
      out[at] = streams[i] === containerV1.OutputStream.STDERR ? StreamType.Stderr : StreamType.Stdout;
      out.fill(0, at + 1, at + 4);
      out.writeUInt32BE(sizes[i] + (prefix?.length ?? 0), at + 4);
      at += headerSize;
    }
    if (prefix) at += prefix.copy(out, at);
    out.set(messages.subarray(read, read + sizes[i]), at);
    at += sizes[i];
    read += sizes[i];
  }
  return out;
}

/**
 * `since`/`until` of GET /containers/{id}/logs: the CLI sends Unix seconds with up to nine
 * fraction digits, kept exact; other forms are read as GET /events reads them. 0 means unset.
 */
export function parseLogTime(value: string | null, now: Date): { seconds: bigint; nanos: number } | undefined {
  if (value === null || value === '' || /^0+(\.0*)?$/.test(value)) return undefined;
  const exact = /^(\d+)(?:\.(\d{1,9}))?$/.exec(value);
  if (exact) return { seconds: BigInt(exact[1]), nanos: Number((exact[2] ?? '').padEnd(9, '0')) };
  const ms = parseEventTime(value, now).getTime();
  if (ms < 0) throw EngineError.invalid(`invalid time: ${value}`);
  return { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
}
