import type { ServerResponse } from 'node:http';
import { EngineError } from '@flotilla/proto';

export interface ProgressLine {
  id: string;
  status: string;
  current: bigint | number;
  total: bigint | number;
  plain: boolean;
}

/** Decimal sizes with four significant digits, as Docker prints them (`1.049MB`). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${Number(value.toPrecision(4))}${units[unit]}`;
}

/** The bar dockerd puts in `progress` for clients that draw no bar of their own. */
export function progressBar(current: number, total: number): string {
  if (total <= 0) return current > 0 ? humanSize(current).padStart(8) : '';
  const filled = Math.min(50, Math.floor(Math.floor((current / total) * 100) / 2));
  const numbers = current > total ? humanSize(current).padStart(8) : `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  return `[${'='.repeat(filled)}>${' '.repeat(50 - filled)}] ${numbers}`;
}

/** One JSON message of a pull or push stream, with dockerd's fields in dockerd's order. */
export function progressJson(line: ProgressLine): Record<string, unknown> {
  const current = Number(line.current);
  const total = Number(line.total);
  const message: Record<string, unknown> = { status: line.status };
  if (!line.plain) {
    message.progressDetail = current || total ? { current, total } : {};
    if (current || total) message.progress = progressBar(current, total);
  }
  if (line.id) message.id = line.id;
  return message;
}

/**
 * Writes a stream of JSON messages. The response head goes out with the first message, so a
 * failure before it is still a plain HTTP error; a failure after it is reported in the stream,
 * as dockerd does.
 */
export async function streamJsonMessages(res: ServerResponse, messages: AsyncIterable<Record<string, unknown>>): Promise<void> {
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    res.writeHead(200, { 'Content-Type': 'application/json' });
  };
  try {
    for await (const message of messages) {
      start();
      res.write(JSON.stringify(message) + '\r\n');
    }
  } catch (err) {
    if (!started) throw err;
    const { message } = EngineError.from(err);
    res.write(JSON.stringify({ errorDetail: { message }, error: message }) + '\r\n');
  }
  start();
  res.end();
}
