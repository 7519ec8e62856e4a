import { imageV1, serviceRegistration } from '@flotilla/proto';
import { connectEventPublisher, envString, packageVersion, runService, untilAvailable } from '@flotilla/kit';
import { connectContainerd } from '@flotilla/containerd';
import { imageHandlers } from './grpc/image-handlers.js';
import { ContainerdImageStore } from './store/containerd-image-store.js';

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
    return [serviceRegistration(imageV1.ImageService, imageHandlers(store, events), logger)];
  },
});
