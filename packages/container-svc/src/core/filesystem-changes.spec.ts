import { containerChanges } from './filesystem-changes';

describe('containerChanges', () => {
  it('leaves out the mount points runc made and the directories made only for them', () => {
    expect(
      containerChanges([
        { path: '/dev', kind: 'added' },
        { path: '/etc', kind: 'added' },
        { path: '/etc/hostname', kind: 'added' },
        { path: '/etc/hosts', kind: 'added' },
        { path: '/proc', kind: 'added' },
        { path: '/tmp', kind: 'added' },
        { path: '/tmp/x', kind: 'added' },
      ]),
    ).toEqual([
      { path: '/tmp', kind: 'added' },
      { path: '/tmp/x', kind: 'added' },
    ]);
  });

  it('keeps such a directory when the container changed something else in it', () => {
    expect(
      containerChanges([
        { path: '/etc', kind: 'changed' },
        { path: '/etc/hosts', kind: 'added' },
        { path: '/etc/passwd', kind: 'changed' },
        { path: '/bin/ls', kind: 'deleted' },
      ]),
    ).toEqual([
      { path: '/etc', kind: 'changed' },
      { path: '/etc/passwd', kind: 'changed' },
      { path: '/bin/ls', kind: 'deleted' },
    ]);
  });
});
