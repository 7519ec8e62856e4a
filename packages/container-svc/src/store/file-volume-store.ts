import { lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '@flotilla/proto';
import type { VolumeStore } from '../core/volumes/volume-ports.js';
import type { VolumeRecord } from '../core/volumes/volume-record.js';
import { isMountPoint } from '../runtime/mount-table.js';

const metadataFile = 'volume.json';

/**
 * A directory per volume, as dockerd lays them out: `<root>/<name>/_data` holds the data,
 * `volume.json` beside it the metadata (written aside, then renamed).
 */
export class FileVolumeStore implements VolumeStore {
  constructor(private readonly root: string) {}

  async list(): Promise<VolumeRecord[]> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    const volumes = await Promise.all(
      names.map((name) =>
        readFile(join(this.root, name, metadataFile), 'utf8').then(
          (text) => JSON.parse(text) as VolumeRecord,
          // A directory left without metadata by a create that did not finish.
          () => undefined,
        ),
      ),
    );
    return volumes.filter((volume): volume is VolumeRecord => volume !== undefined);
  }

  async put(volume: VolumeRecord): Promise<void> {
    const dir = join(this.root, volume.name);
    await mkdir(join(dir, '_data'), { recursive: true, mode: 0o755 });
    const file = join(dir, metadataFile);
    await writeFile(`${file}.tmp`, JSON.stringify(volume));
    await rename(`${file}.tmp`, file);
  }

  async remove(name: string): Promise<void> {
    // A filesystem still mounted there (a bind of a host directory) must not lose its files.
    if (await isMountPoint(this.dataPath(name))) throw EngineError.conflict(`remove ${name}: volume is still mounted at ${this.dataPath(name)}`);
    await rm(join(this.root, name), { recursive: true, force: true });
  }

  dataPath(name: string): string {
    return join(this.root, name, '_data');
  }

  async usage(name: string): Promise<number> {
    const seen = new Set<string>();
    const walk = async (path: string): Promise<number> => {
      const stats = await lstat(path, { bigint: true });
      const inode = `${stats.dev}:${stats.ino}`;
      if (seen.has(inode)) return 0;
      seen.add(inode);
      if (!stats.isDirectory()) return Number(stats.size);
      let total = 0;
      for (const entry of await readdir(path)) total += await walk(join(path, entry));
      return total;
    };
    const data = this.dataPath(name);
    // The directories themselves do not count, as in dockerd.
    let total = 0;
    for (const entry of await readdir(data)) total += await walk(join(data, entry));
    return total;
  }

  async isEmpty(name: string): Promise<boolean> {
    return (await readdir(this.dataPath(name))).length === 0;
  }
}
