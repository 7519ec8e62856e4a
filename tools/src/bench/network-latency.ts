import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBusyboxRootfs } from '../fixtures/index.js';
import { docker, type BenchEngine } from './bench-engine.js';
import { alternating, LatencySamples, timeDocker } from './latency-samples.js';

const runs = Number(process.env.BENCH_RUNS || 30);
const warmups = 3;
const image = 'busybox:bench-net';
const network = 'bench-net';

/** `docker run --rm` with each way of networking a container, and a network made and removed. */
const operations = {
  'run --rm --network none': ['run', '--rm', '--network', 'none', image, 'true'],
  'run --rm (default bridge)': ['run', '--rm', image, 'true'],
  'run --rm --network user-bridge': ['run', '--rm', '--network', network, image, 'true'],
  'run --rm -p 80 (ephemeral)': ['run', '--rm', '-p', '80', image, 'true'],
  'network create': ['network', 'create', `${network}-churn`],
  'network rm': ['network', 'rm', `${network}-churn`],
};

/**
 * What networking adds to `docker run --rm`, Flotilla vs dockerd: each way of networking next to
 * `--network none`, and the latency of network create and rm.
 */
export async function measureNetworkLatency(engines: readonly BenchEngine[], workDir: string): Promise<void> {
  const tar = join(workDir, 'busybox.tar');
  buildBusyboxRootfs(tar);
  const tarBytes = readFileSync(tar);
  for (const engine of engines) {
    docker(engine, ['import', '-', image], tarBytes);
    docker(engine, ['network', 'create', network]);
  }
  const names = Object.keys(operations);
  const samples = new LatencySamples(engines, names);
  const round = (engine: BenchEngine, record: (operation: string, ms: number) => void) => {
    for (const [operation, args] of Object.entries(operations)) record(operation, timeDocker(engine, args));
  };
  for (const engine of engines) for (let i = 0; i < warmups; i++) round(engine, () => undefined);
  for (let i = 0; i < runs; i++) {
    for (const engine of alternating(engines, i)) round(engine, (operation, ms) => samples.record(engine, operation, ms));
  }
  for (const engine of engines) {
    docker(engine, ['network', 'rm', network]);
    docker(engine, ['rmi', image]);
  }

  console.log(`networking on docker run --rm ${image} true, ${runs} runs each (after ${warmups} warm-up rounds)`);
  samples.print();
  console.log('  added to run --rm by networking (median minus --network none):');
  for (const operation of names.filter((n) => n.startsWith('run') && !n.includes('none'))) {
    const added = engines.map((e) => `${e.name} ${(samples.median(e.name, operation) - samples.median(e.name, 'run --rm --network none')).toFixed(1)} ms`);
    console.log(`    ${operation}: ${added.join('  |  ')}`);
  }
}
