import { execFile } from 'node:child_process';
import { EngineError } from '@flotilla/proto';

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
export function runCniPlugin(pluginDir: string, command: 'ADD' | 'DEL', config: Record<string, unknown>, target: CniTarget): Promise<Record<string, unknown>> {
  const env = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: command,
    CNI_CONTAINERID: target.containerId,
    CNI_NETNS: target.netnsPath,
    CNI_IFNAME: target.interfaceName,
    CNI_PATH: pluginDir,
  };
  const type = String(config.type);
  return new Promise((resolve, reject) => {
    const child = execFile(`${pluginDir}/${type}`, [], { env, maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) {
        resolve(stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : {});
        return;
      }
      let reason = stderr.trim() || err.message;
      try {
        const failure = JSON.parse(stdout) as CniError;
        reason = [failure.msg, failure.details].filter(Boolean).join(': ') || reason;
      } catch {
        // Not a CNI error object: stderr or the exit status says what happened.
      }
      reject(new EngineError('internal', `CNI plugin ${type} ${command} failed: ${reason}`, { cause: err }));
    });
    child.stdin?.end(JSON.stringify({ cniVersion, ...config }));
  });
}
