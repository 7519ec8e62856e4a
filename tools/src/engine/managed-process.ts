import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessSpec } from './engine-layout.js';

/**
 * One process of the engine: started in its own process group (so Ctrl-C reaches only the
 * launcher, which stops everything in order), logging to a file, restarted if it crashes.
 */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restarts = 0;

  constructor(
    readonly spec: ProcessSpec,
    private readonly logDir: string,
    private readonly pidDir: string,
    private readonly report: (message: string) => void,
  ) {}

  get logFile(): string {
    return join(this.logDir, `${this.spec.name}.log`);
  }

  private get pidFile(): string {
    return join(this.pidDir, `${this.spec.name}.pid`);
  }

  /** Stops a process of this name that a launcher killed without warning left behind. */
  static async reapOrphan(pidDir: string, name: string): Promise<void> {
    const file = join(pidDir, `${name}.pid`);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    let pid = 0;
    try {
      pid = Number(readFileSync(file, 'utf8'));
    } catch {
      return;
    }
    if (pid > 0 && alive(pid)) {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    rmSync(file, { force: true });
  }

  start(): void {
    const log = openSync(this.logFile, 'a');
    const child = spawn(this.spec.command, this.spec.args, {
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', log, log],
      detached: true,
    });
    closeSync(log);
    this.child = child;
    const startedAt = Date.now();
    if (child.pid) writeFileSync(this.pidFile, String(child.pid));
    child.on('exit', (code, signal) => {
      rmSync(this.pidFile, { force: true });
      if (this.stopping) return;
      // A process that ran for a while before it died starts over with a short back-off.
      this.restarts = Date.now() - startedAt > 60_000 ? 1 : this.restarts + 1;
      const delayMs = Math.min(30_000, 500 * 2 ** Math.min(this.restarts, 6));
      this.report(`${this.spec.name} exited (${signal ?? code}); restarting in ${delayMs} ms, see ${this.logFile}`);
      setTimeout(() => !this.stopping && this.start(), delayMs).unref();
    });
  }

  /** SIGTERM, then SIGKILL after the grace period. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
