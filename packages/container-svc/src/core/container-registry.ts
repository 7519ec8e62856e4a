import { EngineError } from '@flotilla/proto';
import type { ContainerRecord } from './container-record.js';

/**
 * The in-memory model every read is answered from, so `docker ps` never waits on a busy
 * container. Names are reserved before a container exists, so two creates cannot take one name.
 */
export class ContainerRegistry {
  private readonly byId = new Map<string, ContainerRecord>();
  private readonly idByName = new Map<string, string>();

  /** Reserves a name for a container being created; throws the conflict dockerd reports. */
  reserveName(name: string, id: string): void {
    const holder = this.idByName.get(name);
    if (holder !== undefined && holder !== id) {
      throw EngineError.conflict(
        `Conflict. The container name "/${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
    this.idByName.set(name, id);
  }

  /** Gives a container a new name; the old one is free again. */
  rename(record: ContainerRecord, name: string): void {
    this.reserveName(name, record.id);
    this.releaseName(record.name, record.id);
    record.name = name;
  }

  releaseName(name: string, id: string): void {
    if (this.idByName.get(name) === id) this.idByName.delete(name);
  }

  isNameTaken(name: string): boolean {
    return this.idByName.has(name);
  }

  put(record: ContainerRecord): void {
    this.byId.set(record.id, record);
    this.idByName.set(record.name, record.id);
  }

  delete(id: string): void {
    const record = this.byId.get(id);
    if (!record) return;
    this.byId.delete(id);
    this.releaseName(record.name, id);
  }

  get(id: string): ContainerRecord | undefined {
    return this.byId.get(id);
  }

  /** By full ID, name (with or without the slash) or unique ID prefix, as dockerd resolves. */
  find(idOrName: string): ContainerRecord {
    const exact = this.byId.get(idOrName);
    if (exact) return exact;
    const byName = this.idByName.get(idOrName.replace(/^\//, ''));
    if (byName && this.byId.has(byName)) return this.byId.get(byName)!;
    if (/^[0-9a-f]+$/.test(idOrName)) {
      const matches = [...this.byId.keys()].filter((id) => id.startsWith(idOrName));
      if (matches.length > 1) throw EngineError.invalid(`multiple IDs found with provided prefix: ${idOrName}`);
      if (matches.length === 1) return this.byId.get(matches[0])!;
    }
    throw EngineError.notFound(`No such container: ${idOrName}`);
  }

  list(): ContainerRecord[] {
    return [...this.byId.values()];
  }
}
