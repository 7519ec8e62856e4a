import { resolveUser } from './user-lookup';

const passwd = [
  'root:x:0:0:root:/root:/bin/sh',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  '',
  'app:x:1000:1000:App:/home/app:/bin/sh',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
].join('\n');

const group = [
  '# comments are skipped',
  'root:x:0:root',
  'wheel:x:10:root,app',
  'app:x:1000:app',
  'docker:x:999:daemon,app',
  'staff:x:50:',
].join('\n');

/** Matches an `EngineError` of kind `invalid` with exactly this message. */
function invalid(message: string) {
  return expect.objectContaining({ kind: 'invalid', message });
}

describe('resolveUser', () => {
  it('defaults to root with its supplementary groups', () => {
    expect(resolveUser(undefined, passwd, group)).toEqual({ uid: 0, gid: 0, additionalGids: [10] });
    expect(resolveUser('', passwd, group)).toEqual({ uid: 0, gid: 0, additionalGids: [10] });
  });

  it('defaults to root in / when the image has no passwd or group file', () => {
    expect(resolveUser(undefined, undefined, undefined)).toEqual({ uid: 0, gid: 0, additionalGids: [] });
  });

  it('takes uid and gid from the passwd entry of a name', () => {
    expect(resolveUser('app', passwd, group)).toEqual({ uid: 1000, gid: 1000, additionalGids: [10, 999] });
  });

  it('finds a numeric user by uid', () => {
    expect(resolveUser('1', passwd, group)).toEqual({ uid: 1, gid: 1, additionalGids: [999] });
  });

  it('accepts a uid missing from passwd, with gid 0', () => {
    expect(resolveUser('4242', passwd, group)).toEqual({ uid: 4242, gid: 0, additionalGids: [] });
    expect(resolveUser('4242', undefined, undefined)).toEqual({ uid: 4242, gid: 0, additionalGids: [] });
  });

  it('rejects a name missing from passwd with dockerd wording', () => {
    expect(() => resolveUser('ghost', passwd, group)).toThrow(invalid('unable to find user ghost: no matching entries in passwd file'));
    expect(() => resolveUser('app', undefined, group)).toThrow('unable to find user app: no matching entries in passwd file');
  });

  it('replaces the primary group with an explicit one and drops supplementary groups', () => {
    expect(resolveUser('app:docker', passwd, group)).toEqual({ uid: 1000, gid: 999, additionalGids: [] });
    expect(resolveUser('app:50', passwd, group)).toEqual({ uid: 1000, gid: 50, additionalGids: [] });
    expect(resolveUser('1000:wheel', passwd, group)).toEqual({ uid: 1000, gid: 10, additionalGids: [] });
  });

  it('accepts a gid missing from the group file', () => {
    expect(resolveUser('4242:4343', passwd, group)).toEqual({ uid: 4242, gid: 4343, additionalGids: [] });
    expect(resolveUser('app:4343', passwd, undefined)).toEqual({ uid: 1000, gid: 4343, additionalGids: [] });
  });

  it('rejects a group name missing from the group file', () => {
    expect(() => resolveUser('app:ghosts', passwd, group)).toThrow(invalid('unable to find group ghosts: no matching entries in group file'));
    expect(() => resolveUser('app:docker', passwd, undefined)).toThrow('unable to find group docker: no matching entries in group file');
  });

  it('rejects ids outside 0..2^31-1', () => {
    const outOfRange = invalid('uids and gids must be in range 0-2147483647');
    expect(() => resolveUser('-1', passwd, group)).toThrow(outOfRange);
    expect(() => resolveUser('2147483648', passwd, group)).toThrow(outOfRange);
    expect(() => resolveUser('app:-5', passwd, group)).toThrow(outOfRange);
    expect(resolveUser('2147483647', undefined, undefined).uid).toBe(2147483647);
  });

  it('never adds the primary gid as a supplementary one', () => {
    expect(resolveUser('app', passwd, group).additionalGids).not.toContain(1000);
  });
});

describe('resolveUser with --group-add', () => {
  const group = 'root:x:0:\nwheel:x:10:root\naudio:x:29:\n';

  it('adds groups by name or id after the member groups', () => {
    expect(resolveUser('', 'root:x:0:0:root:/root:/bin/sh\n', group, ['audio', '4242']).additionalGids).toEqual([10, 29, 4242]);
  });

  it('refuses a group name the group file does not have', () => {
    expect(() => resolveUser('', undefined, group, ['nosuch'])).toThrow('unable to find group nosuch');
  });
});
