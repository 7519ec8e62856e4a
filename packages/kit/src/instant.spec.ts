import { instantParts, now } from './instant';

describe('instants', () => {
  it('carries nanoseconds through', () => {
    expect(instantParts('2026-11-28T22:55:27.260150746Z')).toEqual({ seconds: 1795906527n, nanos: 260150746 });
  });

  it('reads instants without a fraction', () => {
    expect(instantParts('2026-11-28T22:55:27Z')).toEqual({ seconds: 1795906527n, nanos: 0 });
  });

  it('makes instants that parse back to the same second', () => {
    const instant = now();
    expect(instant).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    expect(Number(instantParts(instant).seconds)).toBe(Math.floor(Date.parse(instant) / 1000));
  });
});
