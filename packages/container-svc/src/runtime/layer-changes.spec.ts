import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { layerChanges, opaqueDirectories } from './layer-changes';

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
    expect(await layerChanges(join(dir, 'upper'), join(dir, 'lower'), new Set())).toEqual([
      { path: '/bin/cat', kind: 'changed' },
      { path: '/bin/ls', kind: 'deleted' },
      { path: '/tmp', kind: 'added' },
      { path: '/tmp/d', kind: 'added' },
      { path: '/tmp/d/x', kind: 'added' },
    ]);
  });

  it('deletes what the image has in a directory made opaque, and in one made again inside it', async () => {
    await mkdir(join(dir, 'lower', 'data', 'sub', 'deep'), { recursive: true });
    await writeFile(join(dir, 'lower', 'data', 'a'), 'a');
    await writeFile(join(dir, 'lower', 'data', 'sub', 'b'), 'b');
    await mkdir(join(dir, 'upper', 'data', 'sub'), { recursive: true });
    await writeFile(join(dir, 'upper', 'data', 'new'), 'n');
    expect(await layerChanges(join(dir, 'upper'), join(dir, 'lower'), new Set(['/data']))).toEqual([
      { path: '/data', kind: 'changed' },
      { path: '/data/new', kind: 'added' },
      { path: '/data/sub', kind: 'changed' },
      { path: '/data/sub/b', kind: 'deleted' },
      { path: '/data/sub/deep', kind: 'deleted' },
      { path: '/data/a', kind: 'deleted' },
    ]);
    // Without the mark, the image's files show through: nothing of theirs is deleted.
    expect((await layerChanges(join(dir, 'upper'), join(dir, 'lower'), new Set())).filter((c) => c.kind === 'deleted')).toEqual([]);
  });

  it('finds the directories an overlay marked opaque', async () => {
    const upper = join(dir, 'upper');
    await mkdir(join(upper, 'data', 'inner dir'), { recursive: true });
    execFileSync('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', join(upper, 'data', 'inner dir')]);
    expect(await opaqueDirectories(upper)).toEqual(new Set(['/data/inner dir']));
  });
});
