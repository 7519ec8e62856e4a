import { join } from 'node:path';
import { docker, tryDocker, type BenchEngine } from './bench-engine.js';
import { startLocalRegistry } from './local-registry.js';
import { pushBenchImage, type PushedImage } from './registry-image.js';
import { median } from './statistics.js';

const runs = Number(process.env.BENCH_PULL_RUNS || 3);

/** Removes the image, and checks that none of its layers stay behind to make the next pull cheaper. */
function removeImage(engine: BenchEngine, image: PushedImage): void {
  // It fails when the image is absent already; any other failure leaves layers behind.
  const rmiError = tryDocker(engine, ['rmi', image.reference]);
  const stored = engine.storedLayers(image.layers);
  if (stored.length > 0) throw new Error(`${engine.name} still stores ${stored.join(', ')} after docker rmi ${image.reference}${rmiError ? `: ${rmiError}` : ''}`);
}

/** Seconds of the CLI's whole run. */
function timePull(engine: BenchEngine, image: PushedImage): number {
  const started = process.hrtime.bigint();
  docker(engine, ['pull', image.reference]);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const megabytes = (bytes: number) => bytes / 1e6;

/**
 * `docker pull` of a ~100 MB multi-layer image from a registry on 127.0.0.1 into each engine,
 * from scratch every time, alternating between the engines. An engine in a network namespace of its
 * own pulls from the same registry served in there.
 */
export async function measurePullThroughput(engines: readonly BenchEngine[], workDir: string): Promise<void> {
  const registry = await startLocalRegistry(join(workDir, 'registry'));
  try {
    const image = await pushBenchImage(registry.address, 'bench/big', 'v1', workDir);
    for (const { netns } of engines) if (netns) await registry.serveIn(netns);
    const samples = new Map(engines.map((e) => [e.name, [] as number[]]));
    for (let i = 0; i < runs; i++) {
      const order = i % 2 === 0 ? engines : [...engines].reverse();
      for (const engine of order) {
        removeImage(engine, image);
        samples.get(engine.name)!.push(timePull(engine, image));
      }
    }

    const throughput = (seconds: number) => megabytes(image.bytes) / seconds;
    console.log(`docker pull ${image.reference}: ${megabytes(image.bytes).toFixed(1)} MB compressed in ${image.layers.length} layers, ${runs} runs each`);
    for (const [name, values] of samples) {
      const seconds = median(values);
      console.log(`  ${name.padEnd(9)} median ${seconds.toFixed(2)} s  ${throughput(seconds).toFixed(1)} MB/s  (runs: ${values.map((s) => s.toFixed(2)).join(', ')} s)`);
    }
    if (samples.has('dockerd')) {
      const ratio = throughput(median(samples.get('flotilla')!)) / throughput(median(samples.get('dockerd')!));
      console.log(`  throughput flotilla/dockerd ${ratio.toFixed(2)}`);
    }
  } finally {
    await registry.stop();
  }
}
