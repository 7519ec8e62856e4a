import { lstat, mkdir } from 'node:fs/promises';
import type { HostPaths } from '../core/container-mounts.js';

export const hostPaths: HostPaths = {
  exists: (path) => lstat(path).then(
    () => true,
    () => false,
  ),
  makeDirectory: async (path) => {
    await mkdir(path, { recursive: true, mode: 0o755 });
  },
};
