import { readFile } from 'node:fs/promises';

/** mountinfo escapes spaces, tabs, newlines and backslashes in paths as octal. */
const unescape = (path: string) => path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/** Whether something is mounted on `path` (its fifth mountinfo field), in this process's mount namespace. */
export async function isMountPoint(path: string): Promise<boolean> {
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  return table.split('\n').some((line) => line && unescape(line.split(' ')[4]) === path);
}
