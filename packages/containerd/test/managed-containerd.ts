import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectContainerd } from '../src/index.js';

/**
 * A containerd of the test's own (root, state and sockets under `dir`), so that no other
 * containerd on the machine is touched. containerd 1.6 still puts shim sockets under
 * /run/containerd/s (hard-coded, names hashed with our socket path) and removes them as shims exit.
 */
export class ManagedContainerd {
  readonly address: string;
  private process: ChildProcess | undefined;

  constructor(readonly dir: string) {
    this.address = join(dir, 'containerd.sock');
  }

  /** runc's state directory for containers of this containerd (passed in the runtime options). */
  get runcRoot(): string {
    return join(this.dir, 'runc');
  }

  async start(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    await mkdir(this.dir, { recursive: true });
    const config = join(this.dir, 'config.toml');
    await writeFile(
      config,
      [
        'version = 2',
        `root = "${join(this.dir, 'root')}"`,
        `state = "${join(this.dir, 'state')}"`,
        // cri: not needed; opt: would create /opt/containerd.
        'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt"]',
        '[grpc]',
        `  address = "${this.address}"`,
        '[ttrpc]',
        `  address = "${this.address}.ttrpc"`,
        '',
      ].join('\n'),
    );
    const log = openSync(join(this.dir, 'containerd.log'), 'a');
    this.process = spawn('containerd', ['--config', config], { stdio: ['ignore', log, log] });
    await this.waitUntilServing();
  }

  private async waitUntilServing(): Promise<void> {
    const client = connectContainerd({ address: this.address, namespace: 'probe' });
    try {
      for (let attempt = 0; ; attempt++) {
        if (this.process?.exitCode !== null) throw new Error(`containerd exited, see ${this.dir}/containerd.log`);
        try {
          await client.version.version({}, { timeoutMs: 1000 });
          return;
        } catch (err) {
          if (attempt > 100) throw err;
          await sleep(100);
        }
      }
    } finally {
      client.close();
    }
  }

  /** Stops containerd, unmounts whatever it left mounted, removes its directory and test cgroups. */
  async stop(cgroupParent: string): Promise<void> {
    const child = this.process;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    const mounts = (await readFile('/proc/self/mounts', 'utf8'))
      .split('\n')
      .map((line) => line.split(' ')[1])
      .filter((target) => target?.startsWith(`${this.dir}/`))
      .reverse();
    for (const target of mounts) await run('umount', [target]);
    await rm(this.dir, { recursive: true, force: true });
    for (const controller of await readdir('/sys/fs/cgroup').catch(() => [])) {
      await rmdir(join('/sys/fs/cgroup', controller, cgroupParent)).catch(() => undefined);
    }
  }
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    spawn(command, args, { stdio: 'inherit' }).once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}`)),
    );
  });
}
