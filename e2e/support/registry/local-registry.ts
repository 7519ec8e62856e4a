import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from '@flotilla/tools/fixtures';
import { startTokenServer, type TokenServer } from './token-server';

/** Debian's docker-registry: distribution's registry 2.8. */
const registryBinary = '/usr/bin/docker-registry';

/**
 * `users` maps names to passwords. The token server of `token` answers from the calling process's
 * event loop: while a client may need a token, run it with spawn, never spawnSync or execFileSync.
 */
export type RegistryAuth = { kind: 'htpasswd'; users: Record<string, string> } | { kind: 'token'; users: Record<string, string> };

export interface RegistryOptions {
  /** Holds the registry's config, storage and log; emptied first, removed by stop(). */
  dir: string;
  /** No auth: anyone may pull and push. */
  auth?: RegistryAuth;
  /** A port chosen beforehand (the engine's registry config names it); a free one otherwise. */
  port?: number;
}

export interface LocalRegistry {
  /** `127.0.0.1:<port>`, plain HTTP, which Docker clients trust without TLS because it is loopback. */
  address: string;
  /** The filesystem storage's root directory. */
  dataDir: string;
  /** The token server of `token` auth. */
  tokenServer?: TokenServer;
  stop(): Promise<void>;
}

/** A real registry on a free port of 127.0.0.1, with its own storage, answering once `GET /v2/` does. */
export async function startRegistry({ dir, auth, port }: RegistryOptions): Promise<LocalRegistry> {
  const root = resolve(dir);
  killStrayRegistries(root);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const dataDir = join(root, 'storage');
  const address = `127.0.0.1:${port ?? (await freePort())}`;
  const tokenServer = auth?.kind === 'token' ? await startTokenServer(join(root, 'token'), auth.users) : undefined;
  const configPath = join(root, 'config.yml');
  // JSON is YAML, so the config needs no YAML writer.
  const authSection = tokenServer ? tokenAuth(tokenServer) : auth?.kind === 'htpasswd' ? htpasswdAuth(root, auth.users) : undefined;
  const config = { version: '0.1', storage: { filesystem: { rootdirectory: dataDir } }, http: { addr: address }, auth: authSection };
  writeFileSync(configPath, JSON.stringify(config, null, 2));

  const logPath = join(root, 'registry.log');
  const log = openSync(logPath, 'w');
  // setpriv makes the kernel kill the registry when its parent dies, so a crashed jest leaves none behind.
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', registryBinary, 'serve', configPath], { stdio: ['ignore', log, log] });
  closeSync(log);
  const exited = new Promise<void>((done) => child.once('exit', () => done()).once('error', () => done()));

  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    await tokenServer?.close();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await waitUntilServing(address, exited);
  } catch (err) {
    const output = readFileSync(logPath, 'utf8');
    await stop();
    throw new Error(`${(err as Error).message}; its log:\n${output}`);
  }
  return { address, dataDir, tokenServer, stop };
}

function tokenAuth({ realm, service, issuer, rootCertBundle }: TokenServer): object {
  return { token: { realm, service, issuer, rootcertbundle: rootCertBundle } };
}

function htpasswdAuth(root: string, users: Record<string, string>): object {
  const path = join(root, 'htpasswd');
  // distribution only accepts bcrypt entries.
  const entries = Object.entries(users).map(([user, password]) => execFileSync('htpasswd', ['-Bbn', user, password], { encoding: 'utf8' }).trim());
  writeFileSync(path, entries.join('\n') + '\n');
  return { htpasswd: { realm: 'flotilla-e2e', path } };
}

async function waitUntilServing(address: string, exited: Promise<void>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  for (let waited = 0; waited < 10_000; waited += 50) {
    if (gone) throw new Error(`the registry on ${address} exited while starting`);
    const status = await fetch(`http://${address}/v2/`).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200 || status === 401) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the registry on ${address} did not answer GET /v2/ within 10s`);
}

/**
 * Kills every registry whose config lies under `dir`, found through /proc rather than pid files
 * so a recycled pid is never hit: for cleaning up after a run that could not call stop().
 */
export function killStrayRegistries(dir: string): void {
  const prefix = resolve(dir) + '/';
  for (const pid of readdirSync('/proc').filter((entry) => /^[0-9]+$/.test(entry))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (argv[0] !== registryBinary || !argv[2]?.startsWith(prefix)) continue;
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
}
