import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToolShell, shellQuote } from './tool-shell';

describe('ToolShell', () => {
  const tools = new ToolShell();

  it('runs a tool with its arguments taken literally, and returns what it printed', async () => {
    const awkward = ["it's", '$HOME', '`id`', 'a b', '"', '\\', '*'];
    const run = await tools.run('printf', ['%s|', ...awkward]);
    expect(run).toEqual({ code: 0, stdout: `${awkward.join('|')}|`, stderr: '' });
  });

  it('feeds the input on stdin and reports the exit status and stderr of a failure', async () => {
    expect((await tools.run('wc', ['-c'], { input: 'twelve bytes' })).stdout.trim()).toBe('12');
    const failed = await tools.run('sh', ['-c', 'echo oops >&2; exit 3']);
    expect(failed).toEqual({ code: 3, stdout: '', stderr: 'oops\n' });
    expect((await tools.run('/no/such/tool', [])).code).toBe(127);
  });

  it('gives the tool exactly the environment it is handed', async () => {
    const run = await tools.run('/usr/bin/env', [], { env: { CNI_COMMAND: 'ADD', PATH: '/usr/bin:/bin' } });
    expect(run.stdout.trim().split('\n').sort()).toEqual(['CNI_COMMAND=ADD', 'PATH=/usr/bin:/bin']);
  });

  it('runs tools side by side, each answered on its own', async () => {
    // The first only ends once the second has run: run one after the other, they would never end.
    const dir = mkdtempSync(join(tmpdir(), 'tool-shell-'));
    const flag = join(dir, 'flag');
    const waiter = tools.run('sh', ['-c', `while [ ! -e ${flag} ]; do sleep 0.01; done; echo waited`]);
    const setter = tools.run('touch', [flag]);
    expect(await Promise.all([waiter, setter].map(async (run) => (await run).code))).toEqual([0, 0]);
    expect((await waiter).stdout).toBe('waited\n');
    rmSync(dir, { recursive: true });
  });

  it('leaves no process behind, not even a zombie', async () => {
    await Promise.all(Array.from({ length: 5 }, () => tools.run('true', [])));
    const shellPid = (tools as unknown as { shell: { child: { pid: number } } }).shell.child.pid;
    const children = () => readFileSync(`/proc/${shellPid}/task/${shellPid}/children`, 'utf8').trim();
    // A job has reported its status just before it ends.
    for (let waited = 0; children() !== '' && waited < 2000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(children()).toBe('');
  });

  it('starts a new shell when its shell went away, failing only what was running', async () => {
    const running = tools.run('sleep', ['1']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    (tools as unknown as { shell: { child: { kill(): void } } }).shell.child.kill();
    await expect(running).rejects.toThrow('the shell that runs host tools exited');
    expect((await tools.run('echo', ['again'])).stdout).toBe('again\n');
  });
});

describe('shellQuote', () => {
  it('quotes single quotes so that sh reads them back', () => {
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
  });
});
