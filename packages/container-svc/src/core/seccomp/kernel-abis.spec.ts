import { kernelAbis } from './kernel-abis';

const config = (...lines: string[]) => ['# Automatically generated file; DO NOT EDIT.', ...lines, ''].join('\n');

describe('kernelAbis', () => {
  it('keeps every ABI when the configuration cannot be read', () => {
    expect(kernelAbis(undefined, '')).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  });

  it('keeps the ABIs the kernel is built with', () => {
    expect(kernelAbis(config('CONFIG_IA32_EMULATION=y', 'CONFIG_X86_X32_ABI=y'), '')).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    expect(kernelAbis(config('CONFIG_IA32_EMULATION=y', '# CONFIG_X86_X32_ABI is not set'), 'quiet')).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
    expect(kernelAbis(config('# CONFIG_IA32_EMULATION is not set', 'CONFIG_X86_X32=y'), '')).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X32']);
    expect(kernelAbis(config(), '')).toEqual(['SCMP_ARCH_X86_64']);
  });

  it('follows ia32_emulation= on the command line, and the default it overrides', () => {
    const disabledByDefault = config('CONFIG_IA32_EMULATION=y', 'CONFIG_IA32_EMULATION_DEFAULT_DISABLED=y');
    expect(kernelAbis(disabledByDefault, 'ro quiet')).toEqual(['SCMP_ARCH_X86_64']);
    expect(kernelAbis(disabledByDefault, 'ro ia32_emulation=1 quiet')).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
    expect(kernelAbis(config('CONFIG_IA32_EMULATION=y'), 'ia32_emulation=off')).toEqual(['SCMP_ARCH_X86_64']);
    expect(kernelAbis(config('CONFIG_IA32_EMULATION=y'), 'ia32_emulation=true')).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
  });
});
