import type { Duplex } from 'node:stream';
import { containerV1 } from '@flotilla/proto';
import { compareApiVersions } from '../http/api-version.js';
import { multiplexedStreamContentType, rawStreamContentType, StreamType, writeFrame } from '../wire/stream-framing.js';

/** A TTY's output is one raw stream; other output is multiplexed (labelled raw before API 1.42, as dockerd did). */
export function attachedContentType(tty: boolean, apiVersion: string): string {
  return !tty && compareApiVersions(apiVersion, '1.42') >= 0 ? multiplexedStreamContentType : rawStreamContentType;
}

/** Writes one chunk of attach or exec output; false when the socket wants a drain first. */
export function writeOutput(socket: Duplex, tty: boolean, chunk: containerV1.OutputChunk): boolean {
  if (tty) return socket.write(chunk.data);
  return writeFrame(socket, chunk.stream === containerV1.OutputStream.STDERR ? StreamType.Stderr : StreamType.Stdout, chunk.data);
}

/** The stdin part of an attach or exec request stream: what the client sends, then its close. */
export async function* stdinRequests(
  socket: Duplex,
  head: Buffer,
): AsyncGenerator<{ request: { case: 'stdin'; value: Uint8Array } | { case: 'closeStdin'; value: Record<string, never> } }> {
  if (head.length) yield { request: { case: 'stdin', value: head } };
  // The client half-closes when its stdin ends; the socket must stay open for the output.
  for await (const chunk of socket.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) yield { request: { case: 'stdin', value: chunk } };
  yield { request: { case: 'closeStdin', value: {} } };
}
