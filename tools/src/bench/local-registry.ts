import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../fixtures/index.js';
import { ensureCommand } from '../fixtures/index.js';

export interface LocalRegistry {
  /** `127.0.0.1:<port>`: plain HTTP, which both engines accept for a loopback registry. */
  address: string;
  stop(): Promise<void>;
}

/**
 * Debian's distribution registry on a free port, its config, storage and log under `dir`. It is
 * killed with this process, so an aborted bench leaves none behind; `dir` goes with the work dir.
 */
export async function startLocalRegistry(dir: string): Promise<LocalRegistry> {
  if (!ensureCommand('docker-registry', 'docker-registry')) throw new Error('docker-registry is not installed and could not be');
  mkdirSync(dir, { recursive: true });
  const address = `127.0.0.1:${await freePort()}`;
  const configPath = join(dir, 'config.yml');
  // JSON is YAML.
  writeFileSync(configPath, JSON.stringify({ version: '0.1', storage: { filesystem: { rootdirectory: join(dir, 'storage') } }, http: { addr: address } }));
  const logPath = join(dir, 'registry.log');
  const log = openSync(logPath, 'w');
  const registry = spawn('setpriv', ['--pdeathsig', 'KILL', 'docker-registry', 'serve', configPath], { stdio: ['ignore', log, log] });
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
    const answers = await fetch(`http://${address}/v2/`).then(
      (res) => res.ok,
      () => false,
    );
    if (answers) return { address, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`the registry on ${address} did not come up; see ${logPath}`);
}
