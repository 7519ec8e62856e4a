import type { BigIntStats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '@flotilla/kit';
import type { FilesystemChange } from '../core/filesystem-changes.js';

async function lstatIfExists(path: string): Promise<BigIntStats | undefined> {
  return lstat(path, { bigint: true }).catch(() => undefined);
}

/** An overlay whiteout: a character device 0/0 hides what the layers below have at its path. */
const isWhiteout = (stats: BigIntStats) => stats.isCharacterDevice() && stats.rdev === 0n;

/** A directory copied up only because something inside it changed keeps its owner, mode and time. */
const sameDirectory = (a: BigIntStats, b: BigIntStats) => b.isDirectory() && a.mode === b.mode && a.uid === b.uid && a.gid === b.gid && a.mtimeNs === b.mtimeNs;

/** getfattr writes newlines, backslashes and other unusual bytes of a path as octal escapes. */
const unescapeOctal = (path: string) => path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/**
 * The directories of an overlay upper layer marked opaque (a directory removed and made again):
 * what the layers below have in them is hidden. The mark is an xattr, which Node cannot read.
 */
export async function opaqueDirectories(upper: string): Promise<Set<string>> {
  const dump = await runCommand('getfattr', ['--absolute-names', '-P', '-R', '-d', '-m', '^trusted\\.overlay\\.opaque$', upper]);
  const opaque = new Set<string>();
  let file: string | undefined;
  for (const line of dump.split('\n')) {
    if (line.startsWith('# file: ')) file = unescapeOctal(line.slice('# file: '.length));
    else if (file !== undefined && line === 'trusted.overlay.opaque="y"') opaque.add(file.slice(upper.length) || '/');
  }
  return opaque;
}

/**
 * `docker diff` of an overlay snapshot: what its upper directory adds (A), changes (C) or
 * deletes (D) against the image, `image` being the merged view of the layers below (none for an
 * image without layers). Deletions are whiteouts, and what the image has in a directory the
 * container made opaque (removed and made again), or in one made inside an opaque one.
 */
export async function layerChanges(upper: string, image: string | undefined, opaque: ReadonlySet<string>): Promise<FilesystemChange[]> {
  const changes: FilesystemChange[] = [];
  const walk = async (path: string, added: boolean, hidesImage: boolean): Promise<void> => {
    const names = (await readdir(join(upper, path))).sort();
    for (const name of names) {
      const child = `${path}/${name}`;
      const stats = await lstat(join(upper, child), { bigint: true });
      if (isWhiteout(stats)) {
        changes.push({ path: child, kind: 'deleted' });
        continue;
      }
      const below = added || !image ? undefined : await lstatIfExists(join(image, child));
      // A directory that hides the image's entries has changed, whatever its attributes.
      const hides = stats.isDirectory() && (hidesImage || opaque.has(child));
      if (!below) changes.push({ path: child, kind: 'added' });
      else if (!(stats.isDirectory() && !hides && sameDirectory(stats, below))) changes.push({ path: child, kind: 'changed' });
      if (stats.isDirectory()) await walk(child, !below?.isDirectory(), hides);
    }
    if (hidesImage && !added && image) {
      const kept = new Set(names);
      for (const name of (await readdir(join(image, path))).sort()) if (!kept.has(name)) changes.push({ path: `${path}/${name}`, kind: 'deleted' });
    }
  };
  await walk('', false, opaque.has('/'));
  return changes;
}
