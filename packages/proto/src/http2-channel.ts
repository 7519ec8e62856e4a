/**
 * The client side of gRPC, straight on node:http2. grpc-js's client spends about twice the CPU
 * of the HTTP/2 stream under it on every call (its resolver, retry and load-balancing layers, a
 * captured stack per call); on a busy two-core host that was half a millisecond per call, and a
 * `docker exec` makes several. The wire is gRPC's own (length-prefixed messages, status in the
 * trailers), so the servers (grpc-js, containerd's Go) see no difference.
 */
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';

/** Largest message accepted, as the servers' own limit. */
const maxMessageBytes = 64 * 1024 * 1024;
/** Received messages held before the stream is paused for a slow reader. */
const maxQueuedMessages = 16;

/** A call's end other than OK, shaped as grpc-js's ServiceError so one mapping reads both. */
export class CallStatusError extends Error {
  constructor(
    readonly code: grpc.status,
    readonly details: string,
    readonly metadata: grpc.Metadata,
  ) {
    super(`${code} ${grpc.status[code] ?? ''}: ${details}`);
  }
}

export function statusError(code: grpc.status, details: string, headers: http2.IncomingHttpHeaders = {}): CallStatusError {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(headers)) {
    // Only what our error mapping reads: text entries (a binary one would need decoding).
    if (!key.startsWith(':') && !key.startsWith('grpc-') && !key.endsWith('-bin') && typeof value === 'string') metadata.set(key, value);
  }
  return new CallStatusError(code, details, metadata);
}

/** grpc-message is percent-encoded; a malformed one is shown as it came. */
function percentDecoded(message: string): string {
  try {
    return decodeURIComponent(message);
  } catch {
    return message;
  }
}

/** A status from trailers (or from a trailers-only answer); undefined when there is none. */
function statusOf(headers: http2.IncomingHttpHeaders): CallStatusError | null | undefined {
  const code = headers['grpc-status'];
  if (code === undefined) return undefined;
  if (code === '0') return null;
  const message = headers['grpc-message'];
  return statusError(Number(code) as grpc.status, typeof message === 'string' ? percentDecoded(message) : '', headers);
}

export interface CallHead {
  readonly path: string;
  readonly metadata: Record<string, string>;
  /** The call fails with DEADLINE_EXCEEDED after this many milliseconds. */
  readonly timeoutMs?: number;
}

/** One call: messages out, messages in, then its status. */
export interface ClientCall {
  /** Sends one message; resolves once the stream can take more. */
  send(message: Uint8Array): Promise<void>;
  /** Ends the requests (half-close). */
  end(): void;
  /**
   * Sends the only (or last) message and ends the requests, in one write with the call's headers
   * when they are still unsent: the server then wakes once for the call, not once per frame.
   */
  sendLast(message: Uint8Array): void;
  /** Stops the call; the responses then end with CANCELLED. */
  cancel(): void;
  /** The responses, ending with the call; a status other than OK is thrown. */
  responses(): AsyncGenerator<Uint8Array>;
}

const prefixBytes = 5;

/** Splits the DATA of a stream into gRPC messages (one flag byte, a 4-byte length, the bytes). */
class MessageDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** The messages complete with this chunk. */
  push(chunk: Buffer): Buffer[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const messages: Buffer[] = [];
    for (;;) {
      if (this.pendingBytes < prefixBytes) return messages;
      const head = this.pending[0].length >= prefixBytes ? this.pending[0] : Buffer.concat(this.pending);
      if (head[0] !== 0) throw statusError(grpc.status.INTERNAL, 'compressed message received without compression negotiated');
      const length = head.readUInt32BE(1);
      if (length > maxMessageBytes) throw statusError(grpc.status.RESOURCE_EXHAUSTED, `message of ${length} bytes is over the limit of ${maxMessageBytes}`);
      if (this.pendingBytes < prefixBytes + length) return messages;
      messages.push(this.take(prefixBytes + length).subarray(prefixBytes));
    }
  }

  /** The first `size` bytes, without a copy when one chunk holds them. */
  private take(size: number): Buffer {
    const first = this.pending[0];
    let taken: Buffer;
    if (first.length >= size) {
      taken = first.subarray(0, size);
      if (first.length === size) this.pending.shift();
      else this.pending[0] = first.subarray(size);
    } else {
      taken = Buffer.allocUnsafe(size);
      let at = 0;
      while (at < size) {
        const chunk = this.pending[0];
        const n = Math.min(chunk.length, size - at);
        chunk.copy(taken, at, 0, n);
        at += n;
        if (n === chunk.length) this.pending.shift();
        else this.pending[0] = chunk.subarray(n);
      }
    }
    this.pendingBytes -= size;
    return taken;
  }
}

function connectionFactory(address: string): { authority: string; connect: () => net.Socket } {
  if (address.startsWith('unix:')) {
    // unix:///abs/path and unix:/abs/path name the same socket.
    const path = address.slice('unix:'.length).replace(/^\/\/(?=\/)/, '');
    return { authority: 'localhost', connect: () => net.connect(path) };
  }
  const hostPort = address.replace(/^dns:\/{0,3}/, '');
  const url = new URL(`http://${hostPort}`);
  return { authority: hostPort, connect: () => net.connect(Number(url.port || 80), url.hostname.replace(/^\[|\]$/g, '')) };
}

/**
 * One HTTP/2 connection to one gRPC server, opened at the first call and again after it is lost.
 * `receiveWindow` is what the server may have in flight towards us, per stream and in all.
 */
export class Http2Channel {
  private session: http2.ClientHttp2Session | undefined;
  /** Calls open on each connection: one with none does not keep the process alive. */
  private readonly openCalls = new WeakMap<http2.ClientHttp2Session, number>();
  private closed = false;
  private readonly target: { authority: string; connect: () => net.Socket };

  constructor(
    address: string,
    private readonly receiveWindow: number,
  ) {
    this.target = connectionFactory(address);
  }

  private connection(): http2.ClientHttp2Session {
    const current = this.session;
    if (current && !current.closed && !current.destroyed) return current;
    const session = http2.connect(`http://${this.target.authority}`, {
      createConnection: () => this.target.connect(),
      settings: { initialWindowSize: this.receiveWindow, enablePush: false },
      // Node's default (10 MB) refuses new streams once wide windows hold that much.
      maxSessionMemory: Number.MAX_SAFE_INTEGER,
    });
    session.once('connect', () => session.setLocalWindowSize(this.receiveWindow));
    const forget = () => {
      if (this.session === session) this.session = undefined;
    };
    // A failure reaches every open stream as its own error; the next call connects anew.
    session.on('error', forget);
    session.on('goaway', forget);
    session.on('close', forget);
    session.unref();
    this.session = session;
    return session;
  }

  private countCall(session: http2.ClientHttp2Session, change: 1 | -1): void {
    const count = (this.openCalls.get(session) ?? 0) + change;
    this.openCalls.set(session, count);
    if (session.destroyed) return;
    if (count === 1 && change === 1) session.ref();
    if (count === 0) session.unref();
  }

  /** Starts a call. */
  open(head: CallHead): ClientCall {
    if (this.closed) throw statusError(grpc.status.UNAVAILABLE, 'channel closed');
    const headers: http2.OutgoingHttpHeaders = {
      ':method': 'POST',
      ':path': head.path,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...head.metadata,
    };
    const timeoutMs = head.timeoutMs === undefined ? undefined : Math.max(1, Math.ceil(head.timeoutMs));
    if (timeoutMs !== undefined) headers['grpc-timeout'] = `${timeoutMs}m`;
    let session = this.connection();
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request(headers, { endStream: false });
    } catch {
      // A connection going away (GOAWAY received, not yet reported) takes no new streams.
      this.session = undefined;
      session = this.connection();
      stream = session.request(headers, { endStream: false });
    }
    this.countCall(session, 1);
    // Why this side stopped the call; made into an error only if someone reads the status (a
    // reader that stops early cancels every call it leaves, and nobody reads those).
    let localStatus: { code: grpc.status; details: string } | undefined;
    const stop = (code: grpc.status, details: string) => {
      localStatus ??= { code, details };
      if (!stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL);
    };
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => stop(grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded'), timeoutMs);

    let status: CallStatusError | null | undefined;
    const queue: Buffer[] = [];
    let ended = false;
    let wake: (() => void) | undefined;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    const decoder = new MessageDecoder();
    stream.on('response', (responseHeaders) => {
      const httpStatus = responseHeaders[':status'];
      status = statusOf(responseHeaders);
      if (status === undefined && httpStatus !== 200) status = statusError(grpc.status.UNKNOWN, `HTTP status ${httpStatus}`);
    });
    stream.on('trailers', (trailers) => {
      const sent = statusOf(trailers);
      status = sent === undefined ? statusError(grpc.status.UNKNOWN, 'trailers without a grpc-status') : sent;
    });
    stream.on('data', (chunk: Buffer) => {
      try {
        queue.push(...decoder.push(chunk));
      } catch (err) {
        stop((err as CallStatusError).code, (err as CallStatusError).details);
        return;
      }
      if (queue.length >= maxQueuedMessages) stream.pause();
      notify();
    });
    stream.on('error', (err: Error) => {
      status ??= statusError(grpc.status.UNAVAILABLE, err.message);
    });
    // The server's status ends the call, even while requests could still be sent (stdin of an
    // attach): HTTP/2 would keep the stream half open until this side ends, gRPC does not. A
    // stream this side has ended already closes without a reset.
    stream.on('end', () => {
      if (!stream.closed && !stream.writableFinished) stream.close(http2.constants.NGHTTP2_NO_ERROR);
    });
    stream.on('close', () => {
      clearTimeout(timer);
      this.countCall(session, -1);
      ended = true;
      notify();
    });

    const finalStatus = (): CallStatusError | null => {
      if (localStatus) return statusError(localStatus.code, localStatus.details);
      if (status !== undefined) return status;
      const code = stream.rstCode === http2.constants.NGHTTP2_CANCEL ? grpc.status.CANCELLED : grpc.status.UNAVAILABLE;
      return statusError(code, `stream ended without a status (HTTP/2 code ${stream.rstCode ?? 0})`);
    };

    const write = (message: Uint8Array): boolean => {
      const prefix = Buffer.allocUnsafe(prefixBytes);
      prefix[0] = 0;
      prefix.writeUInt32BE(message.byteLength, 1);
      stream.write(prefix);
      return stream.write(message);
    };

    return {
      send: (message) => {
        if (write(message) || stream.closed) return Promise.resolve();
        return new Promise<void>((resolve) => {
          const done = () => {
            stream.off('drain', done).off('close', done);
            resolve();
          };
          stream.on('drain', done).on('close', done);
        });
      },
      end: () => {
        if (!stream.closed) stream.end();
      },
      sendLast: (message) => {
        if (stream.closed) return;
        // Corked, the writes and the end reach nghttp2 together: one DATA frame carrying END_STREAM.
        stream.cork();
        write(message);
        stream.end();
      },
      cancel: () => stop(grpc.status.CANCELLED, 'Cancelled on client'),
      async *responses() {
        for (;;) {
          const message = queue.shift();
          if (message) {
            if (queue.length < maxQueuedMessages / 2 && stream.isPaused()) stream.resume();
            yield message;
          } else if (ended) {
            const error = finalStatus();
            if (error) throw error;
            return;
          } else {
            if (stream.isPaused()) stream.resume();
            await new Promise<void>((resolve) => (wake = resolve));
          }
        }
      },
    };
  }

  close(): void {
    this.closed = true;
    this.session?.close();
    this.session = undefined;
  }
}
