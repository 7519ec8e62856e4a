import { randomBytes } from 'node:crypto';
import { renameSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '@flotilla/kit';

/**
 * FIFOs made ahead of need, a batch per `mkfifo` run, and moved into place by rename: Node cannot
 * make a FIFO itself, and a process spawned for each task or exec costs milliseconds of its start.
 * The directory must be on the filesystem of the FIFOs' destinations; it is emptied at first use.
 */
export class FifoStock {
  private spare: Promise<string[]> | undefined;
  private filling: Promise<void> | undefined;

  constructor(
    private readonly directory: string,
    private readonly batchSize = 16,
  ) {}

  /** A FIFO (mode 0600) at each path; one already there is replaced. */
  async make(paths: readonly string[]): Promise<void> {
    this.spare ??= rm(this.directory, { recursive: true, force: true }).then(
      (): string[] => [],
      (err) => {
        this.spare = undefined;
        throw err;
      },
    );
    const spare = await this.spare;
    while (spare.length < paths.length) await this.fill(spare);
    const taken = spare.splice(0, paths.length);
    if (spare.length < this.batchSize / 2) this.fill(spare).catch(() => undefined);
    // Synchronous: a rename takes microseconds, a round trip through the thread pool
    // milliseconds, on the path of every start and exec.
    taken.forEach((from, i) => renameSync(from, paths[i]));
  }

  /** Resolves once no refill is under way: the directory can then be removed. */
  async idle(): Promise<void> {
    await this.filling?.catch(() => undefined);
  }

  private fill(spare: string[]): Promise<void> {
    this.filling ??= (async () => {
      await mkdir(this.directory, { recursive: true, mode: 0o700 });
      const made = Array.from({ length: this.batchSize }, () => join(this.directory, randomBytes(8).toString('hex')));
      await runCommand('mkfifo', ['-m', '600', ...made]);
      spare.push(...made);
    })().finally(() => (this.filling = undefined));
    return this.filling;
  }
}
