import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ToolOptions {
  /** What the tool reads on its stdin (nothing when absent). */
  input?: string;
  /** The tool's whole environment, as execFile's `env` option; the service's own when absent. */
  env?: Readonly<Record<string, string>>;
}

export interface ToolRun {
  /** The exit status; 128 + the signal's number for a tool killed by one, as the shell reports it. */
  code: number;
  stdout: string;
  stderr: string;
}

/** A word the shell takes literally. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

interface Shell {
  child: ChildProcess;
  /** Where each run's stdin, stdout and stderr are kept while it runs, in numbered slots. */
  dir: string;
  slots: number;
  freeSlots: number[];
  exits: Map<number, { resolve(code: number): void; reject(err: Error): void }>;
}

/** Files of tool runs are kept in memory where the host offers a tmpfs. */
const filesRoot = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

/**
 * Runs host tools (ip, iptables, mount, CNI plugins…) through one long-lived shell, so that the
 * service never forks itself: a fork of a Node process copies its page tables and makes its whole
 * heap copy-on-write, which holds the event loop for several milliseconds per tool and slows it
 * for a while after (network-svc runs tools for each container start and exit). The shell forks
 * in a fraction of that time, in a process of its own. Each tool runs in the background with its
 * stdin, stdout and stderr in files, and the shell reports its exit status on a line of its own.
 */
export class ToolShell {
  private shell: Shell | undefined;
  private nextId = 1;

  async run(file: string, args: readonly string[], options: ToolOptions = {}): Promise<ToolRun> {
    const shell = this.started();
    const id = this.nextId++;
    // Slots of files are reused (the redirections truncate them), and read and written
    // synchronously: they are small, on tmpfs, and a round trip through the thread pool per file
    // cost more than the rest of the run.
    const slot = shell.freeSlots.pop() ?? shell.slots++;
    const path = (stream: 'in' | 'out' | 'err') => join(shell.dir, `${slot}.${stream}`);
    try {
      if (options.input !== undefined) writeFileSync(path('in'), options.input);
      const environment = options.env ? ['env', '-i', ...Object.entries(options.env).map(([name, value]) => `${name}=${value}`)] : [];
      const command = [...environment, file, ...args].map(shellQuote).join(' ');
      const stdin = options.input !== undefined ? shellQuote(path('in')) : '/dev/null';
      const exited = new Promise<number>((resolve, reject) => shell.exits.set(id, { resolve, reject }));
      shell.child.stdin!.write(`{ (exec ${command} <${stdin} >${shellQuote(path('out'))} 2>${shellQuote(path('err'))}); echo ${id} $?; } &\n`);
      const code = await exited;
      return { code, stdout: readFileSync(path('out'), 'utf8'), stderr: readFileSync(path('err'), 'utf8') };
    } finally {
      shell.freeSlots.push(slot);
    }
  }

  /** The shell, started at the first run and again after it went away; it never keeps the service alive. */
  private started(): Shell {
    if (this.shell) return this.shell;
    const dir = mkdtempSync(join(filesRoot, 'flotilla-tools-'));
    // bash, not sh: bash reaps its background jobs as they end; dash only when it waits for one.
    const child = spawn('/bin/bash', ['--noprofile', '--norc'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const shell: Shell = { child, dir, slots: 0, freeSlots: [], exits: new Map() };
    for (const handle of [child, child.stdin, child.stdout] as { unref?: () => void }[]) handle.unref?.();
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const [id, code] = line.split(' ').map(Number);
      shell.exits.get(id)?.resolve(code);
      shell.exits.delete(id);
    });
    // The shell removes the directory when it ends, as it does when this process goes away (its input ends).
    child.stdin!.write(`trap ${shellQuote(`rm -rf ${shellQuote(dir)}`)} EXIT\n`);
    const gone = (err: Error) => {
      if (this.shell === shell) this.shell = undefined;
      for (const exit of shell.exits.values()) exit.reject(err);
      shell.exits.clear();
      rmSync(dir, { recursive: true, force: true });
    };
    child.on('error', gone);
    child.on('exit', (code, signal) => gone(new Error(`the shell that runs host tools exited (${signal ?? code})`)));
    child.stdin!.on('error', () => undefined);
    this.shell = shell;
    return shell;
  }
}
