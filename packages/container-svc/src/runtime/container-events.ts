import type { EventPublisher } from '@flotilla/kit';
import type { ContainerRecord } from '../core/container-record.js';
import type { ContainerEventSink } from '../core/ports.js';

/** Docker's container events carry the image, the name and the container's labels as attributes. */
export class NatsContainerEvents implements ContainerEventSink {
  constructor(private readonly publisher: EventPublisher) {}

  publish(action: string, record: ContainerRecord, extra: Record<string, string> = {}): void {
    this.publisher.publish({
      type: 'container',
      action,
      actorId: record.id,
      attributes: { ...record.config.Labels, image: record.image, name: record.name, ...extra },
    });
  }

  publishPrune(reclaimed: number): void {
    this.publisher.publish({ type: 'container', action: 'prune', actorId: '', attributes: { reclaimed: String(reclaimed) } });
  }
}
