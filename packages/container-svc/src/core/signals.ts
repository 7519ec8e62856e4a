import { constants } from 'node:os';
import { EngineError } from '@flotilla/proto';

const numbers = constants.signals as Record<string, number>;

/** `SIGTERM`, `TERM`, `term` or `15` → 15, as `docker kill --signal` accepts them. */
export function parseSignal(input: string): number {
  const text = input.trim();
  if (/^[0-9]+$/.test(text)) {
    const n = Number(text);
    if (n >= 1 && n <= 64) return n;
  } else {
    const name = text.toUpperCase();
    const n = numbers[name.startsWith('SIG') ? name : `SIG${name}`];
    if (n !== undefined) return n;
    // Real-time signals: SIGRTMIN+n.
    const rt = /^(?:SIG)?RTMIN\+([0-9]+)$/.exec(name);
    if (rt && 34 + Number(rt[1]) <= 64) return 34 + Number(rt[1]);
  }
  throw EngineError.invalid(`Invalid signal: ${input}`);
}

export const SIGKILL = numbers.SIGKILL;
export const SIGTERM = numbers.SIGTERM;
