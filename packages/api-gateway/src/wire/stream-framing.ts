import type { Writable } from 'node:stream';

/** Docker's stream types in the 8-byte frame header of non-TTY attach, exec and logs streams. */
export const enum StreamType {
  Stdin = 0,
  Stdout = 1,
  Stderr = 2,
}

/** `[type, 0, 0, 0, size (uint32 big-endian)]`, then the payload. */
export function frameHeader(type: StreamType, size: number): Buffer {
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(size, 4);
  return header;
}

/** Writes one frame without copying the payload; returns false when the writer wants a drain. */
export function writeFrame(out: Writable, type: StreamType, payload: Uint8Array): boolean {
  out.cork();
  out.write(frameHeader(type, payload.length));
  const more = out.write(payload);
  process.nextTick(() => out.uncork());
  return more;
}

export const rawStreamContentType = 'application/vnd.docker.raw-stream';
export const multiplexedStreamContentType = 'application/vnd.docker.multiplexed-stream';
