import { humanDuration, rfc3339Nano, zeroTime } from './time-format';

describe('rfc3339Nano', () => {
  it('trims trailing zeros of the fraction like Go', () => {
    expect(rfc3339Nano({ seconds: 1795906527n, nanos: 260150740 } as never)).toBe('2026-11-28T22:55:27.26015074Z');
  });
  it('omits an empty fraction', () => {
    expect(rfc3339Nano({ seconds: 1795906527n, nanos: 0 } as never)).toBe('2026-11-28T22:55:27Z');
  });
  it('prints the zero time for unset timestamps', () => {
    expect(rfc3339Nano(undefined)).toBe(zeroTime);
  });
});

describe('humanDuration', () => {
  it.each([
    [500, 'Less than a second'],
    [1000, '1 second'],
    [59_000, '59 seconds'],
    [60_000, 'About a minute'],
    [5 * 60_000, '5 minutes'],
    [60 * 60_000, 'About an hour'],
    [3 * 3_600_000, '3 hours'],
    [72 * 3_600_000, '3 days'],
    [21 * 24 * 3_600_000, '3 weeks'],
  ])('%d ms is "%s"', (ms, text) => expect(humanDuration(ms)).toBe(text));
});
