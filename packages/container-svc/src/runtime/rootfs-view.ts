import { mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '@flotilla/kit';
import { layerDirs, type RootfsMount } from './rootfs-files.js';

/**
 * Runs `use` with the snapshot's layers mounted read-only at a directory of `mountDir`: one
 * layer as a read-only bind, more as an overlay with only lower layers. The mount goes once
 * `use` settles.
 */
export async function withReadOnlyRootfs<T>(mounts: readonly RootfsMount[], mountDir: string, name: string, use: (root: string) => Promise<T>): Promise<T> {
  const layers = layerDirs(mounts);
  const root = join(mountDir, name);
  await mkdir(root, { recursive: true });
  try {
    if (layers.length === 1) await runCommand('mount', ['--bind', '-o', 'ro', '--', layers[0], root]);
    else await runCommand('mount', ['-t', 'overlay', '-o', `ro,lowerdir=${layers.join(':')}`, '--', 'overlay', root]);
    try {
      return await use(root);
    } finally {
      await runCommand('umount', [root]);
    }
  } finally {
    await rmdir(root).catch(() => undefined);
  }
}
