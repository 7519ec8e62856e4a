import { EngineError } from '@flotilla/proto';

const knownOptions = new Set(['type', 'device', 'o']);

/**
 * The local driver's options: `type`, `device` and `o`, handed to mount(8) when a container
 * starts using the volume (`--opt type=tmpfs --opt device=tmpfs --opt o=size=64m`, or
 * `type=none,o=bind,device=/srv/data`). Anything else is refused at create, as dockerd does.
 */
export function checkVolumeOptions(options: Readonly<Record<string, string>>): void {
  const unknown = Object.keys(options).filter((key) => !knownOptions.has(key));
  if (unknown.length) throw EngineError.invalid(`invalid option: ${JSON.stringify(unknown.sort()[0])}`);
  if (Object.keys(options).length && !options.device) throw EngineError.invalid('missing required option: "device"');
  if (Object.keys(options).length && !options.type) throw EngineError.invalid('missing required option: "type"');
}

/** What mount(8) is given for a volume with options. */
export interface FilesystemMount {
  type: string;
  device: string;
  options: string[];
}

export function filesystemMountOf(options: Readonly<Record<string, string>>): FilesystemMount {
  const flags = (options.o ?? '').split(',').filter(Boolean);
  // type=none with o=bind is dockerd's way of writing a bind mount of `device`.
  return { type: options.type === 'none' ? '' : options.type, device: options.device, options: flags };
}
