import { networkV1, type ServiceHandlers } from '@flotilla/proto';
import type { NetworkAttachments } from '../core/network-attachments.js';

export function networkHandlers(attachments: NetworkAttachments): ServiceHandlers<typeof networkV1.NetworkService> {
  return {
    async attachContainer(req) {
      await attachments.attach(req.containerId, req.networkMode, req.netnsPath);
      return {};
    },
    async detachContainer(req) {
      await attachments.detach(req.containerId);
      return {};
    },
  };
}
