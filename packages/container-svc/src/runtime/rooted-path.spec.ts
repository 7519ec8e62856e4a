import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveInRoot } from './rooted-path';

describe('resolveInRoot', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'rooted-'));
    await mkdir(join(root, 'etc'));
    await writeFile(join(root, 'etc', 'shadow'), 'inside');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('keeps absolute symlinks inside the root', async () => {
    await symlink('/etc/shadow', join(root, 'link'));
    expect(await resolveInRoot(root, '/link')).toBe(join(root, 'etc', 'shadow'));
  });

  it('never climbs above the root with ..', async () => {
    await symlink('../../../../etc', join(root, 'up'));
    expect(await resolveInRoot(root, '/up/shadow')).toBe(join(root, 'etc', 'shadow'));
    expect(await resolveInRoot(root, '../../etc/shadow')).toBe(join(root, 'etc', 'shadow'));
  });

  it('resolves relative symlinks against their directory and keeps missing components', async () => {
    await mkdir(join(root, 'data'));
    await symlink('../etc', join(root, 'data', 'conf'));
    expect(await resolveInRoot(root, '/data/conf/new/file')).toBe(join(root, 'etc', 'new', 'file'));
  });

  it('refuses symlink loops', async () => {
    await symlink('/b', join(root, 'a'));
    await symlink('/a', join(root, 'b'));
    await expect(resolveInRoot(root, '/a')).rejects.toThrow('too many levels of symbolic links');
  });
});
