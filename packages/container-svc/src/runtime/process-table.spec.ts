import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { EngineError } from '@flotilla/proto';
import { cgroupPids, processTable } from './process-table';

describe('cgroupPids', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'process-table-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function tree(files: Record<string, string>): void {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content);
    }
  }

  it('lists the processes of a v1 cgroup and of the cgroups below it, from the pids controller', async () => {
    tree({
      'pids/flotilla/3f2a/cgroup.procs': '10\n11\n',
      'pids/flotilla/3f2a/nested/cgroup.procs': '12\n',
      'memory/flotilla/3f2a/cgroup.procs': '99\n',
    });
    expect((await cgroupPids('/flotilla/3f2a', { cgroup: root })).sort()).toEqual([10, 11, 12]);
  });

  it('falls back to the memory controller when pids is not mounted', async () => {
    tree({ 'memory/flotilla/3f2a/cgroup.procs': '10\n', 'cpu/flotilla/3f2a/cgroup.procs': '99\n' });
    expect(await cgroupPids('/flotilla/3f2a', { cgroup: root })).toEqual([10]);
  });

  it('reads the v2 tree', async () => {
    tree({ 'cgroup.controllers': 'cpu memory pids\n', 'flotilla/3f2a/cgroup.procs': '20\n', 'flotilla/3f2a/init/cgroup.procs': '21\n' });
    expect((await cgroupPids('/flotilla/3f2a', { cgroup: root })).sort()).toEqual([20, 21]);
  });

  it('is empty once the cgroup is gone', async () => {
    expect(await cgroupPids('/flotilla/gone', { cgroup: root })).toEqual([]);
    tree({ 'cgroup.controllers': '' });
    expect(await cgroupPids('/flotilla/gone', { cgroup: root })).toEqual([]);
  });
});

describe('processTable', () => {
  it('runs ps -ef by default and keeps only the given processes, the command in the last column', async () => {
    const table = await processTable([process.pid], '');
    expect(table.titles).toEqual(['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
    expect(table.processes).toHaveLength(1);
    const [row] = table.processes;
    expect(row).toHaveLength(8);
    expect(row[1]).toBe(String(process.pid));
    expect(row[2]).toBe(String(process.ppid));
    expect(row[7]).toContain(' ');
    expect(row[7]).toMatch(/node/);
  });

  it('passes custom arguments', async () => {
    const table = await processTable([process.pid], '-o pid,comm');
    expect(table.titles).toEqual(['PID', 'COMMAND']);
    expect(table.processes).toEqual([[String(process.pid), expect.stringMatching(/node|jest/)]]);
  });

  it('lists nothing for processes that are gone', async () => {
    expect((await processTable([], '-ef')).processes).toEqual([]);
  });

  it("reports ps's complaint", async () => {
    const error = await processTable([process.pid], '-Q').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({ kind: 'invalid', message: expect.stringMatching(/^ps: \S/) });
  });

  it('needs a PID column', async () => {
    await expect(processTable([process.pid], '-o comm')).rejects.toThrow("Couldn't find PID field in ps output");
    await expect(processTable([process.pid], '-o pid,comm=PID')).rejects.toThrow('specifying "pid,comm=PID" is not allowed');
  });
});
