import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AttachmentRecord, NetworkRecord } from '../core/network-record.js';
import type { NetworkStore } from '../core/ports.js';

const hexId = /^[0-9a-f]{64}$/;

/**
 * One small JSON file per network and per attached container. Writes are rare and each replaces
 * its file whole (written aside, then renamed), so a crash loses at most the change in flight.
 */
export class FileNetworkStore implements NetworkStore {
  private readonly networksDir: string;
  private readonly attachmentsDir: string;

  constructor(dir: string) {
    this.networksDir = join(dir, 'networks');
    this.attachmentsDir = join(dir, 'attachments');
  }

  private file(dir: string, id: string): string {
    if (!hexId.test(id)) throw new Error(`not an ID: ${id}`);
    return join(dir, `${id}.json`);
  }

  private async put(dir: string, id: string, value: object): Promise<void> {
    await mkdir(dir, { recursive: true });
    const file = this.file(dir, id);
    await writeFile(`${file}.tmp`, JSON.stringify(value));
    await rename(`${file}.tmp`, file);
  }

  private async list<T>(dir: string): Promise<T[]> {
    const names = await readdir(dir).catch(() => [] as string[]);
    const values = await Promise.all(
      names.filter((n) => n.endsWith('.json')).map((n) => readFile(join(dir, n), 'utf8').then((text) => JSON.parse(text) as T)),
    );
    return values;
  }

  listNetworks(): Promise<NetworkRecord[]> {
    return this.list<NetworkRecord>(this.networksDir);
  }

  putNetwork(network: NetworkRecord): Promise<void> {
    return this.put(this.networksDir, network.id, network);
  }

  async deleteNetwork(id: string): Promise<void> {
    await rm(this.file(this.networksDir, id), { force: true });
  }

  listAttachments(): Promise<AttachmentRecord[]> {
    return this.list<AttachmentRecord>(this.attachmentsDir);
  }

  putAttachment(attachment: AttachmentRecord): Promise<void> {
    return this.put(this.attachmentsDir, attachment.containerId, attachment);
  }

  async deleteAttachment(containerId: string): Promise<void> {
    await rm(this.file(this.attachmentsDir, containerId), { force: true });
  }
}
