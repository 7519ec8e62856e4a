/** Docker's default capability set. */
export const defaultCapabilities = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Every capability Linux defines, in number order (CAP_CHOWN is 0). */
export const linuxCapabilities = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER',
  'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** `net_admin`, `NET_ADMIN` and `CAP_NET_ADMIN` all name CAP_NET_ADMIN; `ALL` stays `ALL`. */
function canonical(name: string): string {
  const upper = name.trim().toUpperCase();
  return upper === 'ALL' || upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
}

export interface CapabilityRequest {
  capAdd?: readonly string[] | null;
  capDrop?: readonly string[] | null;
  privileged?: boolean;
}

/**
 * The container's capabilities as dockerd computes them: the defaults, minus CapDrop, plus
 * CapAdd (`ALL` in either means every capability the host kernel knows); a privileged container
 * gets them all. Unknown names are problems for the caller to report.
 */
export function effectiveCapabilities(request: CapabilityRequest, hostCapabilities: readonly string[]): { capabilities: string[]; problems: string[] } {
  const problems: string[] = [];
  const known = new Set(hostCapabilities);
  const read = (names: readonly string[] | null | undefined) =>
    (names ?? []).map(canonical).filter((name) => {
      if (name === 'ALL' || linuxCapabilities.includes(name)) return true;
      problems.push(`invalid capability: ${name}`);
      return false;
    });
  const add = read(request.capAdd);
  const drop = read(request.capDrop);
  if (request.privileged) return { capabilities: [...hostCapabilities], problems };

  let result = drop.includes('ALL') ? [] : defaultCapabilities.filter((c) => !drop.includes(c));
  if (add.includes('ALL')) result = [...hostCapabilities];
  for (const name of add) if (name !== 'ALL' && !result.includes(name) && known.has(name)) result.push(name);
  return { capabilities: result, problems };
}
