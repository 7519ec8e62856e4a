import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { widenReceiveWindows, type ServiceRegistration } from '@flotilla/proto';
import { createLogger, type Logger } from './logger.js';
import { envInt, envString } from './config.js';

export interface Closeable {
  close(): Promise<void> | void;
}

export interface ServiceKit {
  readonly logger: Logger;
  /** Registers an adapter to close on shutdown; adapters close in reverse order of registration. */
  own<T extends Closeable>(adapter: T): T;
}

export interface ServiceOptions {
  name: string;
  version: string;
  /** Builds the adapters (waiting until its dependencies answer) and returns the gRPC services. */
  compose(kit: ServiceKit): Promise<ServiceRegistration[]>;
}

/** Runs `stop` once on SIGTERM or SIGINT, then exits. */
export function onTerminate(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handle = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop()
      .catch((err) => logger.error({ err }, 'shutdown failed'))
      .finally(() => {
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      });
  };
  process.on('SIGTERM', () => handle('SIGTERM'));
  process.on('SIGINT', () => handle('SIGINT'));
}

/** Closes adapters in reverse order of construction. */
async function closeAll(adapters: Closeable[], logger: Logger): Promise<void> {
  for (const adapter of [...adapters].reverse()) {
    try {
      await adapter.close();
    } catch (err) {
      logger.warn({ err }, 'adapter did not close cleanly');
    }
  }
}

/** Makes the socket's directory and removes a socket left by an earlier run. */
export function prepareUnixSocket(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  rmSync(path, { force: true });
}

/** `unix:///path`, `unix:/path` or `host:port`. */
function prepareListenAddress(address: string): void {
  const match = /^unix:(?:\/\/)?(\/.*)$/.exec(address);
  if (match) prepareUnixSocket(match[1]);
}

/**
 * How every service starts: logger, gRPC server with grpc.health.v1 answering NOT_SERVING at once,
 * then the adapters, then SERVING. On SIGTERM or SIGINT: NOT_SERVING, drain calls, close adapters
 * in reverse order, exit.
 */
export async function runService(options: ServiceOptions): Promise<void> {
  const logger = createLogger(options.name, options.version);
  const address = envString('FLOTILLA_LISTEN');
  const drainMs = envInt('FLOTILLA_SHUTDOWN_GRACE_MS', 5_000);
  const adapters: Closeable[] = [];
  const health = new HealthImplementation({ '': 'NOT_SERVING' });
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  health.addToServer(server);

  onTerminate(logger, async () => {
    health.setStatus('', 'NOT_SERVING');
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, drainMs);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    await closeAll(adapters, logger);
  });

  prepareListenAddress(address);
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  widenReceiveWindows(server);
  logger.info({ address }, 'listening');

  try {
    const registrations = await options.compose({
      logger,
      own: (adapter) => {
        adapters.push(adapter);
        return adapter;
      },
    });
    for (const { service, definition, implementation } of registrations) {
      server.addService(definition, implementation);
      health.setStatus(service.typeName, 'SERVING');
    }
  } catch (err) {
    logger.fatal({ err }, 'could not start');
    server.forceShutdown();
    await closeAll(adapters, logger);
    logger.flush();
    process.exit(1);
  }
  health.setStatus('', 'SERVING');
  logger.info('serving');
}
