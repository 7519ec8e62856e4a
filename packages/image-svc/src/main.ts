import { readFileSync } from 'node:fs';
import { imageV1, serviceRegistration } from '@flotilla/proto';
import { connectEventPublisher, envString, packageVersion, runService, untilAvailable } from '@flotilla/kit';
import { connectContainerd } from '@flotilla/containerd';
import { imageHandlers } from './grpc/image-handlers.js';
import { ContainerdImageStore } from './store/containerd-image-store.js';
import { ImagePuller } from './pull/image-puller.js';
import { ImagePusher } from './push/image-pusher.js';
import { ImageSaver } from './archive/image-saver.js';
import { ImageLoader } from './archive/image-loader.js';
import { RegistryAccess } from './registry/registry-access.js';
import { validateRegistryConfig } from './registry/registry-hosts.js';

void runService({
  name: 'image-svc',
  version: packageVersion(__dirname),
  async compose({ logger, own }) {
    const containerd = own(
      connectContainerd({
        address: envString('FLOTILLA_CONTAINERD_ADDRESS'),
        namespace: envString('FLOTILLA_CONTAINERD_NAMESPACE', 'flotilla'),
      }),
    );
    await untilAvailable('containerd', () => containerd.version.version({}, { timeoutMs: 2000 }), logger);
    const events = own(await connectEventPublisher(envString('FLOTILLA_NATS_URL'), logger));
    const store = new ContainerdImageStore(containerd, envString('FLOTILLA_SNAPSHOTTER', 'overlayfs'));
    const configFile = process.env.FLOTILLA_REGISTRY_CONFIG;
    const registries = new RegistryAccess(configFile ? validateRegistryConfig(JSON.parse(readFileSync(configFile, 'utf8'))) : {});
    const handlers = imageHandlers({
      store,
      puller: new ImagePuller(containerd, store),
      pusher: new ImagePusher(containerd, store),
      saver: new ImageSaver(containerd, store),
      loader: new ImageLoader(containerd, store),
      registries,
      events,
    });
    return [serviceRegistration(imageV1.ImageService, handlers, logger)];
  },
});
