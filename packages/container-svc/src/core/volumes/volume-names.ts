import { randomBytes } from 'node:crypto';
import { EngineError } from '@flotilla/proto';

const validName = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** The local driver's rule for names, with dockerd's messages. */
export function checkVolumeName(name: string): void {
  if (name.length < 2) throw EngineError.invalid(`volume name is too short, names should be at least two alphanumeric characters`);
  if (!validName.test(name)) {
    throw EngineError.invalid(
      `"${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
}

/** Anonymous volumes are named like IDs. */
export function generateVolumeName(): string {
  return randomBytes(32).toString('hex');
}
