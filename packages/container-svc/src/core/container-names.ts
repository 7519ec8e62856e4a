import { randomInt } from 'node:crypto';
import { EngineError } from '@flotilla/proto';

const validName = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Docker accepts an optional leading slash; names are stored without it. */
export function normaliseName(name: string): string {
  if (!validName.test(name)) {
    throw EngineError.invalid(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return name.replace(/^\//, '');
}

const adjectives = [
  'brave', 'calm', 'eager', 'fancy', 'gentle', 'happy', 'jolly', 'keen', 'lively', 'merry',
  'nimble', 'proud', 'quiet', 'rapid', 'steady', 'swift', 'tidy', 'vivid', 'witty', 'zealous',
];
const vessels = [
  'barge', 'brig', 'canoe', 'clipper', 'corvette', 'cutter', 'dinghy', 'dory', 'ferry', 'frigate',
  'galleon', 'junk', 'ketch', 'kayak', 'lugger', 'schooner', 'skiff', 'sloop', 'tug', 'yawl',
];

/** `swift_schooner`; a number is appended when the caller reports a collision. */
export function generateName(taken: (name: string) => boolean): string {
  for (let attempt = 0; ; attempt++) {
    const base = `${adjectives[randomInt(adjectives.length)]}_${vessels[randomInt(vessels.length)]}`;
    const name = attempt < 10 ? base : `${base}${randomInt(10_000)}`;
    if (!taken(name)) return name;
  }
}
