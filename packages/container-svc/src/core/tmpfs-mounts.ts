/** Options that undo one of the defaults, and the default each one undoes. */
const overrides: Record<string, string> = { exec: 'noexec', suid: 'nosuid', dev: 'nodev' };
/** How dockerd mounts a tmpfs unless its options say otherwise. */
export const tmpfsDefaults = ['noexec', 'nosuid', 'nodev'];

export interface TmpfsMount {
  destination: string;
  type: 'tmpfs';
  source: 'tmpfs';
  options: string[];
}

/**
 * `--tmpfs /run:rw,size=64m` (HostConfig.Tmpfs maps paths to options): noexec, nosuid and nodev
 * unless the options say otherwise, as dockerd mounts them.
 */
export function tmpfsMounts(tmpfs: Record<string, string> | null | undefined): { mounts: TmpfsMount[]; problems: string[] } {
  const mounts: TmpfsMount[] = [];
  const problems: string[] = [];
  for (const [destination, text] of Object.entries(tmpfs ?? {})) {
    if (!destination.startsWith('/') || destination === '/') {
      problems.push(`invalid mount config for type "tmpfs": invalid mount path: '${destination}' mount path must be absolute`);
      continue;
    }
    const asked = text.split(',').map((o) => o.trim()).filter(Boolean);
    const undone = new Set(asked.map((o) => overrides[o]).filter(Boolean));
    mounts.push({ destination, type: 'tmpfs', source: 'tmpfs', options: [...tmpfsDefaults.filter((o) => !undone.has(o)), ...asked] });
  }
  return { mounts, problems };
}
