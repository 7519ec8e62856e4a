/** The value below which `fraction` of the samples fall (nearest rank). */
export function percentile(samples: readonly number[], fraction: number): number {
  if (samples.length === 0) throw new Error('no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank];
}

export const median = (samples: readonly number[]) => percentile(samples, 0.5);

/** One line per measure: each engine's value and, beside dockerd's, the ratio that reads "how much better" (above 1: Flotilla is ahead). */
export function printComparison(title: string, unit: string, values: Map<string, number>, higherIsBetter: boolean): void {
  const line = [...values].map(([name, value]) => `${name} ${value.toFixed(1)} ${unit}`).join('  |  ');
  const flotilla = values.get('flotilla');
  const dockerd = values.get('dockerd');
  const ratio = flotilla !== undefined && dockerd !== undefined ? `  ratio ${(higherIsBetter ? flotilla / dockerd : dockerd / flotilla).toFixed(2)}` : '';
  console.log(`  ${title.padEnd(34)} ${line}${ratio}`);
}
