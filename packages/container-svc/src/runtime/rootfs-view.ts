import { mkdir, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '@flotilla/kit';
import { parentsFirst, type MountPoint } from '../core/container-mounts.js';
import { layerDirs, type RootfsMount } from './rootfs-files.js';
import { resolveInRoot } from './rooted-path.js';

/** Mounts at a fresh directory of `mountDir`, runs `use` there, and unmounts everything below it once `use` settles. */
async function withMountedDir<T>(mountDir: string, name: string, mountAll: (root: string) => Promise<void>, use: (root: string) => Promise<T>): Promise<T> {
  const root = join(mountDir, name);
  await mkdir(root, { recursive: true });
  try {
    try {
      await mountAll(root);
      return await use(root);
    } finally {
      await runCommand('umount', ['--recursive', root]).catch(() => undefined);
    }
  } finally {
    await rmdir(root).catch(() => undefined);
  }
}

/**
 * Runs `use` with the snapshot's layers mounted read-only: one layer as a read-only bind, more
 * as an overlay of lower layers only, so nothing can change them.
 */
export function withReadOnlyRootfs<T>(mounts: readonly RootfsMount[], mountDir: string, name: string, use: (root: string) => Promise<T>): Promise<T> {
  return withReadOnlyLayers(layerDirs(mounts), mountDir, `${name}-ro`, use);
}

/** Runs `use` with the layer directories (topmost first) merged and mounted read-only. */
export function withReadOnlyLayers<T>(layers: readonly string[], mountDir: string, name: string, use: (root: string) => Promise<T>): Promise<T> {
  return withMountedDir(
    mountDir,
    name,
    async (root) => {
      if (layers.length === 1) await runCommand('mount', ['--bind', '-o', 'ro', '--', layers[0], root]);
      else await runCommand('mount', ['-t', 'overlay', '-o', `ro,lowerdir=${layers.join(':')}`, '--', 'overlay', root]);
    },
    use,
  );
}

/**
 * Runs `use` with a stopped container's filesystem as its processes would see it: its snapshot
 * mounted writable, its volumes and binds mounted at their destinations (resolved inside it).
 */
export function withContainerFilesystem<T>(mounts: readonly RootfsMount[], binds: readonly MountPoint[], mountDir: string, name: string, use: (root: string) => Promise<T>): Promise<T> {
  return withMountedDir(
    mountDir,
    name,
    async (root) => {
      for (const mount of mounts) await runCommand('mount', ['-t', mount.type, ...(mount.options.length ? ['-o', mount.options.join(',')] : []), '--', mount.source, root]);
      for (const bind of parentsFirst(binds.filter((m) => m.type !== 'tmpfs'))) {
        const target = await resolveInRoot(root, bind.destination);
        // As runc does at a start: the mount point is made when the image has none.
        const isDirectory = (await stat(bind.source)).isDirectory();
        if (isDirectory) await mkdir(target, { recursive: true });
        else await writeFile(target, '', { flag: 'a' });
        await runCommand('mount', ['--bind', ...(bind.rw ? [] : ['-o', 'ro']), '--', bind.source, target]);
      }
    },
    use,
  );
}
