import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cliEnv } from './docker-cli';
import { e2eRoot } from './engine';

/**
 * A docker CLI command on a pseudo-terminal of its own (util-linux `script`), driven as a person
 * at a keyboard would: typing, reading the screen, resizing the window.
 */
export class Terminal {
  private screen = '';
  private readonly child: ChildProcess;
  private readonly dir = mkdtempSync(join(e2eRoot, 'tty-'));
  readonly exit: Promise<number>;

  constructor(command: string, size = { rows: 40, cols: 100 }) {
    // The pty's path is written down so that the window can be resized from outside.
    const script = `tty > ${this.dir}/path; stty rows ${size.rows} cols ${size.cols}; ${command}`;
    this.child = spawn('script', ['-qfec', script, '/dev/null'], { env: cliEnv(), stdio: ['pipe', 'pipe', 'inherit'] });
    this.child.stdout!.on('data', (data: Buffer) => (this.screen += data.toString()));
    this.exit = new Promise((resolve) => this.child.on('exit', (code) => resolve(code ?? -1)));
  }

  /** Everything printed so far, line ends as the terminal sends them (\r\n). */
  get output(): string {
    return this.screen;
  }

  type(keys: string): void {
    this.child.stdin!.write(keys);
  }

  /** Waits until the output matches, failing with what was printed after `timeoutMs`. */
  async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    for (let waited = 0; waited < timeoutMs; waited += 50) {
      const match = this.screen.match(pattern);
      if (match) return match;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`terminal never showed ${pattern}; it shows: ${JSON.stringify(this.screen)}`);
  }

  /** Changes the window size: the kernel tells the CLI (SIGWINCH), which tells the engine. */
  resize(rows: number, cols: number): void {
    const tty = readFileSync(join(this.dir, 'path'), 'utf8').trim();
    const result = spawnSync('stty', ['-F', tty, 'rows', String(rows), 'cols', String(cols)]);
    if (result.status !== 0) throw new Error(`stty -F ${tty}: ${result.stderr}`);
  }

  /** Ends the session if it still runs and removes its files. */
  close(): void {
    this.child.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
