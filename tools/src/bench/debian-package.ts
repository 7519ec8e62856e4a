import { spawnSync } from 'node:child_process';

/** Installs Debian's `pkg` unless `command` is already on the PATH; false when it cannot. */
export function ensureCommand(command: string, pkg: string): boolean {
  if (spawnSync('sh', ['-c', `command -v ${command}`]).status === 0) return true;
  console.error(`installing ${pkg} for ${command}`);
  return spawnSync('sh', ['-c', `apt-get install -y -qq ${pkg} >/dev/null`], { stdio: 'inherit' }).status === 0;
}
