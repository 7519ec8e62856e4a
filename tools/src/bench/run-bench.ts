/**
 * `npm run bench`: Flotilla next to a reference dockerd on the same machine in the same run, each
 * engine on its own directories under the work dir. `BENCH_ONLY=run|network|pull|streams|copy` picks one benchmark;
 * `BENCH_KEEP=1` leaves the engines running and the work dir in place (the next run cleans up).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { removeBridges, removeCgroupParent, stopEngineProcess, unmountUnder } from '../fixtures/index.js';
import type { BenchEngine } from './bench-engine.js';
import { flotillaBridge, flotillaNamespace, flotillaStateDir, startFlotilla } from './flotilla-engine.js';
import { measurePullThroughput } from './pull-throughput.js';
import { dockerdCgroup, startBenchDockerd, stopBenchDockerd } from './reference-dockerd.js';
import { measureNetworkLatency } from './network-latency.js';
import { measureRunLatency } from './run-latency.js';
import { measureStreams } from './stream-throughput.js';
import { measureCopyThroughput } from './copy-throughput.js';

const workDir = process.env.BENCH_DIR || '/tmp/flotilla-bench';
const keep = process.env.BENCH_KEEP === '1';

const benchmarks: Record<string, (engines: readonly BenchEngine[], workDir: string) => Promise<void>> = {
  run: measureRunLatency,
  network: measureNetworkLatency,
  pull: measurePullThroughput,
  streams: measureStreams,
  copy: measureCopyThroughput,
};

function selectedBenchmarks() {
  const only = process.env.BENCH_ONLY;
  if (!only) return Object.values(benchmarks);
  if (!benchmarks[only]) throw new Error(`BENCH_ONLY=${only}: not one of ${Object.keys(benchmarks).join(', ')}`);
  return [benchmarks[only]];
}

async function stopEngines(): Promise<void> {
  await stopBenchDockerd(workDir);
  await stopEngineProcess(workDir);
}

function removeLeftovers(): void {
  removeBridges(join(flotillaStateDir(workDir), 'network'), flotillaBridge);
  unmountUnder(workDir);
  rmSync(workDir, { recursive: true, force: true });
  removeCgroupParent(flotillaNamespace);
  removeCgroupParent(dockerdCgroup);
}

async function main(): Promise<void> {
  const selected = selectedBenchmarks();
  await stopEngines();
  removeLeftovers();
  mkdirSync(workDir, { recursive: true });
  try {
    const engines = [await startFlotilla(workDir)];
    const reference = await startBenchDockerd(workDir);
    if (reference) engines.push(reference);
    else console.error('no reference dockerd: measuring Flotilla alone');
    for (const benchmark of selected) await benchmark(engines, workDir);
  } finally {
    if (keep) {
      console.error(`BENCH_KEEP=1: the engines are still running under ${workDir}`);
    } else {
      await stopEngines();
      removeLeftovers();
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
