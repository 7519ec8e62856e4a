import { EngineError } from '@flotilla/proto';
import { ToolShell, type ToolOptions, type ToolRun } from './tool-shell.js';

/** The process's one shell for host tools (see ToolShell). */
const tools = new ToolShell();

/** Runs a host tool and reports how it ended, whatever its exit status. */
export function runTool(file: string, args: readonly string[], options?: ToolOptions): Promise<ToolRun> {
  return tools.run(file, args, options);
}

/** Runs a host tool (ip, iptables, mount…), with `input` on its stdin; its stderr becomes the error's message. */
export async function runCommand(file: string, args: readonly string[], input?: string): Promise<string> {
  const run = await runTool(file, args, { input }).catch((err: Error) => {
    throw new EngineError('internal', `${file} ${args.join(' ')}: ${err.message}`, { cause: err });
  });
  if (run.code !== 0) throw new EngineError('internal', `${file} ${args.join(' ')}: ${run.stderr.trim() || `exit status ${run.code}`}`);
  return run.stdout;
}

/** Whether the command succeeds (a check such as `iptables -C`). */
export function succeeds(file: string, args: readonly string[]): Promise<boolean> {
  return runTool(file, args).then(
    (run) => run.code === 0,
    () => false,
  );
}
