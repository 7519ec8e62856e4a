import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBusyboxRootfs } from '../fixtures/index.js';
import { docker, type BenchEngine } from './bench-engine.js';
import { alternating, LatencySamples, timeDocker } from './latency-samples.js';

const runs = Number(process.env.BENCH_RUNS || 30);
const listedContainers = Number(process.env.BENCH_PS_CONTAINERS || 100);
const warmups = 3;
const image = 'busybox:bench';

/** One round of every measured operation on one engine, the container made and removed by it. */
function lifecycleRound(engine: BenchEngine, record: (operation: string, ms: number) => void): void {
  record('run --rm', timeDocker(engine, ['run', '--rm', '--network', 'none', image, 'true']));
  const name = `bench-${engine.name}`;
  record('create', timeDocker(engine, ['create', '--name', name, '--network', 'none', image, 'sleep', '300']));
  record('start', timeDocker(engine, ['start', name]));
  record('stop', timeDocker(engine, ['stop', '-t', '0', name]));
  record('rm', timeDocker(engine, ['rm', name]));
}

/** `docker ps -a` with `listedContainers` stopped containers on each engine. */
function measureList(engines: readonly BenchEngine[], samples: LatencySamples): void {
  for (const engine of engines) {
    for (let i = 0; i < listedContainers; i++) docker(engine, ['create', '--network', 'none', '--label', 'bench=ps', image, 'true']);
  }
  for (let i = 0; i < runs; i++) {
    for (const engine of alternating(engines, i)) samples.record(engine, 'ps -a', timeDocker(engine, ['ps', '-a']));
  }
  for (const engine of engines) docker(engine, ['container', 'prune', '-f', '--filter', 'label=bench=ps']);
}

/**
 * Latencies of the container lifecycle as the CLI sees them: `run --rm IMAGE true`, create, start,
 * stop, rm, and `ps -a` with many containers.
 */
export async function measureRunLatency(engines: readonly BenchEngine[], workDir: string): Promise<void> {
  const tar = join(workDir, 'busybox.tar');
  buildBusyboxRootfs(tar);
  const tarBytes = readFileSync(tar);
  for (const engine of engines) docker(engine, ['import', '-', image], tarBytes);
  const operations = ['run --rm', 'create', 'start', 'stop', 'rm', 'ps -a'];
  const samples = new LatencySamples(engines, operations);
  for (const engine of engines) for (let i = 0; i < warmups; i++) lifecycleRound(engine, () => undefined);

  for (let i = 0; i < runs; i++) {
    for (const engine of alternating(engines, i)) lifecycleRound(engine, (operation, ms) => samples.record(engine, operation, ms));
  }
  measureList(engines, samples);
  // The engines are left as found, so that the next benchmark shares no layer with this one.
  for (const engine of engines) docker(engine, ['rmi', image]);

  console.log(`container lifecycle with ${image}, --network none, ${runs} runs each (after ${warmups} warm-up rounds); ps -a with ${listedContainers} containers`);
  samples.print();
}
