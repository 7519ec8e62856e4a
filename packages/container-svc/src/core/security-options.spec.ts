import { parseSecurityOptions } from './security-options';

describe('parseSecurityOptions', () => {
  it('defaults to the default profile with privileges allowed to grow', () => {
    expect(parseSecurityOptions(undefined)).toEqual({ noNewPrivileges: false, seccomp: 'default', unmaskSystemPaths: false, problems: [] });
  });

  it('reads every spelling of no-new-privileges', () => {
    expect(parseSecurityOptions(['no-new-privileges']).noNewPrivileges).toBe(true);
    expect(parseSecurityOptions(['no-new-privileges=true']).noNewPrivileges).toBe(true);
    expect(parseSecurityOptions(['no-new-privileges:true', 'no-new-privileges=false']).noNewPrivileges).toBe(false);
  });

  it('takes seccomp=unconfined and a profile sent inline', () => {
    expect(parseSecurityOptions(['seccomp=unconfined']).seccomp).toBe('unconfined');
    expect(parseSecurityOptions(['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}']).seccomp).toBe('{"defaultAction":"SCMP_ACT_ALLOW"}');
  });

  it('unmasks system paths and accepts MAC options', () => {
    const parsed = parseSecurityOptions(['systempaths=unconfined', 'apparmor=unconfined', 'label=disable']);
    expect(parsed).toMatchObject({ unmaskSystemPaths: true, problems: [] });
  });

  it('reports every option it cannot read', () => {
    expect(parseSecurityOptions(['bogus', 'no-new-privileges=maybe', 'seccomp=']).problems).toEqual([
      'Invalid --security-opt: "bogus"',
      'Invalid --security-opt: "no-new-privileges=maybe"',
      'Invalid --security-opt: "seccomp="',
    ]);
  });
});
