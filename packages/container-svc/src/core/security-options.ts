/** What `--security-opt` asks for, read the way dockerd reads it. */
export interface SecurityOptions {
  noNewPrivileges: boolean;
  /** `default`, `unconfined`, or the JSON of a profile in Docker's format (the CLI sends the file's content). */
  seccomp: string;
  /** `systempaths=unconfined`: /proc and /sys paths are neither masked nor read-only. */
  unmaskSystemPaths: boolean;
  problems: string[];
}

/** AppArmor and SELinux options: accepted and without effect on a host that enforces neither. */
const macOptions = new Set(['apparmor', 'label']);

/**
 * `no-new-privileges[=true|false]`, `seccomp=unconfined|<profile json>`, `systempaths=unconfined`,
 * `apparmor=…`, `label=…`; `key:value` is the legacy spelling of `key=value`.
 */
export function parseSecurityOptions(options: readonly string[] | null | undefined): SecurityOptions {
  const result: SecurityOptions = { noNewPrivileges: false, seccomp: 'default', unmaskSystemPaths: false, problems: [] };
  for (const option of options ?? []) {
    if (option === 'no-new-privileges') {
      result.noNewPrivileges = true;
      continue;
    }
    const separator = /[=:]/.exec(option);
    const key = separator ? option.slice(0, separator.index) : option;
    const value = separator ? option.slice(separator.index + 1) : '';
    if (!separator || value === '') {
      result.problems.push(`Invalid --security-opt: "${option}"`);
    } else if (key === 'no-new-privileges' && (value === 'true' || value === 'false')) {
      result.noNewPrivileges = value === 'true';
    } else if (key === 'seccomp') {
      result.seccomp = value;
    } else if (key === 'systempaths' && value === 'unconfined') {
      result.unmaskSystemPaths = true;
    } else if (!macOptions.has(key)) {
      result.problems.push(`Invalid --security-opt: "${option}"`);
    }
  }
  return result;
}
