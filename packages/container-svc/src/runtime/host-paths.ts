import { lstat, mkdir, realpath } from 'node:fs/promises';
import type { HostPaths } from '../core/container-mounts.js';
import { mountHolding } from './mount-table.js';

export const hostPaths: HostPaths = {
  exists: (path) => lstat(path).then(
    () => true,
    () => false,
  ),
  makeDirectory: async (path) => {
    await mkdir(path, { recursive: true, mode: 0o755 });
  },
  sourceMount: async (path) => mountHolding(await realpath(path)),
};
