import type { EventPublisher } from '@flotilla/kit';
import type { NetworkRecord } from '../core/network-record.js';
import type { NetworkEventSink } from '../core/ports.js';

/** Docker's network events: the network's name and driver, and the container for connect and disconnect. */
export class NatsNetworkEvents implements NetworkEventSink {
  constructor(private readonly publisher: EventPublisher) {}

  publish(action: 'create' | 'destroy' | 'connect' | 'disconnect', network: NetworkRecord, containerId?: string): void {
    this.publisher.publish({
      type: 'network',
      action,
      actorId: network.id,
      attributes: { name: network.name, type: network.driver, ...(containerId ? { container: containerId } : {}) },
    });
  }
}
