/**
 * The one error type of the engine. Every layer throws it (or something `EngineError.from` can
 * normalise); it is mapped once to a gRPC status (grpc.ts) and once to HTTP (the gateway).
 * `cause` is kept for logs and never crosses the wire.
 */
export type ErrorKind =
  | 'not-found'
  | 'invalid'
  | 'conflict'
  | 'not-modified'
  | 'unauthorized'
  | 'forbidden'
  | 'unavailable'
  | 'not-implemented'
  | 'internal';

export const errorKinds: readonly ErrorKind[] = [
  'not-found',
  'invalid',
  'conflict',
  'not-modified',
  'unauthorized',
  'forbidden',
  'unavailable',
  'not-implemented',
  'internal',
];

export class EngineError extends Error {
  override readonly name = 'EngineError';

  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  static notFound(message: string): EngineError {
    return new EngineError('not-found', message);
  }
  static invalid(message: string): EngineError {
    return new EngineError('invalid', message);
  }
  static conflict(message: string): EngineError {
    return new EngineError('conflict', message);
  }
  static notModified(message = 'not modified'): EngineError {
    return new EngineError('not-modified', message);
  }
  static forbidden(message: string): EngineError {
    return new EngineError('forbidden', message);
  }
  static unavailable(message: string, cause?: unknown): EngineError {
    return new EngineError('unavailable', message, { cause });
  }
  static notImplemented(message: string): EngineError {
    return new EngineError('not-implemented', message);
  }

  /** Normalises anything thrown; unknown errors become `internal` with the original as cause. */
  static from(err: unknown): EngineError {
    if (err instanceof EngineError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new EngineError('internal', message, { cause: err });
  }

  static is(err: unknown, kind: ErrorKind): boolean {
    return err instanceof EngineError && err.kind === kind;
  }
}

export function isErrorKind(value: string): value is ErrorKind {
  return (errorKinds as readonly string[]).includes(value);
}
