import { EngineError } from '@flotilla/proto';

/** Docker's default: ctrl-p, ctrl-q. */
const defaultKeys = [0x10, 0x11];
const controlKeys = '@abcdefghijklmnopqrstuvwxyz[\\]^_';

/**
 * `--detach-keys` as Docker reads it: comma-separated keys, each a single character, `ctrl-<c>`
 * (c one of a-z @ [ \ ] ^ _) or DEL. Empty means Docker's default.
 */
export function parseDetachKeys(spec: string | undefined): number[] {
  if (!spec) return defaultKeys;
  return spec.split(',').map((key) => {
    if (key.length === 1) return key.charCodeAt(0);
    const control = /^ctrl-(.)$/.exec(key);
    if (control && controlKeys.includes(control[1])) return controlKeys.indexOf(control[1]);
    if (key === 'DEL') return 0x7f;
    throw EngineError.invalid(`Invalid detach keys (${spec}) provided`);
  });
}

/**
 * Watches a TTY's input for the detach sequence. Bytes that could begin the sequence are held
 * until the next input tells; the sequence itself never reaches the container.
 */
export class DetachScanner {
  private held: number[] = [];

  constructor(private readonly keys: readonly number[]) {}

  /** What to pass on to the container, and whether the sequence was typed. */
  feed(data: Uint8Array): { forward: Uint8Array; detached: boolean } {
    if (!this.held.length && !data.includes(this.keys[0])) return { forward: data, detached: false };
    const forward: number[] = [];
    for (const byte of data) {
      if (byte === this.keys[this.held.length]) {
        this.held.push(byte);
        if (this.held.length === this.keys.length) {
          this.held = [];
          return { forward: Uint8Array.from(forward), detached: true };
        }
        continue;
      }
      // Not the sequence after all: what was held goes through, and this byte may start it anew.
      forward.push(...this.held);
      this.held = [];
      if (byte === this.keys[0]) this.held.push(byte);
      else forward.push(byte);
    }
    return { forward: Uint8Array.from(forward), detached: false };
  }
}
