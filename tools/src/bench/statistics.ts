/** The value below which `fraction` of the samples fall (nearest rank). */
export function percentile(samples: readonly number[], fraction: number): number {
  if (samples.length === 0) throw new Error('no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank];
}

export const median = (samples: readonly number[]) => percentile(samples, 0.5);

/**
 * One line per measure: each engine's value and, beside dockerd's, Flotilla's value over dockerd's,
 * named for what it divides: a time (below 1: Flotilla is faster) or a throughput (above 1).
 */
export function printComparison(title: string, unit: string, values: Map<string, number>, measure: 'time' | 'throughput'): void {
  const line = [...values].map(([name, value]) => `${name} ${value.toFixed(1)} ${unit}`).join('  |  ');
  const flotilla = values.get('flotilla');
  const dockerd = values.get('dockerd');
  const ratio = flotilla !== undefined && dockerd !== undefined ? `  ${measure} flotilla/dockerd ${(flotilla / dockerd).toFixed(2)}` : '';
  console.log(`  ${title.padEnd(34)} ${line}${ratio}`);
}
