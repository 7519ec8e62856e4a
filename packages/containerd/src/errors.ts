import { EngineError } from '@flotilla/proto';

/**
 * containerd reports an existing object (blob, snapshot, container) as ALREADY_EXISTS, which the
 * gRPC adapter maps to `conflict`; containerd's errdefs emit no other status of that kind.
 */
export function isAlreadyExists(err: unknown): boolean {
  return EngineError.is(err, 'conflict');
}

/** For cleanup: an object that is already gone is the outcome wanted. */
export async function ignoreNotFound<T>(operation: Promise<T>): Promise<T | undefined> {
  try {
    return await operation;
  } catch (err) {
    if (EngineError.is(err, 'not-found')) return undefined;
    throw err;
  }
}
