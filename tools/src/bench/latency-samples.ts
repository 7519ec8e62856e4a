import { docker, type BenchEngine } from './bench-engine.js';
import { median, percentile } from './statistics.js';

/** Milliseconds `docker <args>` takes, the CLI's whole run. */
export function timeDocker(engine: BenchEngine, args: string[]): number {
  const started = process.hrtime.bigint();
  docker(engine, args);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Latencies per engine and operation, printed as medians, p90s and Flotilla/dockerd ratios. */
export class LatencySamples {
  private readonly samples = new Map<string, Map<string, number[]>>();

  constructor(
    engines: readonly BenchEngine[],
    private readonly operations: readonly string[],
  ) {
    for (const engine of engines) this.samples.set(engine.name, new Map(operations.map((op) => [op, []])));
  }

  record(engine: BenchEngine, operation: string, ms: number): void {
    this.samples.get(engine.name)!.get(operation)!.push(ms);
  }

  median(engine: string, operation: string): number {
    return median(this.samples.get(engine)!.get(operation)!);
  }

  print(): void {
    const format = (ms: number) => `${ms.toFixed(1)} ms`;
    const width = Math.max(...this.operations.map((op) => op.length));
    for (const operation of this.operations) {
      const line = [...this.samples].map(([name, byOperation]) => {
        const values = byOperation.get(operation)!;
        return `${name} median ${format(median(values))} p90 ${format(percentile(values, 0.9))}`;
      });
      const ratio = this.samples.has('dockerd') ? `  time flotilla/dockerd ${(this.median('flotilla', operation) / this.median('dockerd', operation)).toFixed(2)}` : '';
      console.log(`  ${operation.padEnd(width)} ${line.join('  |  ')}${ratio}`);
    }
  }
}

/** Rounds alternate the order of the engines so that a busy moment of the machine hurts both alike. */
export function alternating<T>(engines: readonly T[], round: number): readonly T[] {
  return round % 2 === 0 ? engines : [...engines].reverse();
}
