import { median, percentile } from './statistics';

describe('percentile', () => {
  it('takes the nearest rank', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2);
    expect(percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9)).toBe(90);
  });

  it('refuses an empty sample', () => {
    expect(() => median([])).toThrow('no samples');
  });
});
