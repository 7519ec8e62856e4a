/**
 * `npm run bench`: the latency of `docker run --rm IMAGE true` on Flotilla and on dockerd, on the
 * same machine in the same run, each engine on its own directories. Runs alternate between the
 * engines so that a busy moment of the machine hurts both alike.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { buildBusyboxRootfs, freePort, removeCgroupParent, startEngineProcess, stopEngineProcess, unmountUnder } from '../fixtures/index.js';
import { median, percentile } from './statistics.js';

const workDir = process.env.BENCH_DIR || '/tmp/flotilla-bench';
const runs = Number(process.env.BENCH_RUNS || 30);
const warmups = 3;
const image = 'busybox:bench';
const namespace = 'flotilla-bench';
/** The reference dockerd's containers go under a parent of their own, removed afterwards. */
const dockerdCgroup = 'flotilla-bench-dockerd';

interface Engine {
  name: string;
  socket: string;
}

function docker(engine: Engine, args: string[], input?: Buffer): string {
  return execFileSync('docker', args, { env: { ...process.env, DOCKER_HOST: `unix://${engine.socket}` }, input, encoding: 'utf8' });
}

function pings(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** Debian's dockerd on its own data root and socket, without its bridge or iptables rules. */
async function startReferenceDockerd(): Promise<Engine | undefined> {
  if (spawnSync('sh', ['-c', 'command -v dockerd']).status !== 0) {
    console.error('installing docker.io for the reference dockerd');
    if (spawnSync('sh', ['-c', 'apt-get install -y -qq docker.io >/dev/null'], { stdio: 'inherit' }).status !== 0) return undefined;
  }
  const dir = join(workDir, 'dockerd');
  mkdirSync(dir, { recursive: true });
  const socket = join(dir, 'docker.sock');
  const log = openSync(join(dir, 'dockerd.log'), 'w');
  const args = ['--data-root', join(dir, 'root'), '--exec-root', join(dir, 'exec'), '-H', `unix://${socket}`, '--pidfile', join(dir, 'dockerd.pid'), '--bridge', 'none', '--iptables=false', '--cgroup-parent', dockerdCgroup];
  spawn('dockerd', args, { stdio: ['ignore', log, log], detached: true }).unref();
  closeSync(log);
  for (let i = 0; i < 120; i++) {
    if (await pings(socket)) return { name: 'dockerd', socket };
    await new Promise((r) => setTimeout(r, 250));
  }
  console.error(`the reference dockerd did not start; see ${join(dir, 'dockerd.log')}`);
  return undefined;
}

async function stopReferenceDockerd(): Promise<void> {
  const pidFile = join(workDir, 'dockerd', 'dockerd.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  try {
    process.kill(pid, 'SIGTERM');
    while (existsSync(`/proc/${pid}`)) await new Promise((r) => setTimeout(r, 100));
  } catch {
    // Not running.
  }
}

function timeRun(engine: Engine): number {
  const started = process.hrtime.bigint();
  docker(engine, ['run', '--rm', '--network', 'none', image, 'true']);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function removeLeftovers(): void {
  unmountUnder(workDir);
  rmSync(workDir, { recursive: true, force: true });
  removeCgroupParent(namespace);
  removeCgroupParent(dockerdCgroup);
}

const format = (ms: number) => `${ms.toFixed(1)} ms`;

async function main(): Promise<void> {
  await stopEngineProcess(workDir);
  await stopReferenceDockerd();
  removeLeftovers();
  mkdirSync(workDir, { recursive: true });
  const tar = join(workDir, 'busybox.tar');
  buildBusyboxRootfs(tar);

  const flotillaDir = join(workDir, 'flotilla');
  const dirs = { stateDir: join(flotillaDir, 'state'), runDir: join(flotillaDir, 'run'), apiSocket: join(flotillaDir, 'docker.sock'), namespace, natsPort: await freePort() };
  const engines: Engine[] = [];
  try {
    await startEngineProcess(dirs, workDir);
    engines.push({ name: 'flotilla', socket: dirs.apiSocket });
    const reference = await startReferenceDockerd();
    if (reference) engines.push(reference);
    else console.error('no reference dockerd: measuring Flotilla alone');

    const tarBytes = readFileSync(tar);
    for (const engine of engines) docker(engine, ['import', '-', image], tarBytes);
    for (const engine of engines) for (let i = 0; i < warmups; i++) timeRun(engine);

    const samples = new Map(engines.map((e) => [e.name, [] as number[]]));
    for (let i = 0; i < runs; i++) {
      const order = i % 2 === 0 ? engines : [...engines].reverse();
      for (const engine of order) samples.get(engine.name)!.push(timeRun(engine));
    }

    console.log(`docker run --rm --network none ${image} true, ${runs} runs each (after ${warmups} warm-up runs)`);
    for (const [name, values] of samples) {
      console.log(`  ${name.padEnd(9)} median ${format(median(values))}  p90 ${format(percentile(values, 0.9))}  min ${format(Math.min(...values))}`);
    }
    if (samples.has('dockerd')) {
      const ratio = median(samples.get('flotilla')!) / median(samples.get('dockerd')!);
      console.log(`  ratio flotilla/dockerd (median): ${ratio.toFixed(2)}`);
    }
  } finally {
    await stopReferenceDockerd();
    await stopEngineProcess(workDir);
    removeLeftovers();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
