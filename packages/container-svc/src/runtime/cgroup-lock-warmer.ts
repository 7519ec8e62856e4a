import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cgroupRoot } from './host-facts.js';

/**
 * The cgroup.procs file of a cgroup this process is in, from /proc/self/cgroup (v1 lines
 * `id:controllers:path`, the v2 line `0::path`): the first whose file exists under /sys/fs/cgroup.
 */
export function ownCgroupProcsFile(selfCgroup: string, exists: (path: string) => boolean = existsSync): string | undefined {
  for (const line of selfCgroup.split('\n')) {
    const match = /^\d+:([^:]*):(\/.*)$/.exec(line);
    if (!match) continue;
    const file = join(cgroupRoot, match[1], match[2], 'cgroup.procs');
    if (exists(file)) return file;
  }
  return undefined;
}

/**
 * runc moves every process it makes (a task's init, an exec) into the container's cgroups, and
 * the kernel makes the first such move after a quiet spell wait for an RCU grace period: its
 * cgroup migration lock is shared by every fork and exit, and moves its readers onto their slow
 * path before a writer may take it. Moves that come before the readers switch back, a grace
 * period after the last one, do not wait. Here that wait was 10 ms of the 40 of a `runc exec`.
 * warm() moves this process into the cgroup it is already in (changing nothing) while runc
 * starts up, so the wait is paid alongside runc's own start rather than after it.
 */
export class CgroupLockWarmer {
  private moving = false;

  /** `procsFile` is a cgroup.procs file of a cgroup holding `pid`; none turns warm() into a no-op. */
  constructor(
    private procsFile: string | undefined,
    private readonly warn: (obj: object, msg: string) => void,
    private readonly pid = process.pid,
    private readonly write: (path: string, data: string) => Promise<void> = writeFile,
  ) {}

  /** Call as runc is asked to make a process; one move at a time, in the background. Never rejects. */
  async warm(): Promise<void> {
    const file = this.procsFile;
    if (!file || this.moving) return;
    this.moving = true;
    await this.write(file, String(this.pid))
      .catch((err: unknown) => {
        // A read-only or delegated cgroup tree will refuse every time: stop asking.
        this.procsFile = undefined;
        this.warn({ err, file }, 'cgroup lock not warmed ahead of runc');
      })
      .finally(() => (this.moving = false));
  }
}

/** A warmer for this process's own cgroup; one that never moves anything when there is none. */
export function ownCgroupLockWarmer(warn: (obj: object, msg: string) => void): CgroupLockWarmer {
  let selfCgroup = '';
  try {
    selfCgroup = readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    // Not Linux, or no /proc: nothing to warm.
  }
  return new CgroupLockWarmer(ownCgroupProcsFile(selfCgroup), warn);
}
