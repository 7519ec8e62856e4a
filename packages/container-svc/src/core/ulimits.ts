export interface Ulimit {
  Name: string;
  Soft: number;
  Hard: number;
}

const resources: Record<string, string> = {
  as: 'RLIMIT_AS',
  core: 'RLIMIT_CORE',
  cpu: 'RLIMIT_CPU',
  data: 'RLIMIT_DATA',
  fsize: 'RLIMIT_FSIZE',
  locks: 'RLIMIT_LOCKS',
  memlock: 'RLIMIT_MEMLOCK',
  msgqueue: 'RLIMIT_MSGQUEUE',
  nice: 'RLIMIT_NICE',
  nofile: 'RLIMIT_NOFILE',
  nproc: 'RLIMIT_NPROC',
  rss: 'RLIMIT_RSS',
  rtprio: 'RLIMIT_RTPRIO',
  rttime: 'RLIMIT_RTTIME',
  sigpending: 'RLIMIT_SIGPENDING',
  stack: 'RLIMIT_STACK',
};

/** `--ulimit nofile=1024:2048` as OCI rlimits; unknown names and soft above hard are problems. */
export function ociRlimits(ulimits: readonly Ulimit[] | null | undefined): { rlimits: { type: string; soft: number; hard: number }[]; problems: string[] } {
  const rlimits = [];
  const problems: string[] = [];
  for (const { Name, Soft, Hard } of ulimits ?? []) {
    const type = resources[Name];
    if (!type) problems.push(`invalid ulimit type: ${Name}`);
    else if (Soft > Hard) problems.push(`ulimit soft limit must be less than or equal to hard limit: ${Soft} > ${Hard}`);
    else rlimits.push({ type, soft: Soft, hard: Hard });
  }
  return { rlimits, problems };
}
