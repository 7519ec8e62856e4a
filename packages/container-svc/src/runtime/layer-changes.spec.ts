import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { layerChanges } from './layer-changes';

describe('layerChanges', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'changes-'));
    for (const layer of ['lower', 'upper']) await mkdir(join(dir, layer, 'bin'), { recursive: true });
    await writeFile(join(dir, 'lower', 'bin', 'ls'), 'ls');
    await writeFile(join(dir, 'lower', 'bin', 'cat'), 'cat');
    const time = new Date('2026-01-01T00:00:00Z');
    await utimes(join(dir, 'lower', 'bin'), time, time);
    await utimes(join(dir, 'upper', 'bin'), time, time);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reports additions below new directories, changes and whiteouts; a directory copied up unchanged is not a change', async () => {
    await mkdir(join(dir, 'upper', 'tmp', 'd'), { recursive: true });
    await writeFile(join(dir, 'upper', 'tmp', 'd', 'x'), 'x');
    await writeFile(join(dir, 'upper', 'bin', 'cat'), 'changed');
    execFileSync('mknod', [join(dir, 'upper', 'bin', 'ls'), 'c', '0', '0']);
    const time = new Date('2026-01-01T00:00:00Z');
    await utimes(join(dir, 'upper', 'bin'), time, time);
    expect(await layerChanges(join(dir, 'upper'), [join(dir, 'lower')])).toEqual([
      { path: '/bin/cat', kind: 'changed' },
      { path: '/bin/ls', kind: 'deleted' },
      { path: '/tmp', kind: 'added' },
      { path: '/tmp/d', kind: 'added' },
      { path: '/tmp/d/x', kind: 'added' },
    ]);
  });
});
