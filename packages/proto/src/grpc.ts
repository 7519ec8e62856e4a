/**
 * The one bridge between protobuf-es descriptors and gRPC (protoc-gen-es emits no gRPC code).
 * Servers run on @grpc/grpc-js and get typed handlers wrapped with the request id, logging and
 * error mapping; clients run on our own HTTP/2 channel (./http2-channel) and get typed methods that
 * send the request id and turn statuses back into EngineErrors. Used for our own services and for
 * containerd's.
 */
import type { Readable } from 'node:stream';
import type { Http2Server, ServerHttp2Session } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import {
  fromBinary,
  type DescMessage,
  type DescMethod,
  type DescService,
  type MessageInitShape,
  type MessageShape,
} from '@bufbuild/protobuf';
import { EngineError, isErrorKind, type ErrorKind } from './engine-error.js';
import { encodeMessage } from './message-encoding.js';
import { currentRequestId, newRequestId, requestIdMetadataKey, withRequestId } from './request-context.js';
import { CallStatusError, Http2Channel, statusError, type CallHead, type ClientCall } from './http2-channel.js';

/** The part of a pino logger the adapter uses; kept structural so this package needs no pino. */
export interface RpcLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Trailer that carries the exact kind, since several kinds share one gRPC code. */
const errorKindMetadataKey = 'engine-error-kind';

const codeOfKind: Record<ErrorKind, grpc.status> = {
  'not-found': grpc.status.NOT_FOUND,
  invalid: grpc.status.INVALID_ARGUMENT,
  conflict: grpc.status.ALREADY_EXISTS,
  'not-modified': grpc.status.FAILED_PRECONDITION,
  unauthorized: grpc.status.UNAUTHENTICATED,
  forbidden: grpc.status.PERMISSION_DENIED,
  unavailable: grpc.status.UNAVAILABLE,
  'not-implemented': grpc.status.UNIMPLEMENTED,
  internal: grpc.status.INTERNAL,
};

/** For statuses that carry no kind (containerd's), the same table dockerd uses for gRPC codes. */
function kindOfCode(code: grpc.status): ErrorKind {
  switch (code) {
    case grpc.status.NOT_FOUND:
      return 'not-found';
    case grpc.status.INVALID_ARGUMENT:
    case grpc.status.FAILED_PRECONDITION:
    case grpc.status.OUT_OF_RANGE:
      return 'invalid';
    case grpc.status.ALREADY_EXISTS:
    case grpc.status.ABORTED:
      return 'conflict';
    case grpc.status.UNAUTHENTICATED:
      return 'unauthorized';
    case grpc.status.PERMISSION_DENIED:
      return 'forbidden';
    case grpc.status.UNAVAILABLE:
    case grpc.status.DEADLINE_EXCEEDED:
      return 'unavailable';
    case grpc.status.UNIMPLEMENTED:
      return 'not-implemented';
    default:
      return 'internal';
  }
}

function toStatus(err: EngineError): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  metadata.set(errorKindMetadataKey, err.kind);
  return { code: codeOfKind[err.kind], details: err.message, metadata };
}

/** Turns a grpc-js error back into an EngineError; the gRPC status stays as the cause. */
export function fromServiceError(err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  const status = err as Partial<grpc.ServiceError>;
  if (typeof status?.code !== 'number') return EngineError.from(err);
  const sent = status.metadata?.get(errorKindMetadataKey)[0];
  const kind = typeof sent === 'string' && isErrorKind(sent) ? sent : kindOfCode(status.code);
  return new EngineError(kind, status.details || status.message || 'unknown error', { cause: err });
}

// ---- server ----------------------------------------------------------------------------------

export interface CallContext {
  readonly requestId: string;
  /** Aborted when the client cancels or goes away. */
  readonly signal: AbortSignal;
  readonly metadata: grpc.Metadata;
}

type In<M> = M extends { input: infer I extends DescMessage } ? I : never;
type Out<M> = M extends { output: infer O extends DescMessage } ? O : never;

type Handler<M> = M extends { methodKind: 'unary' }
  ? (req: MessageShape<In<M>>, ctx: CallContext) => Promise<MessageInitShape<Out<M>>>
  : M extends { methodKind: 'server_streaming' }
    ? (req: MessageShape<In<M>>, ctx: CallContext) => AsyncIterable<MessageInitShape<Out<M>>>
    : M extends { methodKind: 'client_streaming' }
      ? (reqs: AsyncIterable<MessageShape<In<M>>>, ctx: CallContext) => Promise<MessageInitShape<Out<M>>>
      : M extends { methodKind: 'bidi_streaming' }
        ? (reqs: AsyncIterable<MessageShape<In<M>>>, ctx: CallContext) => AsyncIterable<MessageInitShape<Out<M>>>
        : never;

export type ServiceHandlers<S extends DescService> = { [K in keyof S['method']]: Handler<S['method'][K]> };

export interface ServiceRegistration {
  readonly service: DescService;
  readonly definition: grpc.ServiceDefinition;
  readonly implementation: grpc.UntypedServiceImplementation;
}

type Payload = Record<string, unknown>;

function methodDefinition(method: DescMethod): grpc.MethodDefinition<Payload, Payload> {
  return {
    path: `/${method.parent.typeName}/${method.name}`,
    requestStream: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
    responseStream: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
    requestSerialize: (msg) => encodeMessage(method.input, msg),
    requestDeserialize: (buf) => fromBinary(method.input, buf),
    responseSerialize: (msg) => encodeMessage(method.output, msg),
    responseDeserialize: (buf) => fromBinary(method.output, buf),
    originalName: method.localName,
  };
}

type AnyCall = grpc.ServerUnaryCall<unknown, unknown>;

/** The handler's context, and `finish` to call once the call is answered. */
function contextOf(call: AnyCall): { ctx: CallContext; finish(): void } {
  const controller = new AbortController();
  let finished = false;
  // grpc-js reports every call cancelled when its stream closes, answered or not; an abort then
  // would only cost a DOMException and the listeners' work.
  call.on('cancelled', () => {
    if (!finished) controller.abort();
  });
  const sent = call.metadata.get(requestIdMetadataKey)[0];
  const requestId = typeof sent === 'string' && sent !== '' ? sent : newRequestId();
  return { ctx: { requestId, signal: controller.signal, metadata: call.metadata }, finish: () => (finished = true) };
}

/** Writes to a server stream with back-pressure. */
async function writeAll(call: grpc.ServerWritableStream<unknown, unknown>, messages: AsyncIterable<unknown>) {
  for await (const msg of messages) {
    if (call.cancelled) return;
    if (!call.write(msg)) await new Promise<void>((resolve) => call.once('drain', resolve));
  }
}

/** Builds the grpc-js definition and implementation of a service from its typed handlers. */
export function serviceRegistration<S extends DescService>(
  service: S,
  handlers: ServiceHandlers<S>,
  logger: RpcLogger,
): ServiceRegistration {
  const definition: Record<string, grpc.MethodDefinition<Payload, Payload>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const method of service.methods) {
    definition[method.localName] = methodDefinition(method);
    const handler = (handlers as Record<string, (...args: unknown[]) => unknown>)[method.localName];
    if (!handler) continue;
    const rpc = `${service.typeName}/${method.name}`;
    const report = (ctx: CallContext, started: bigint, err?: unknown): Partial<grpc.StatusObject> | undefined => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (err === undefined) {
        logger.debug({ rpc, ms }, 'rpc ok');
        return undefined;
      }
      if (ctx.signal.aborted) {
        logger.debug({ rpc, ms }, 'rpc cancelled');
        return undefined;
      }
      const engineError = EngineError.from(err);
      const log = engineError.kind === 'internal' ? logger.error.bind(logger) : logger.debug.bind(logger);
      log({ rpc, ms, kind: engineError.kind, err: engineError.cause ?? engineError }, engineError.message);
      return toStatus(engineError);
    };
    implementation[method.localName] = (call: AnyCall, callback?: grpc.sendUnaryData<unknown>) => {
      const { ctx, finish } = contextOf(call);
      const started = process.hrtime.bigint();
      withRequestId(ctx.requestId, () => {
        // Reading the requests to their end must not destroy the call: responses still flow.
        const input = method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming'
          ? (call as unknown as Readable).iterator({ destroyOnReturn: false })
          : call.request;
        if (method.methodKind === 'unary' || method.methodKind === 'client_streaming') {
          (async () => handler(input, ctx))().then(
            (res) => {
              report(ctx, started);
              finish();
              callback!(null, res);
            },
            (err) => {
              const status = report(ctx, started, err);
              finish();
              callback!(status ?? { code: grpc.status.CANCELLED });
            },
          );
          return;
        }
        const stream = call as grpc.ServerWritableStream<unknown, unknown>;
        writeAll(stream, handler(input, ctx) as AsyncIterable<unknown>).then(
          () => {
            report(ctx, started);
            finish();
            if (!stream.cancelled) stream.end();
          },
          (err) => {
            const status = report(ctx, started, err);
            finish();
            if (status && !stream.cancelled) stream.emit('error', status);
          },
        );
      });
    };
  }
  return { service, definition, implementation };
}

// ---- client ----------------------------------------------------------------------------------

export interface CallOptions {
  signal?: AbortSignal;
  /** Milliseconds from now. */
  timeoutMs?: number;
  metadata?: Record<string, string>;
}

type ClientMethod<M> = M extends { methodKind: 'unary' }
  ? (req: MessageInitShape<In<M>>, opts?: CallOptions) => Promise<MessageShape<Out<M>>>
  : M extends { methodKind: 'server_streaming' }
    ? (req: MessageInitShape<In<M>>, opts?: CallOptions) => AsyncIterable<MessageShape<Out<M>>>
    : M extends { methodKind: 'client_streaming' }
      ? (reqs: AsyncIterable<MessageInitShape<In<M>>>, opts?: CallOptions) => Promise<MessageShape<Out<M>>>
      : M extends { methodKind: 'bidi_streaming' }
        ? (reqs: AsyncIterable<MessageInitShape<In<M>>>, opts?: CallOptions) => AsyncIterable<MessageShape<Out<M>>>
        : never;

export type ServiceClient<S extends DescService> = { [K in keyof S['method']]: ClientMethod<S['method'][K]> };

export interface ClientDefaults {
  /** Metadata sent on every call (containerd's namespace, for example). */
  metadata?: Record<string, string>;
}

/**
 * Bytes in flight per stream and connection before the receiver acknowledges them, between two
 * of our services. Node's HTTP/2 stops reading its socket while one of its own writes is pending,
 * so two Node peers that both have more in flight than the socket buffers between them (208 KiB
 * for a Linux unix socket by default) wait on each other for ever: `docker save | docker load`,
 * or the stdin and output of one `cat big | docker exec -i`. A connection is safe while one of its
 * directions stays below the buffers, the other peer's writes then never wait: what servers send
 * on a client's connection is held to `smallWindow`, what clients send may use `bulkWindow`, and
 * server streams (whose requests are one message) get a connection of their own with `bulkWindow`.
 */
const smallWindow = 128 * 1024;

/** Bulk streams (cp, export, save, load) move ~1.5× faster with 1 MiB in flight than with 128 KiB. */
const bulkWindow = 1024 * 1024;

/**
 * The server side of the windows, for streams clients send (uploads): grpc-js has no option for
 * it, so each HTTP/2 session of the bound server gets it as it opens. Call after bindAsync. A
 * grpc-js without the (private) map of its HTTP/2 servers keeps the 64 KiB window: slower
 * uploads, nothing else.
 */
export function widenReceiveWindows(server: grpc.Server): void {
  const http2Servers = (server as unknown as { http2Servers?: Map<Http2Server, unknown> }).http2Servers;
  for (const http2Server of http2Servers?.keys() ?? []) {
    http2Server.on('session', (session: ServerHttp2Session) => {
      session.settings({ initialWindowSize: bulkWindow });
      session.setLocalWindowSize(bulkWindow);
    });
  }
}

/** A channel to one gRPC server, shared by every service client on that address (our services: connectService). */
export function connectChannel(address: string, receiveWindow = smallWindow): Http2Channel {
  return new Http2Channel(address, receiveWindow);
}

/** The two connections to one of our services: server streams on one, every other call on the other. */
export interface ServiceChannels {
  readonly calls: Http2Channel;
  readonly serverStreams: Http2Channel;
  close(): void;
}

/** Connects to one of our services (lazily: a connection opens at its first call). */
export function connectService(address: string): ServiceChannels {
  const calls = connectChannel(address);
  const serverStreams = connectChannel(address, bulkWindow);
  return {
    calls,
    serverStreams,
    close: () => {
      calls.close();
      serverStreams.close();
    },
  };
}

function callHead(path: string, defaults: ClientDefaults, opts: CallOptions | undefined): CallHead {
  const metadata = { ...defaults.metadata, ...opts?.metadata };
  const requestId = currentRequestId();
  if (requestId) metadata[requestIdMetadataKey] = requestId;
  return { path, metadata, timeoutMs: opts?.timeoutMs };
}

/** Opens a call that the signal cancels; `release` forgets the signal. */
function openCall(channel: Http2Channel, head: CallHead, signal: AbortSignal | undefined): { call: ClientCall; release(): void } {
  const call = channel.open(head);
  if (!signal) return { call, release: () => {} };
  if (signal.aborted) {
    call.cancel();
    return { call, release: () => {} };
  }
  const cancel = () => call.cancel();
  signal.addEventListener('abort', cancel, { once: true });
  return { call, release: () => signal.removeEventListener('abort', cancel) };
}

async function pump(call: ClientCall, inputs: AsyncIterable<unknown>, serialize: (msg: Payload) => Uint8Array): Promise<void> {
  try {
    for await (const msg of inputs) await call.send(serialize(msg as Payload));
    call.end();
  } catch (err) {
    call.cancel();
    throw err;
  }
}

/**
 * The only response of a unary or client-streaming call. Its message is the result: servers
 * (grpc-js's, grpc-go's, ours) send one only with an OK status, so the trailers that follow it,
 * a write and often a scheduling round later, are not waited for.
 */
async function single(call: ClientCall, deserialize: (bytes: Uint8Array) => unknown): Promise<unknown> {
  for await (const bytes of call.responses()) return deserialize(bytes);
  throw statusError(grpc.status.INTERNAL, 'no response message');
}

async function* readAll(
  call: ClientCall,
  release: () => void,
  deserialize: (bytes: Uint8Array) => unknown,
  signal: AbortSignal | undefined,
  pumping?: Promise<void>,
): AsyncGenerator<unknown> {
  let completed = false;
  // A failing input pump cancels the call; its error is the one worth reporting.
  let pumpError: unknown;
  pumping?.catch((err) => (pumpError = err));
  try {
    for await (const bytes of call.responses()) yield deserialize(bytes);
    completed = true;
  } catch (err) {
    if (pumpError) throw pumpError;
    if (signal?.aborted && (err as CallStatusError).code === grpc.status.CANCELLED) return;
    throw fromServiceError(err);
  } finally {
    release();
    // The consumer stopped early (break/return): stop the server side too.
    if (!completed) call.cancel();
  }
}

/** Typed client for one service over a shared channel, or over a service's two (server streams on their own). */
export function createClient<S extends DescService>(
  service: S,
  connection: Http2Channel | ServiceChannels,
  defaults: ClientDefaults = {},
): ServiceClient<S> {
  const { calls: channel, serverStreams } = connection instanceof Http2Channel ? { calls: connection, serverStreams: connection } : connection;
  const client: Record<string, unknown> = {};
  for (const method of service.methods) {
    const def = methodDefinition(method);
    const { path } = def;
    const serialize = def.requestSerialize;
    const deserialize = def.responseDeserialize as (bytes: Uint8Array) => unknown;
    switch (method.methodKind) {
      case 'unary':
        client[method.localName] = async (req: unknown, opts?: CallOptions) => {
          const { call, release } = openCall(channel, callHead(path, defaults, opts), opts?.signal);
          try {
            call.sendLast(serialize(req as Payload));
            return await single(call, deserialize);
          } catch (err) {
            throw fromServiceError(err);
          } finally {
            release();
          }
        };
        break;
      case 'server_streaming':
        client[method.localName] = (req: unknown, opts?: CallOptions) => {
          const { call, release } = openCall(serverStreams, callHead(path, defaults, opts), opts?.signal);
          call.sendLast(serialize(req as Payload));
          return readAll(call, release, deserialize, opts?.signal);
        };
        break;
      case 'client_streaming':
        client[method.localName] = async (reqs: AsyncIterable<unknown>, opts?: CallOptions) => {
          const { call, release } = openCall(channel, callHead(path, defaults, opts), opts?.signal);
          let pumpError: unknown;
          const pumping = pump(call, reqs, serialize).catch((err) => (pumpError = err));
          try {
            return await single(call, deserialize);
          } catch (err) {
            await pumping;
            throw pumpError ?? fromServiceError(err);
          } finally {
            release();
          }
        };
        break;
      case 'bidi_streaming':
        client[method.localName] = (reqs: AsyncIterable<unknown>, opts?: CallOptions) => {
          const { call, release } = openCall(channel, callHead(path, defaults, opts), opts?.signal);
          return readAll(call, release, deserialize, opts?.signal, pump(call, reqs, serialize));
        };
        break;
    }
  }
  return client as ServiceClient<S>;
}
