import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { taskOutput } from './task-output';

describe('taskOutput', () => {
  let dir: string;
  let reader: Socket;
  let writer: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'task-output-'));
    const fifo = join(dir, 'stdout');
    execFileSync('mkfifo', [fifo]);
    reader = new Socket({ fd: openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK), readable: true, writable: false });
    writer = openSync(fifo, constants.O_WRONLY);
  });

  afterEach(() => {
    reader.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands over the output in order, none while a chunk is held, and ends with the pipe', async () => {
    const taken: string[] = [];
    let release!: () => void;
    const drained = taskOutput(reader).drain((chunk) => {
      taken.push(Buffer.from(chunk).toString());
      if (taken.length > 1) return undefined;
      writeSync(writer, 'second');
      return new Promise<void>((resolve) => (release = resolve));
    });
    writeSync(writer, 'first');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(taken).toEqual(['first']);

    release();
    closeSync(writer);
    await drained;
    expect(taken).toEqual(['first', 'second']);
  });

  it('fails the drain, not the service, when taking a chunk throws', async () => {
    const drained = taskOutput(reader).drain(() => {
      throw new Error('log is gone');
    });
    writeSync(writer, 'output');
    await expect(drained).rejects.toThrow('log is gone');
    closeSync(writer);
  });

  it('gives nothing for the stderr a terminal does not have', async () => {
    closeSync(writer);
    const take = jest.fn();
    await taskOutput(undefined).drain(take);
    expect(take).not.toHaveBeenCalled();
  });
});
