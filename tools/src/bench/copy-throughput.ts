import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBusyboxRootfs } from '../fixtures/index.js';
import { docker, type BenchEngine } from './bench-engine.js';
import { alternating, timeDocker } from './latency-samples.js';
import { median, printComparison } from './statistics.js';

const runs = Number(process.env.BENCH_COPY_RUNS || 5);
const files = 200;
const fileBytes = 1_000_000;
const image = 'busybox:bench-copy';

/**
 * `docker cp` of a 200 MB directory (200 files of random bytes) into a running container and
 * back out, MB/s, each engine in turn in one run.
 */
export async function measureCopyThroughput(engines: readonly BenchEngine[], workDir: string): Promise<void> {
  const tar = join(workDir, 'busybox.tar');
  buildBusyboxRootfs(tar);
  const tarBytes = readFileSync(tar);
  const source = join(workDir, 'copy-source');
  mkdirSync(source, { recursive: true });
  for (let i = 0; i < files; i++) writeFileSync(join(source, `file-${i}`), randomBytes(fileBytes));
  const containers = new Map<string, string>();
  for (const engine of engines) {
    docker(engine, ['import', '-', image], tarBytes);
    containers.set(engine.name, docker(engine, ['run', '-d', '--network', 'none', image, 'sleep', '3600']).trim());
  }
  const copyIn = new Map<string, number[]>(engines.map((e) => [e.name, []]));
  const copyOut = new Map<string, number[]>(engines.map((e) => [e.name, []]));
  const megabytes = (files * fileBytes) / 1e6;
  for (let i = 0; i < runs; i++) {
    for (const engine of alternating(engines, i)) {
      const id = containers.get(engine.name)!;
      copyIn.get(engine.name)!.push(megabytes / (timeDocker(engine, ['cp', source, `${id}:/copied`]) / 1000));
      const out = join(workDir, `copy-out-${engine.name}`);
      copyOut.get(engine.name)!.push(megabytes / (timeDocker(engine, ['cp', `${id}:/copied`, out]) / 1000));
      rmSync(out, { recursive: true, force: true });
      docker(engine, ['exec', id, 'rm', '-rf', '/copied']);
    }
  }
  for (const engine of engines) {
    docker(engine, ['rm', '-f', containers.get(engine.name)!]);
    docker(engine, ['rmi', image]);
  }
  rmSync(source, { recursive: true, force: true });
  const medians = (samples: Map<string, number[]>) => new Map([...samples].map(([name, values]) => [name, median(values)]));
  console.log(`docker cp of ${megabytes} MB in ${files} files, running container: medians of ${runs} runs`);
  printComparison('docker cp into the container', 'MB/s', medians(copyIn), 'throughput');
  printComparison('docker cp out of the container', 'MB/s', medians(copyOut), 'throughput');
}
