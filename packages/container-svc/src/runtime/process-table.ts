import { execFile } from 'node:child_process';
import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cgroupRoot } from './host-facts.js';
import { promisify } from 'node:util';
import { EngineError } from '@flotilla/proto';

const execFileAsync = promisify(execFile);

/** Where the processes of a cgroup are listed: the v2 tree, or the first mounted v1 controller that has the cgroup. */
async function cgroupDir(root: string, cgroupPath: string): Promise<string | undefined> {
  const exists = (path: string) => access(path).then(() => true, () => false);
  if (await exists(join(root, 'cgroup.controllers'))) return join(root, cgroupPath);
  for (const controller of ['pids', 'memory', 'cpu']) {
    const dir = join(root, controller, cgroupPath);
    if (await exists(dir)) return dir;
  }
  return undefined;
}

/** Processes of the cgroup at `dir` and of every cgroup below it (a container may nest its own). */
async function procsUnder(dir: string): Promise<number[]> {
  const [procs, entries] = await Promise.all([readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => ''), readdir(dir, { withFileTypes: true }).catch(() => [])]);
  const nested = await Promise.all(entries.filter((entry) => entry.isDirectory()).map((entry) => procsUnder(join(dir, entry.name))));
  return [...procs.split('\n').filter(Boolean).map(Number), ...nested.flat()];
}

/** Host PIDs of every process in the container's cgroup; none when the cgroup is gone. */
export async function cgroupPids(cgroupPath: string, roots: { cgroup?: string } = {}): Promise<number[]> {
  const dir = await cgroupDir(roots.cgroup ?? cgroupRoot, cgroupPath);
  // A process that moves between cgroups while they are read could be listed twice.
  return dir ? [...new Set(await procsUnder(dir))] : [];
}

/** dockerd splits ps output on ASCII whitespace only, so a title or command with other spaces stays whole. */
const asciiFields = (line: string) => line.split(/[\t\n\f\r ]+/).filter(Boolean);

/**
 * dockerd refuses to let a column be renamed to PID (`-o comm=PID`), which would make it filter the
 * wrong column.
 */
function rejectPidRenaming(psArgs: string): void {
  for (const [, key, value] of psArgs.matchAll(/\s+(\S*)=\s*(PID\S*)/g)) {
    if (key !== 'pid') throw EngineError.invalid(`specifying "${key}=${value}" is not allowed`);
  }
}

/** One row as dockerd returns it: a field per title, the overhang (the command's arguments) joined into the last. */
function toRow(fields: string[], columns: number): string[] {
  return [...fields.slice(0, columns - 1), fields.slice(columns - 1).join(' ')];
}

/**
 * `docker top`: runs the host's `ps` with `psArgs` (`-ef` when empty) and keeps the rows of `pids`,
 * as dockerd does, titles included.
 */
export async function processTable(pids: readonly number[], psArgs: string): Promise<{ titles: string[]; processes: string[][] }> {
  const args = psArgs.trim() ? psArgs.trim().split(/\s+/) : ['-ef'];
  rejectPidRenaming(psArgs);
  let output: string;
  try {
    ({ stdout: output } = await execFileAsync('ps', args, { maxBuffer: 64 * 1024 * 1024 }));
  } catch (err) {
    // dockerd's wording: the first line of ps's complaint, or why it could not run at all.
    const stderr = String((err as { stderr?: unknown }).stderr ?? '');
    throw EngineError.invalid(`ps: ${stderr.split('\n')[0] || (err as Error).message}`);
  }

  const [header = '', ...lines] = output.split('\n');
  const titles = asciiFields(header);
  const pidColumn = titles.indexOf('PID');
  if (pidColumn < 0) throw EngineError.invalid("Couldn't find PID field in ps output");

  const wanted = new Set(pids);
  const processes: string[][] = [];
  let previousKept = false;
  for (const line of lines) {
    const fields = asciiFields(line);
    if (fields.length === 0) continue;
    const pid = fields[pidColumn];
    // With `m`, ps lists a process's threads under it with '-' for a PID: they go with that process.
    if (pid === '-') {
      if (previousKept) processes.push(toRow(fields, titles.length));
      continue;
    }
    if (!/^\d+$/.test(pid ?? '')) throw EngineError.invalid(`Unexpected pid '${pid ?? ''}'`);
    previousKept = wanted.has(Number(pid));
    if (previousKept) processes.push(toRow(fields, titles.length));
  }
  return { titles, processes };
}
