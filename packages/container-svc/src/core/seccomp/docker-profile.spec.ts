import { EngineError } from '@flotilla/proto';
import { seccompFromDockerProfile } from './docker-profile';
import { x86Abis } from './kernel-abis';

function convert(profile: unknown, capabilities: readonly string[] = [], abis: readonly string[] = x86Abis) {
  return seccompFromDockerProfile(JSON.stringify(profile), capabilities, abis);
}

function rejection(run: () => unknown): EngineError {
  try {
    run();
  } catch (err) {
    if (err instanceof EngineError) return err;
    throw err;
  }
  throw new Error('expected the profile to be rejected');
}

describe('seccompFromDockerProfile', () => {
  const dockerStyle = {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    archMap: [
      { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
      { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
      { architecture: 'SCMP_ARCH_RISCV64', subArchitectures: null },
    ],
    syscalls: [
      { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW', args: null, comment: 'basics' },
      { names: ['ptrace'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4.8' } },
      { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32'] } },
      { names: ['cacheflush'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm', 'arm64'] } },
      { names: ['mount', 'clone'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
      {
        names: ['clone'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
        excludes: { caps: ['CAP_SYS_ADMIN'], arches: ['s390', 's390x'] },
      },
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38, excludes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['old_call'], action: 'SCMP_ACT_ALLOW', excludes: { minKernel: '5.0' } },
    ],
  };

  it('resolves archMap and conditions for an unprivileged container', () => {
    expect(convert(dockerStyle, ['CAP_CHOWN'])).toEqual({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 1,
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
      syscalls: [
        { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
        { names: ['ptrace'], action: 'SCMP_ACT_ALLOW' },
        { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW' },
        {
          names: ['clone'],
          action: 'SCMP_ACT_ALLOW',
          args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
        },
        { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
      ],
    });
  });

  it('swaps the capability-gated entries in for a CAP_SYS_ADMIN container', () => {
    expect(convert(dockerStyle, ['CAP_SYS_ADMIN']).syscalls?.map((rule) => rule.names)).toEqual([
      ['read', 'write'],
      ['ptrace'],
      ['arch_prctl'],
      ['mount', 'clone'],
    ]);
  });

  it('requires every included capability', () => {
    const profile = {
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [{ names: ['iopl'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_RAWIO', 'CAP_SYS_ADMIN'] } }],
    };
    expect(convert(profile, ['CAP_SYS_RAWIO']).syscalls).toEqual([]);
    expect(convert(profile, ['CAP_SYS_RAWIO', 'CAP_SYS_ADMIN']).syscalls).toHaveLength(1);
  });

  it('passes explicit architectures, a single name and the listener settings through', () => {
    const converted = convert({
      defaultAction: 'SCMP_ACT_NOTIFY',
      architectures: ['SCMP_ARCH_X86_64'],
      listenerPath: '/run/seccomp-agent.sock',
      listenerMetadata: 'container=web',
      flags: ['SECCOMP_FILTER_FLAG_LOG'],
      syscalls: [{ name: 'getpid', action: 'SCMP_ACT_ALLOW' }],
    });
    expect(converted).toEqual({
      defaultAction: 'SCMP_ACT_NOTIFY',
      architectures: ['SCMP_ARCH_X86_64'],
      flags: ['SECCOMP_FILTER_FLAG_LOG'],
      listenerPath: '/run/seccomp-agent.sock',
      listenerMetadata: 'container=web',
      syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ALLOW' }],
    });
  });

  it("keeps archMap's sub-architectures only where the kernel runs them", () => {
    expect(convert(dockerStyle, [], ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']).architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
    const explicit = { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X32'] };
    expect(convert(explicit, [], ['SCMP_ARCH_X86_64']).architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X32']);
  });

  it('leaves architectures to runc when archMap has no entry for this host', () => {
    const converted = convert({ defaultAction: 'SCMP_ACT_LOG', archMap: [{ architecture: 'SCMP_ARCH_S390X' }] });
    expect(converted).toEqual({ defaultAction: 'SCMP_ACT_LOG', syscalls: [] });
  });

  it('reads absent argument numbers as 0, as dockerd does', () => {
    const converted = convert({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ op: 'SCMP_CMP_NE' }] }],
    });
    expect(converted.syscalls?.[0].args).toEqual([{ index: 0, value: 0, op: 'SCMP_CMP_NE' }]);
  });

  it.each([
    ['invalid JSON', '{"defaultAction": '],
    ['a profile that is not an object', '["SCMP_ACT_ALLOW"]'],
    ['a profile without defaultAction', '{"syscalls": []}'],
    ['names that are not a list', '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": "read", "action": "SCMP_ACT_ALLOW"}]}'],
    ['a rule without action', '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"]}]}'],
    ['an argument without op', '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0}]}]}'],
    ['a negative errno', '{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": -1}'],
    ['a value JavaScript cannot hold exactly', '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["ioctl"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 18446744073709551615, "op": "SCMP_CMP_EQ"}]}]}'],
  ])('rejects %s as a decoding failure', (_, json) => {
    const err = rejection(() => seccompFromDockerProfile(json, [], x86Abis));
    expect(err.kind).toBe('invalid');
    expect(err.message).toMatch(/^Decoding seccomp profile failed: /);
  });

  it('rejects profiles that mix the alternative spellings, as dockerd does', () => {
    const both = rejection(() =>
      convert({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86'], archMap: dockerStyle.archMap }),
    );
    expect(both.kind).toBe('invalid');
    expect(both.message).toContain("use either 'architectures' or 'archMap'");

    const named = rejection(() =>
      convert({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ name: 'read', names: ['write'], action: 'SCMP_ACT_ALLOW' }] }),
    );
    expect(named.kind).toBe('invalid');
    expect(named.message).toContain("use either 'name' or 'names'");
  });
});
