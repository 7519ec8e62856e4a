/** The syscall ABIs an x86_64 kernel may run, as libseccomp names them: native, i386 and x32. */
export const x86Abis: readonly string[] = ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];

/** A boolean kernel parameter as the kernel reads it (kstrtobool); undefined when not given. */
function bootFlag(cmdline: string, name: string): boolean | undefined {
  const value = cmdline
    .split(/\s+/)
    .find((param) => param.startsWith(`${name}=`))
    ?.slice(name.length + 1);
  if (!value) return undefined;
  if (/^(on|[yt1])/i.test(value)) return true;
  if (/^(off|[nf0])/i.test(value)) return false;
  return undefined;
}

/**
 * The ABIs of `x86Abis` this kernel runs, from its build configuration (the text of
 * /proc/config.gz or /boot/config-*; undefined when neither can be read) and its command line.
 * A seccomp filter for an ABI the kernel refuses changes nothing, but each ABI costs runc's
 * filter set-up at every container start and exec (x32 alone about 10 ms here). An ABI is only
 * left out when the configuration says it cannot run: x32 kernels with Debian's switch that turns
 * it off at boot keep it, since that switch's state is not read here.
 */
export function kernelAbis(config: string | undefined, cmdline: string): string[] {
  if (config === undefined) return [...x86Abis];
  const enabled = (option: string) => new RegExp(`^${option}=y$`, 'm').test(config);
  const i386 = enabled('CONFIG_IA32_EMULATION') && (bootFlag(cmdline, 'ia32_emulation') ?? !enabled('CONFIG_IA32_EMULATION_DEFAULT_DISABLED'));
  const x32 = enabled('CONFIG_X86_X32_ABI') || enabled('CONFIG_X86_X32');
  return x86Abis.filter((abi) => abi === 'SCMP_ARCH_X86_64' || (abi === 'SCMP_ARCH_X86' ? i386 : x32));
}
