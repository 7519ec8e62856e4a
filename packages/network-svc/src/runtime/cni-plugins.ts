import { EngineError } from '@flotilla/proto';
import { runTool } from '@flotilla/kit';

export const cniVersion = '1.0.0';

/** Where a plugin acts: the container (its ID), the namespace and the interface inside it. */
export interface CniTarget {
  containerId: string;
  netnsPath: string;
  interfaceName: string;
}

/** What plugins print when they fail (CNI spec, "Error"). */
interface CniError {
  code?: number;
  msg?: string;
  details?: string;
}

/**
 * Runs one CNI plugin from `pluginDir` as the CNI spec describes: the command and the target in
 * the environment, the network configuration on stdin, the result (or the error) on stdout.
 */
export async function runCniPlugin(pluginDir: string, command: 'ADD' | 'DEL', config: Record<string, unknown>, target: CniTarget): Promise<Record<string, unknown>> {
  const env = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: command,
    CNI_CONTAINERID: target.containerId,
    CNI_NETNS: target.netnsPath,
    CNI_IFNAME: target.interfaceName,
    CNI_PATH: pluginDir,
  };
  const type = String(config.type);
  const failed = (reason: string, cause?: unknown) => new EngineError('internal', `CNI plugin ${type} ${command} failed: ${reason}`, { cause });
  const run = await runTool(`${pluginDir}/${type}`, [], { env, input: JSON.stringify({ cniVersion, ...config }) }).catch((err: Error) => {
    throw failed(err.message, err);
  });
  if (run.code === 0) return run.stdout.trim() ? (JSON.parse(run.stdout) as Record<string, unknown>) : {};
  let reason = run.stderr.trim() || `exit status ${run.code}`;
  try {
    const failure = JSON.parse(run.stdout) as CniError;
    reason = [failure.msg, failure.details].filter(Boolean).join(': ') || reason;
  } catch {
    // Not a CNI error object: stderr or the exit status says what happened.
  }
  throw failed(reason);
}
