/**
 * Wall-clock instants with sub-millisecond precision, kept as RFC 3339 strings so records stay
 * plain JSON. Docker clients print and compare these timestamps.
 */
export type Instant = string;

export function now(): Instant {
  const ms = performance.timeOrigin + performance.now();
  const whole = Math.floor(ms);
  const nanos = String(Math.round((ms - whole) * 1e6)).padStart(6, '0').slice(0, 6);
  return new Date(whole).toISOString().replace('Z', `${nanos}Z`);
}

/** Seconds and nanoseconds of an instant, for protobuf Timestamps. */
export function instantParts(instant: Instant): { seconds: bigint; nanos: number } {
  const match = /^(.*?)(?:\.(\d+))?Z$/.exec(instant);
  const seconds = BigInt(Math.floor(Date.parse(`${match?.[1] ?? instant}Z`) / 1000));
  const nanos = Number((match?.[2] ?? '').padEnd(9, '0').slice(0, 9));
  return { seconds, nanos };
}

/** Milliseconds since the epoch, for ordering. */
export function instantMs(instant: Instant): number {
  return Date.parse(instant);
}
