import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBusyboxRootfs } from '../fixtures/index.js';
import { docker, type BenchEngine } from './bench-engine.js';
import { median, printComparison } from './statistics.js';

const runs = Number(process.env.BENCH_STREAM_RUNS || 3);
const execRuns = Number(process.env.BENCH_RUNS || 30);
const outputBytes = 200_000_000;
const logLines = 100_000;
const image = 'busybox:bench-streams';

/** Runs the CLI with its stdout counted, not kept: milliseconds taken and bytes seen. */
function timedOutput(engine: BenchEngine, args: string[]): Promise<{ ms: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('docker', args, { env: { ...process.env, DOCKER_HOST: `unix://${engine.socket}` }, stdio: ['ignore', 'pipe', 'inherit'] });
    let bytes = 0;
    child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`docker ${args.join(' ')} exited ${code}`));
      else resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, bytes });
    });
  });
}

/**
 * The streams users live in: attached output of `docker run` (200 MB through the CLI, MB/s),
 * `docker logs` of 100k lines, and `docker exec C true`, each engine in turn in one run.
 */
export async function measureStreams(engines: readonly BenchEngine[], workDir: string): Promise<void> {
  const tar = join(workDir, 'busybox.tar');
  buildBusyboxRootfs(tar);
  const tarBytes = readFileSync(tar);
  for (const engine of engines) docker(engine, ['import', '-', image], tarBytes);
  const throughput = new Map<string, number[]>();
  const logs = new Map<string, number[]>();
  const execs = new Map<string, number[]>();
  const logged = new Map<string, string>();
  const sleeper = new Map<string, string>();
  for (const engine of engines) {
    const id = docker(engine, ['run', '-d', '--network', 'none', image, 'seq', '1', String(logLines)]).trim();
    docker(engine, ['wait', id]);
    logged.set(engine.name, id);
    sleeper.set(engine.name, docker(engine, ['run', '-d', '--network', 'none', image, 'sleep', '600']).trim());
    for (const samples of [throughput, logs, execs]) samples.set(engine.name, []);
  }

  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? engines : [...engines].reverse();
    for (const engine of order) {
      const run = await timedOutput(engine, ['run', '--rm', '--network', 'none', image, 'sh', '-c', `head -c ${outputBytes} /dev/zero`]);
      if (run.bytes !== outputBytes) throw new Error(`${engine.name}: docker run gave ${run.bytes} bytes, not ${outputBytes}`);
      throughput.get(engine.name)!.push(outputBytes / 1e6 / (run.ms / 1000));
      const read = await timedOutput(engine, ['logs', logged.get(engine.name)!]);
      logs.get(engine.name)!.push(read.ms);
    }
  }
  for (let i = 0; i < execRuns; i++) {
    const order = i % 2 === 0 ? engines : [...engines].reverse();
    for (const engine of order) execs.get(engine.name)!.push((await timedOutput(engine, ['exec', sleeper.get(engine.name)!, 'true'])).ms);
  }
  for (const engine of engines) {
    docker(engine, ['rm', '-f', logged.get(engine.name)!, sleeper.get(engine.name)!]);
    docker(engine, ['rmi', image]);
  }

  const medians = (samples: Map<string, number[]>) => new Map([...samples].map(([name, values]) => [name, median(values)]));
  console.log(`streams with ${image}: medians of ${runs} runs (exec: ${execRuns})`);
  printComparison(`docker run, ${outputBytes / 1e6} MB of output`, 'MB/s', medians(throughput), 'throughput');
  printComparison(`docker logs, ${logLines / 1000}k lines`, 'ms', medians(logs), 'time');
  printComparison('docker exec C true', 'ms', medians(execs), 'time');
}
