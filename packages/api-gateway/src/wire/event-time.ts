import { EngineError } from '@flotilla/proto';

const durationUnits: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * `since`/`until` of GET /events as dockerd reads them: Unix seconds (with a fraction), an
 * RFC 3339 time or date, or a Go duration before now (`10m`, `1h30m`).
 */
export function parseEventTime(value: string, now: Date): Date {
  if (/^\d+(\.\d+)?$/.test(value)) return new Date(Number(value) * 1000);
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length && parts.map((p) => p[0]).join('') === value) {
    return new Date(now.getTime() - parts.reduce((ms, [, amount, unit]) => ms + Number(amount) * durationUnits[unit], 0));
  }
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw EngineError.invalid(`failed to parse value as time or duration: "${value}"`);
  return new Date(time);
}
