/** Docker's filter values shared by every API area: labels and times. */

/** `key` or `key=value` against a label map. */
export function matchesLabel(labels: Readonly<Record<string, string>> | null | undefined, wanted: string): boolean {
  const at = wanted.indexOf('=');
  const key = at < 0 ? wanted : wanted.slice(0, at);
  if (!labels || !(key in labels)) return false;
  return at < 0 || labels[key] === wanted.slice(at + 1);
}

const durationUnits: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A time as dockerd reads `since`, `until` and the like, in milliseconds since the epoch: Unix
 * seconds (with a fraction), an RFC 3339 time or date, or a Go duration before `now` (`10m`,
 * `1h30m`). Undefined when it is none of them.
 */
export function parseDockerTime(value: string, now: number): number | undefined {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length && parts.map((p) => p[0]).join('') === value) {
    return now - parts.reduce((ms, [, amount, unit]) => ms + Number(amount) * durationUnits[unit], 0);
  }
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}
