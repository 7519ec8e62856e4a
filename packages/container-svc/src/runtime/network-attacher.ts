import { networkV1, type ServiceClient } from '@flotilla/proto';
import type { NetworkAttacher } from '../core/ports.js';

/** network-svc makes the namespace a container's task joins. */
export class NetworkServiceAttacher implements NetworkAttacher {
  constructor(private readonly network: ServiceClient<typeof networkV1.NetworkService>) {}

  async attach(containerId: string, networkMode: string, netnsPath: string): Promise<void> {
    await this.network.attachContainer({ containerId, networkMode, netnsPath });
  }

  async detach(containerId: string): Promise<void> {
    await this.network.detachContainer({ containerId });
  }
}
