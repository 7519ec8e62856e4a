import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { EngineError } from '@flotilla/proto';

const run = promisify(execFile);

async function exec(file: string, args: string[]): Promise<void> {
  try {
    await run(file, args);
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim();
    throw new EngineError('internal', `${file} ${args.join(' ')}: ${stderr || (err as Error).message}`, { cause: err });
  }
}

/**
 * Persistent network namespaces bound to files, made with util-linux `unshare` and iproute2 (one
 * process per namespace: it is created, loopback brought up, and bound in one go).
 */
export class NetworkNamespaces {
  private readonly preparedDirs = new Set<string>();

  /** A namespace can only be bound on a private mount: make the directory one, once. */
  private async prepareDir(dir: string): Promise<void> {
    if (this.preparedDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    const mounted = await run('mountpoint', ['-q', dir]).then(
      () => true,
      () => false,
    );
    if (!mounted) {
      await exec('mount', ['--bind', dir, dir]);
      await exec('mount', ['--make-private', dir]);
    }
    this.preparedDirs.add(dir);
  }

  /** A new namespace with loopback up, bound at `path`. */
  async create(path: string): Promise<void> {
    await this.prepareDir(dirname(path));
    await writeFile(path, '', { flag: 'a' });
    try {
      await exec('unshare', [`--net=${path}`, 'ip', 'link', 'set', 'lo', 'up']);
    } catch (err) {
      await this.remove(path);
      throw err;
    }
  }

  /** Unbinds and deletes; a namespace that is already gone is fine. */
  async remove(path: string): Promise<void> {
    await run('umount', [path]).catch(() => undefined);
    await rm(path, { force: true });
  }
}
