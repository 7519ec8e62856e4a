import { join } from 'node:path';
import { networkV1, serviceRegistration } from '@flotilla/proto';
import { envString, packageVersion, runService } from '@flotilla/kit';
import { NetworkAttachments } from './core/network-attachments.js';
import { networkHandlers } from './grpc/network-handlers.js';
import { FileAttachmentStore } from './store/attachment-store.js';
import { NetworkNamespaces } from './runtime/network-namespaces.js';


void runService({
  name: 'network-svc',
  version: packageVersion(__dirname),
  async compose({ logger }) {
    const stateDir = envString('FLOTILLA_STATE_DIR', '/var/lib/flotilla/network');
    const attachments = new NetworkAttachments(new FileAttachmentStore(join(stateDir, 'attachments')), new NetworkNamespaces());
    return [serviceRegistration(networkV1.NetworkService, networkHandlers(attachments), logger)];
  },
});
