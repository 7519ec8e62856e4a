import type { AttachmentStore } from '../store/attachment-store.js';
import { attachmentFor } from './network-mode.js';

/** Makes and releases network namespaces; the adapter behind it does the actual work. */
export interface NamespaceMaker {
  create(path: string): Promise<void>;
  remove(path: string): Promise<void>;
}

/** Gives containers their network namespace and takes it back, recording what it made. */
export class NetworkAttachments {
  constructor(
    private readonly store: AttachmentStore,
    private readonly namespaces: NamespaceMaker,
  ) {}

  async attach(containerId: string, networkMode: string, netnsPath: string): Promise<void> {
    if (attachmentFor(networkMode).kind === 'host') return;
    // A namespace left by a run that was never detached (a crash) is replaced.
    await this.detach(containerId);
    await this.namespaces.create(netnsPath);
    await this.store.put({ containerId, netnsPath });
  }

  async detach(containerId: string): Promise<void> {
    const record = await this.store.get(containerId);
    if (!record) return;
    await this.namespaces.remove(record.netnsPath);
    await this.store.delete(containerId);
  }
}
