import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * The request id follows one Docker API request through every service: the gateway creates it
 * (or takes the client's `X-Request-Id`), the gRPC adapter sends it as metadata and restores it
 * on the server side, and the logger adds it to every line written while handling the request.
 */
export const requestIdMetadataKey = 'x-request-id';

const storage = new AsyncLocalStorage<string>();

export function currentRequestId(): string | undefined {
  return storage.getStore();
}

export function withRequestId<T>(requestId: string, fn: () => T): T {
  return storage.run(requestId, fn);
}

export function newRequestId(): string {
  return randomUUID();
}
