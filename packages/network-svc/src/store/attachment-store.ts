import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Which namespace network-svc made for which container, kept on disk across restarts. */
export interface AttachmentRecord {
  containerId: string;
  netnsPath: string;
}

export interface AttachmentStore {
  put(record: AttachmentRecord): Promise<void>;
  get(containerId: string): Promise<AttachmentRecord | undefined>;
  delete(containerId: string): Promise<void>;
  list(): Promise<AttachmentRecord[]>;
}

/** One small JSON file per attachment: writes are rare, and a crash loses at most the one being written. */
export class FileAttachmentStore implements AttachmentStore {
  constructor(private readonly dir: string) {}

  private file(containerId: string): string {
    if (!/^[0-9a-f]{64}$/.test(containerId)) throw new Error(`not a container id: ${containerId}`);
    return join(this.dir, `${containerId}.json`);
  }

  async put(record: AttachmentRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFile(this.file(record.containerId), JSON.stringify(record));
  }

  async get(containerId: string): Promise<AttachmentRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.file(containerId), 'utf8')) as AttachmentRecord;
    } catch {
      return undefined;
    }
  }

  async delete(containerId: string): Promise<void> {
    await rm(this.file(containerId), { force: true });
  }

  async list(): Promise<AttachmentRecord[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const records = await Promise.all(names.filter((n) => n.endsWith('.json')).map((n) => this.get(n.slice(0, -5))));
    return records.filter((r): r is AttachmentRecord => r !== undefined);
  }
}
