import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBusyboxRootfs } from '../fixtures/index.js';
import { docker, type BenchEngine } from './bench-engine.js';
import { median, percentile } from './statistics.js';

const runs = Number(process.env.BENCH_RUNS || 30);
const listedContainers = Number(process.env.BENCH_PS_CONTAINERS || 100);
const warmups = 3;
const image = 'busybox:bench';

/** Milliseconds `docker <args>` takes, the CLI's whole run. */
function time(engine: BenchEngine, args: string[]): number {
  const started = process.hrtime.bigint();
  docker(engine, args);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const format = (ms: number) => `${ms.toFixed(1)} ms`;

type Samples = Map<string, Map<string, number[]>>;

/** One round of every measured operation on one engine, the container made and removed by it. */
function lifecycleRound(engine: BenchEngine, record: (operation: string, ms: number) => void): void {
  record('run --rm', time(engine, ['run', '--rm', '--network', 'none', image, 'true']));
  const name = `bench-${engine.name}`;
  record('create', time(engine, ['create', '--name', name, '--network', 'none', image, 'sleep', '300']));
  record('start', time(engine, ['start', name]));
  record('stop', time(engine, ['stop', '-t', '0', name]));
  record('rm', time(engine, ['rm', name]));
}

/** `docker ps -a` with `listedContainers` stopped containers on each engine. */
function measureList(engines: readonly BenchEngine[], samples: Samples): void {
  for (const engine of engines) {
    for (let i = 0; i < listedContainers; i++) docker(engine, ['create', '--network', 'none', '--label', 'bench=ps', image, 'true']);
  }
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? engines : [...engines].reverse();
    for (const engine of order) samples.get(engine.name)!.get('ps -a')!.push(time(engine, ['ps', '-a']));
  }
  for (const engine of engines) docker(engine, ['container', 'prune', '-f', '--filter', 'label=bench=ps']);
}

/**
 * Latencies of the container lifecycle as the CLI sees them: `run --rm IMAGE true`, create, start,
 * stop, rm, and `ps -a` with many containers. Runs alternate between the engines so that a busy
 * moment of the machine hurts both alike.
 */
export async function measureRunLatency(engines: readonly BenchEngine[], workDir: string): Promise<void> {
  const tar = join(workDir, 'busybox.tar');
  buildBusyboxRootfs(tar);
  const tarBytes = readFileSync(tar);
  for (const engine of engines) docker(engine, ['import', '-', image], tarBytes);
  const operations = ['run --rm', 'create', 'start', 'stop', 'rm', 'ps -a'];
  const samples: Samples = new Map(engines.map((e) => [e.name, new Map(operations.map((op) => [op, [] as number[]]))]));
  for (const engine of engines) for (let i = 0; i < warmups; i++) lifecycleRound(engine, () => undefined);

  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? engines : [...engines].reverse();
    for (const engine of order) lifecycleRound(engine, (operation, ms) => samples.get(engine.name)!.get(operation)!.push(ms));
  }
  measureList(engines, samples);
  // The engines are left as found, so that the next benchmark shares no layer with this one.
  for (const engine of engines) docker(engine, ['rmi', image]);

  console.log(`container lifecycle with ${image}, --network none, ${runs} runs each (after ${warmups} warm-up rounds); ps -a with ${listedContainers} containers`);
  for (const operation of operations) {
    const line = [...samples].map(([name, byOperation]) => {
      const values = byOperation.get(operation)!;
      return `${name} median ${format(median(values))} p90 ${format(percentile(values, 0.9))}`;
    });
    const ratio = samples.has('dockerd') ? `  ratio ${(median(samples.get('flotilla')!.get(operation)!) / median(samples.get('dockerd')!.get(operation)!)).toFixed(2)}` : '';
    console.log(`  ${operation.padEnd(9)} ${line.join('  |  ')}${ratio}`);
  }
}
