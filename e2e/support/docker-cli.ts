import { spawn } from 'node:child_process';
import Docker from 'dockerode';
import { join } from 'node:path';
import { e2eRoot, settings } from './engine';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment that points the docker CLI at the suite's engine. */
export function cliEnv(): NodeJS.ProcessEnv {
  return { ...process.env, DOCKER_HOST: `unix://${settings().apiSocket}`, DOCKER_CONFIG: join(e2eRoot, 'docker-config') };
}

type RunOptions = { input?: Buffer | string; timeoutMs?: number };

function run(file: string, args: string[], options: RunOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: cliEnv(),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} ${args.join(' ')} did not finish in time; stdout: ${stdout} stderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    if (options.input !== undefined) child.stdin!.end(options.input);
    // 'close', not 'exit': the output may still be in the pipes when the process has exited.
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Runs the real docker CLI against the suite's engine. */
export function docker(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return run('docker', args, options);
}

/** A shell command line of docker commands and pipes (`docker save x | docker load`), as a user types it. */
export function dockerShell(commandLine: string, options: RunOptions = {}): Promise<CliResult> {
  return run('sh', ['-c', commandLine], options);
}

/** Like docker(), but fails the test when the command fails. */
export async function dockerOk(args: string[], options?: Parameters<typeof docker>[1]): Promise<string> {
  const result = await docker(args, options);
  // dockerd reports some failures (an exec that could not start) in the output stream, not stderr.
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${result.code}: ${result.stderr}${result.stdout ? `\nstdout: ${result.stdout}` : ''}`);
  return result.stdout;
}

/** dockerode, a Docker API client as applications use it. */
export function apiClient(): Docker {
  return new Docker({ socketPath: settings().apiSocket });
}
