import { EngineError } from '@flotilla/proto';
import { parseDockerTime } from '@flotilla/kit';

/**
 * `since`/`until` of GET /events as dockerd reads them: Unix seconds (with a fraction), an
 * RFC 3339 time or date, or a Go duration before now (`10m`, `1h30m`).
 */
export function parseEventTime(value: string, now: Date): Date {
  const time = parseDockerTime(value, now.getTime());
  if (time === undefined) throw EngineError.invalid(`failed to parse value as time or duration: "${value}"`);
  return new Date(time);
}
