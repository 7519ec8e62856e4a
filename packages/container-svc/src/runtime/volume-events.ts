import type { EventPublisher } from '@flotilla/kit';
import type { VolumeEventSink } from '../core/volumes/volume-ports.js';
import type { VolumeRecord } from '../core/volumes/volume-record.js';

/** Docker's volume events: the volume's name is the actor. */
export class NatsVolumeEvents implements VolumeEventSink {
  constructor(private readonly publisher: EventPublisher) {}

  publish(action: string, volume: VolumeRecord, attributes: Record<string, string> = {}): void {
    this.publisher.publish({ type: 'volume', action, actorId: volume.name, attributes });
  }

  publishPrune(reclaimed: number): void {
    this.publisher.publish({ type: 'volume', action: 'prune', actorId: '', attributes: { reclaimed: String(reclaimed) } });
  }
}
