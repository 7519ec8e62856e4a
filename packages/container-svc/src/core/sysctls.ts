/** Sysctls that belong to the container's own IPC namespace. */
const ipcSysctls = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);

/**
 * Only sysctls of namespaces the container has of its own may be set (runc refuses the others at
 * start; refusing them at create says why): IPC ones unless it shares the host's IPC, `net.*`
 * unless it shares the host's network.
 */
export function sysctlProblems(sysctls: Record<string, string> | null | undefined, hostNetwork: boolean, hostIpc: boolean): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(sysctls ?? {})) {
    const ipc = ipcSysctls.has(key) || key.startsWith('fs.mqueue.');
    const net = key.startsWith('net.');
    if (net && hostNetwork) problems.push(`sysctl "${key}" not allowed in host network namespace`);
    else if (ipc && hostIpc) problems.push(`sysctl "${key}" not allowed with host IPC namespace`);
    else if (!ipc && !net) problems.push(`sysctl "${key}" is not allowed: only IPC (kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*) and network (net.*) sysctls are namespaced`);
  }
  return problems;
}
