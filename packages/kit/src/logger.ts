import pino, { type Logger } from 'pino';
import { currentRequestId } from '@flotilla/proto';

export type { Logger };

/** Options of every service's root logger (exported for tests). */
export function loggerOptions(service: string, version: string, level: string): pino.LoggerOptions {
  return {
    level,
    base: { service, version },
    mixin() {
      const requestId = currentRequestId();
      return requestId ? { requestId } : {};
    },
    redact: {
      paths: ['*.authorization', '*["x-registry-auth"]', '*.password', '*.identitytoken'],
      censor: '[redacted]',
    },
  };
}

/**
 * One root logger per process: JSON lines with the service name and version, and the request id
 * of the call being handled on every line (from the async context the gRPC adapter sets up).
 */
export function createLogger(service: string, version: string, level = process.env.FLOTILLA_LOG_LEVEL ?? 'info'): Logger {
  return pino(loggerOptions(service, version, level));
}
