import { NetworkAttachments, type NamespaceMaker } from './network-attachments';
import type { AttachmentRecord, AttachmentStore } from '../store/attachment-store';

class MemoryStore implements AttachmentStore {
  readonly records = new Map<string, AttachmentRecord>();
  async put(r: AttachmentRecord) {
    this.records.set(r.containerId, r);
  }
  async get(id: string) {
    return this.records.get(id);
  }
  async delete(id: string) {
    this.records.delete(id);
  }
  async list() {
    return [...this.records.values()];
  }
}

function fakeNamespaces(): NamespaceMaker & { live: Set<string> } {
  const live = new Set<string>();
  return {
    live,
    create: async (path) => void live.add(path),
    remove: async (path) => void live.delete(path),
  };
}

describe('NetworkAttachments', () => {
  it('makes a namespace for an isolated container and removes it on detach', async () => {
    const store = new MemoryStore();
    const namespaces = fakeNamespaces();
    const attachments = new NetworkAttachments(store, namespaces);
    await attachments.attach('c1', 'default', '/ns/c1');
    expect([...namespaces.live]).toEqual(['/ns/c1']);
    await attachments.detach('c1');
    await attachments.detach('c1');
    expect(namespaces.live.size).toBe(0);
    expect(store.records.size).toBe(0);
  });

  it('makes nothing for the host network', async () => {
    const namespaces = fakeNamespaces();
    await new NetworkAttachments(new MemoryStore(), namespaces).attach('c1', 'host', '/ns/c1');
    expect(namespaces.live.size).toBe(0);
  });

  it('refuses networks that do not exist', async () => {
    await expect(new NetworkAttachments(new MemoryStore(), fakeNamespaces()).attach('c1', 'nope', '/ns/c1')).rejects.toMatchObject({
      kind: 'not-found',
      message: 'network nope not found',
    });
  });
});
