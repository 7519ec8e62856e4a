import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBusyboxRootfs } from '../fixtures/index.js';
import { docker, type BenchEngine } from './bench-engine.js';
import { median, percentile } from './statistics.js';

const runs = Number(process.env.BENCH_RUNS || 30);
const warmups = 3;
const image = 'busybox:bench';

function timeRun(engine: BenchEngine): number {
  const started = process.hrtime.bigint();
  docker(engine, ['run', '--rm', '--network', 'none', image, 'true']);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const format = (ms: number) => `${ms.toFixed(1)} ms`;

/**
 * The latency of `docker run --rm IMAGE true` on each engine. Runs alternate between the engines
 * so that a busy moment of the machine hurts both alike.
 */
export async function measureRunLatency(engines: readonly BenchEngine[], workDir: string): Promise<void> {
  const tar = join(workDir, 'busybox.tar');
  buildBusyboxRootfs(tar);
  const tarBytes = readFileSync(tar);
  for (const engine of engines) docker(engine, ['import', '-', image], tarBytes);
  for (const engine of engines) for (let i = 0; i < warmups; i++) timeRun(engine);

  const samples = new Map(engines.map((e) => [e.name, [] as number[]]));
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? engines : [...engines].reverse();
    for (const engine of order) samples.get(engine.name)!.push(timeRun(engine));
  }
  // The engines are left as found, so that the next benchmark shares no layer with this one.
  for (const engine of engines) docker(engine, ['rmi', image]);

  console.log(`docker run --rm --network none ${image} true, ${runs} runs each (after ${warmups} warm-up runs)`);
  for (const [name, values] of samples) {
    console.log(`  ${name.padEnd(9)} median ${format(median(values))}  p90 ${format(percentile(values, 0.9))}  min ${format(Math.min(...values))}`);
  }
  if (samples.has('dockerd')) {
    const ratio = median(samples.get('flotilla')!) / median(samples.get('dockerd')!);
    console.log(`  ratio flotilla/dockerd (median): ${ratio.toFixed(2)}`);
  }
}
