import { defaultSeccompProfile as profileFor } from './default-profile';
import { x86Abis } from './kernel-abis';
import type { LinuxSeccomp } from './types';

/** Names allowed whatever their arguments. */
function allowedOutright(profile: LinuxSeccomp): Set<string> {
  const rules = (profile.syscalls ?? []).filter((rule) => rule.action === 'SCMP_ACT_ALLOW' && !rule.args?.length);
  return new Set(rules.flatMap((rule) => rule.names));
}

function rulesFor(profile: LinuxSeccomp, name: string) {
  return (profile.syscalls ?? []).filter((rule) => rule.names.includes(name));
}

const dockerDefaultCaps = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_SETUID', 'CAP_SETGID', 'CAP_SYS_CHROOT', 'CAP_KILL'];

const defaultSeccompProfile = (capabilities: readonly string[]) => profileFor(capabilities, x86Abis);

describe('defaultSeccompProfile', () => {
  const confined = defaultSeccompProfile(dockerDefaultCaps);

  it('fails unknown calls with EPERM on every ABI the kernel runs', () => {
    expect(confined.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(confined.defaultErrnoRet).toBe(1);
    expect(confined.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    expect(profileFor(dockerDefaultCaps, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']).architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
  });

  it('allows the everyday calls outright', () => {
    const allowed = allowedOutright(confined);
    for (const name of ['read', 'write', 'execve', 'exit_group', 'openat', 'mmap', 'futex', 'epoll_wait', 'ptrace']) {
      expect(allowed).toContain(name);
    }
    expect(allowed.size).toBeGreaterThan(350);
  });

  it('never allows io_uring, kexec or module loading without the capability', () => {
    const everything = allowedOutright(
      defaultSeccompProfile(['CAP_SYS_ADMIN', 'CAP_SYS_PTRACE', 'CAP_SYS_TIME', 'CAP_SYS_NICE', 'CAP_SYS_RAWIO']),
    );
    for (const name of ['io_uring_setup', 'io_uring_enter', 'io_uring_register', 'kexec_load', 'init_module']) {
      expect(everything).not.toContain(name);
      expect(rulesFor(confined, name)).toEqual([]);
    }
  });

  it('gates the mount family on CAP_SYS_ADMIN', () => {
    const admin = allowedOutright(defaultSeccompProfile([...dockerDefaultCaps, 'CAP_SYS_ADMIN']));
    for (const name of ['mount', 'umount2', 'unshare', 'setns', 'fsopen', 'move_mount', 'sethostname']) {
      expect(rulesFor(confined, name)).toEqual([]);
      expect(admin).toContain(name);
    }
  });

  it('allows clone only without namespace flags unless CAP_SYS_ADMIN', () => {
    expect(rulesFor(confined, 'clone')).toEqual([
      {
        names: ['clone'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
      },
    ]);
    const admin = defaultSeccompProfile(['CAP_SYS_ADMIN']);
    expect(rulesFor(admin, 'clone').every((rule) => !rule.args)).toBe(true);
    expect(allowedOutright(admin)).toContain('clone');
  });

  it('answers clone3 with ENOSYS unless CAP_SYS_ADMIN', () => {
    expect(rulesFor(confined, 'clone3')).toEqual([{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }]);
    const admin = defaultSeccompProfile(['CAP_SYS_ADMIN']);
    expect(rulesFor(admin, 'clone3').map((rule) => rule.action)).toEqual(['SCMP_ACT_ALLOW']);
  });

  it('allows personality only for the harmless domains', () => {
    const rules = rulesFor(confined, 'personality');
    expect(rules.every((rule) => rule.action === 'SCMP_ACT_ALLOW' && rule.args?.length === 1)).toBe(true);
    expect(rules.map((rule) => rule.args?.[0])).toEqual(
      [0x0, 0x8, 0x20000, 0x20008, 0xffffffff].map((value) => ({ index: 0, value, op: 'SCMP_CMP_EQ' })),
    );
  });

  it('allows socket for every family but vsock', () => {
    expect(rulesFor(confined, 'socket')).toEqual([
      { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }] },
    ]);
  });

  it.each([
    ['CAP_SYS_BOOT', 'reboot'],
    ['CAP_SYS_MODULE', 'finit_module'],
    ['CAP_SYS_PACCT', 'acct'],
    ['CAP_SYS_PTRACE', 'kcmp'],
    ['CAP_SYS_PTRACE', 'pidfd_getfd'],
    ['CAP_SYS_RAWIO', 'iopl'],
    ['CAP_SYS_TIME', 'clock_settime'],
    ['CAP_SYS_TTY_CONFIG', 'vhangup'],
    ['CAP_SYS_NICE', 'mbind'],
    ['CAP_SYSLOG', 'syslog'],
    ['CAP_BPF', 'bpf'],
    ['CAP_PERFMON', 'perf_event_open'],
    ['CAP_DAC_READ_SEARCH', 'open_by_handle_at'],
  ])('allows %s holders to call %s', (capability, name) => {
    expect(allowedOutright(defaultSeccompProfile([]))).not.toContain(name);
    expect(allowedOutright(defaultSeccompProfile([capability]))).toContain(name);
  });

  it('lets CAP_SYS_CHROOT, granted by default, call chroot', () => {
    expect(allowedOutright(confined)).toContain('chroot');
    expect(allowedOutright(defaultSeccompProfile([]))).not.toContain('chroot');
  });

  it('keeps open_by_handle_at behind CAP_DAC_READ_SEARCH even for CAP_SYS_ADMIN', () => {
    expect(allowedOutright(defaultSeccompProfile(['CAP_SYS_ADMIN']))).not.toContain('open_by_handle_at');
  });

  it('lists each name once and hands out a fresh profile every call', () => {
    const names = defaultSeccompProfile(['CAP_SYS_ADMIN', 'CAP_BPF', 'CAP_SYSLOG']).syscalls?.[0].names ?? [];
    expect(new Set(names).size).toBe(names.length);
    const tampered = defaultSeccompProfile(dockerDefaultCaps);
    tampered.architectures?.push('SCMP_ARCH_ARM');
    tampered.syscalls?.[0].names.push('kexec_load');
    const fresh = defaultSeccompProfile(dockerDefaultCaps);
    expect(fresh.architectures).toHaveLength(3);
    expect(allowedOutright(fresh)).not.toContain('kexec_load');
  });
});
