import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { EngineError } from '@flotilla/proto';

const execFileAsync = promisify(execFile);

/** Runs a host tool (ip, iptables, mount…), with `input` on its stdin; its stderr becomes the error's message. */
export async function runCommand(file: string, args: readonly string[], input?: string): Promise<string> {
  try {
    const running = execFileAsync(file, args);
    if (input !== undefined) running.child.stdin?.end(input);
    const { stdout } = await running;
    return stdout;
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim();
    throw new EngineError('internal', `${file} ${args.join(' ')}: ${stderr || (err as Error).message}`, { cause: err });
  }
}

/** Whether the command succeeds (a check such as `iptables -C`). */
export function succeeds(file: string, args: readonly string[]): Promise<boolean> {
  return execFileAsync(file, args).then(
    () => true,
    () => false,
  );
}
