import { chmodSync } from 'node:fs';
import type { Server } from 'node:http';
import { connectService, createClient, containerV1, imageV1, networkV1, volumeV1 } from '@flotilla/proto';
import { connectEventFeed, createLogger, type EventFeed, envInt, envString, onTerminate, packageVersion, prepareUnixSocket } from '@flotilla/kit';
import { createApiServer } from './http/api-server.js';
import { Router } from './http/router.js';
import { containerRoutes } from './routes/containers.js';
import { imageRoutes } from './routes/images.js';
import { authRoutes } from './routes/auth.js';
import { systemRoutes } from './routes/system.js';
import { eventRoutes } from './routes/events.js';
import { execRoutes } from './routes/exec.js';
import { networkRoutes } from './routes/networks.js';
import { volumeRoutes } from './routes/volumes.js';
import { filesystemRoutes } from './routes/container-filesystem.js';

/** Composition root of the gateway: one gRPC client per service, one router per API area. */
function main(): void {
  const engineVersion = packageVersion(__dirname);
  const logger = createLogger('api-gateway', engineVersion);
  const socketPath = envString('FLOTILLA_API_SOCKET', '/run/flotilla/docker.sock');
  const containerService = connectService(envString('FLOTILLA_CONTAINER_SVC_ADDRESS'));
  const imageService = connectService(envString('FLOTILLA_IMAGE_SVC_ADDRESS'));
  const networkService = connectService(envString('FLOTILLA_NETWORK_SVC_ADDRESS'));
  const containers = createClient(containerV1.ContainerService, containerService);
  const images = createClient(imageV1.ImageService, imageService);
  const networks = createClient(networkV1.NetworkService, networkService);
  // Volumes are served by container-svc, beside its containers.
  const volumes = createClient(volumeV1.VolumeService, containerService);
  // NATS is needed by GET /events only: the rest of the API does not wait for it.
  const natsUrl = envString('FLOTILLA_NATS_URL');
  let feed: Promise<EventFeed> | undefined;
  const openFeed = () =>
    (feed ??= connectEventFeed(natsUrl, logger).catch((err: unknown) => {
      // The next request tries again.
      feed = undefined;
      throw err;
    }));
  const events: Pick<EventFeed, 'events'> = {
    async *events(options) {
      yield* (await openFeed()).events(options);
    },
  };

  const router = new Router([
    ...systemRoutes(
      { engineVersion, stateDir: envString('FLOTILLA_STATE_DIR', '/var/lib/flotilla'), deadlineMs: envInt('FLOTILLA_AGGREGATE_DEADLINE_MS', 2000) },
      { containers, images, volumes },
    ),
    ...containerRoutes(containers),
    ...filesystemRoutes(containers),
    ...execRoutes(containers),
    ...imageRoutes(images),
    ...networkRoutes({ networks, containers }),
    ...volumeRoutes(volumes),
    ...authRoutes(images),
    ...eventRoutes(events),
  ]);
  const server = createApiServer({ router, logger, engineVersion });
  const servers: Server[] = [server];

  prepareUnixSocket(socketPath);
  server.listen(socketPath, () => {
    chmodSync(socketPath, 0o660);
    logger.info({ socket: socketPath }, 'listening');
  });
  const tcp = process.env.FLOTILLA_API_TCP;
  if (tcp) {
    const [host, port] = [tcp.slice(0, tcp.lastIndexOf(':')), Number(tcp.slice(tcp.lastIndexOf(':') + 1))];
    logger.warn({ address: tcp }, 'serving the API over plain TCP: anyone who can reach it controls the host');
    const tcpServer = createApiServer({ router, logger, engineVersion });
    tcpServer.listen(port, host);
    servers.push(tcpServer);
  }

  onTerminate(logger, async () => {
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            // Hijacked and streaming connections end with the engine, not with the listener.
            s.closeAllConnections();
          }),
      ),
    );
    containerService.close();
    imageService.close();
    networkService.close();
    await feed?.then((opened) => opened.close(), () => undefined);
  });
}

main();
