/**
 * The OCI runtime-spec `linux.seccomp` object (config-linux.md, "Seccomp"), as handed to runc.
 * Actions, operators and architectures stay plain strings: runc is the one that validates them.
 */
export interface LinuxSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: LinuxSyscall[];
}

export interface LinuxSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  /** All conditions must hold for the rule to match. */
  args?: LinuxSeccompArg[];
}

export interface LinuxSeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}
