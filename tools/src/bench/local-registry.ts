import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureCommand, freePort } from '../fixtures/index.js';

export interface LocalRegistry {
  /** `127.0.0.1:<port>`: plain HTTP, which both engines accept for a loopback registry. */
  address: string;
  /**
   * The same registry (same address, same storage) in another network namespace, for an engine
   * that dials out from there: its 127.0.0.1 is not the host's.
   */
  serveIn(netns: string): Promise<void>;
  stop(): Promise<void>;
}

type Stop = () => Promise<void>;

/** One `docker-registry serve` of `config`, up once its log says it listens; resolves to its stop. */
async function serve(config: string, logPath: string, netns?: string): Promise<Stop> {
  const command = ['setpriv', '--pdeathsig', 'KILL', 'docker-registry', 'serve', config];
  if (netns) execFileSync('nsenter', [`--net=${netns}`, 'ip', 'link', 'set', 'lo', 'up']);
  const [file, ...args] = netns ? ['nsenter', `--net=${netns}`, ...command] : command;
  const log = openSync(logPath, 'w');
  const registry = spawn(file, args, { stdio: ['ignore', log, log] });
  closeSync(log);
  let running = true;
  const exited = new Promise<void>((resolve) => registry.once('exit', resolve).once('error', resolve)).then(() => {
    running = false;
  });
  const stop = async () => {
    registry.kill('SIGTERM');
    await exited;
  };
  for (let waited = 0; waited < 10_000 && running; waited += 100) {
    if (readFileSync(logPath, 'utf8').includes('msg="listening on')) return stop;
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`the registry of ${config} did not come up; see ${logPath}`);
}

/**
 * Debian's distribution registry on a free port, its config, storage and logs under `dir`. It is
 * killed with this process, so an aborted bench leaves none behind; `dir` goes with the work dir.
 */
export async function startLocalRegistry(dir: string): Promise<LocalRegistry> {
  if (!ensureCommand('docker-registry', 'docker-registry')) throw new Error('docker-registry is not installed and could not be');
  mkdirSync(dir, { recursive: true });
  const address = `127.0.0.1:${await freePort()}`;
  const config = join(dir, 'config.yml');
  // JSON is YAML.
  writeFileSync(config, JSON.stringify({ version: '0.1', storage: { filesystem: { rootdirectory: join(dir, 'storage') } }, http: { addr: address } }));
  const stops = [await serve(config, join(dir, 'registry.log'))];
  return {
    address,
    serveIn: async (netns) => {
      stops.push(await serve(config, join(dir, `registry-${stops.length}.log`), netns));
    },
    stop: async () => {
      await Promise.all(stops.map((stop) => stop()));
    },
  };
}
