import { matchesLabel, parseDockerTime } from './docker-filters';

describe('matchesLabel', () => {
  it('matches a key alone or a key with its value', () => {
    const labels = { team: 'green', tier: '' };
    expect(matchesLabel(labels, 'team')).toBe(true);
    expect(matchesLabel(labels, 'team=green')).toBe(true);
    expect(matchesLabel(labels, 'team=blue')).toBe(false);
    expect(matchesLabel(labels, 'tier=')).toBe(true);
    expect(matchesLabel(null, 'team')).toBe(false);
  });
});

describe('parseDockerTime', () => {
  const now = Date.parse('2026-01-02T03:04:05Z');
  it('reads Unix seconds, RFC 3339 and Go durations before now', () => {
    expect(parseDockerTime('1700000000.5', now)).toBe(1700000000500);
    expect(parseDockerTime('2026-01-01T00:00:00Z', now)).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(parseDockerTime('1h30m', now)).toBe(now - 90 * 60_000);
    expect(parseDockerTime('250ms', now)).toBe(now - 250);
  });
  it('is undefined for anything else', () => {
    expect(parseDockerTime('yesterday', now)).toBeUndefined();
    expect(parseDockerTime('10x', now)).toBeUndefined();
  });
});
