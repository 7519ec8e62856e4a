import { EngineError } from '@flotilla/proto';
import { runCommand } from '@flotilla/kit';
import type { FilesystemMount } from '../core/volumes/volume-options.js';
import type { VolumeMounter } from '../core/volumes/volume-ports.js';
import { isMountPoint } from './mount-table.js';

/** Volumes with options, mounted with mount(8) as dockerd's local driver mounts them. */
export class CommandVolumeMounter implements VolumeMounter {
  async mount({ type, device, options }: FilesystemMount, target: string): Promise<void> {
    const args = [...(type ? ['-t', type] : []), ...(options.length ? ['-o', options.join(',')] : []), '--', device, target];
    await runCommand('mount', args).catch((err: Error) => {
      throw EngineError.invalid(`error while mounting volume '${target}': failed to mount local volume: ${err.message}`);
    });
  }

  async unmount(target: string): Promise<void> {
    if (await isMountPoint(target)) await runCommand('umount', [target]);
  }
}
