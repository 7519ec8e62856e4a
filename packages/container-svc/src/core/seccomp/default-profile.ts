import type { LinuxSeccomp, LinuxSyscall } from './types.js';

const EPERM = 1;
const ENOSYS = 38;
const AF_VSOCK = 40;

/** Calls any container may make, grouped by purpose. io_uring is out: it bypasses seccomp entirely. */
const alwaysAllowed: readonly (readonly string[])[] = [
  // Process lifecycle and self-inspection.
  [
    'execve', 'execveat', 'exit', 'exit_group', 'fork', 'vfork', 'wait4', 'waitid', 'waitpid',
    'getpid', 'getppid', 'gettid', 'getpgid', 'getpgrp', 'setpgid', 'getsid', 'setsid',
    'set_tid_address', 'restart_syscall', 'prctl', 'seccomp', 'rseq', 'membarrier', 'uretprobe',
    'uname', 'sysinfo', 'getcpu', 'capget', 'capset', 'getrlimit', 'setrlimit', 'ugetrlimit',
    'prlimit64', 'getrusage', 'times', 'getpriority', 'setpriority', 'ioprio_get', 'ioprio_set',
    'pidfd_open', 'pidfd_send_signal', 'process_mrelease',
    'landlock_create_ruleset', 'landlock_add_rule', 'landlock_restrict_self',
  ],
  // x86 thread-local storage and segment set-up.
  ['arch_prctl', 'modify_ldt', 'get_thread_area', 'set_thread_area'],
  // Tracing: since kernel 4.8 a tracer can no longer use ptrace to slip past the tracee's filter.
  ['ptrace', 'process_vm_readv', 'process_vm_writev'],
  // Credentials; the kernel still checks CAP_SETUID/CAP_SETGID.
  [
    'getuid', 'getuid32', 'geteuid', 'geteuid32', 'getgid', 'getgid32', 'getegid', 'getegid32',
    'getresuid', 'getresuid32', 'getresgid', 'getresgid32', 'getgroups', 'getgroups32',
    'setuid', 'setuid32', 'setgid', 'setgid32', 'setreuid', 'setreuid32', 'setregid', 'setregid32',
    'setresuid', 'setresuid32', 'setresgid', 'setresgid32', 'setfsuid', 'setfsuid32',
    'setfsgid', 'setfsgid32', 'setgroups', 'setgroups32',
  ],
  // Scheduling.
  [
    'sched_yield', 'sched_getaffinity', 'sched_setaffinity', 'sched_getattr', 'sched_setattr',
    'sched_getparam', 'sched_setparam', 'sched_getscheduler', 'sched_setscheduler',
    'sched_get_priority_max', 'sched_get_priority_min',
    'sched_rr_get_interval', 'sched_rr_get_interval_time64',
  ],
  // Signals.
  [
    'rt_sigaction', 'rt_sigpending', 'rt_sigprocmask', 'rt_sigqueueinfo', 'rt_sigreturn',
    'rt_sigsuspend', 'rt_sigtimedwait', 'rt_sigtimedwait_time64', 'rt_tgsigqueueinfo',
    'sigaltstack', 'sigprocmask', 'sigreturn', 'signalfd', 'signalfd4',
    'kill', 'tkill', 'tgkill', 'pause', 'alarm',
  ],
  // Memory.
  [
    'brk', 'mmap', 'mmap2', 'munmap', 'mremap', 'mprotect', 'madvise', 'mincore', 'msync',
    'mlock', 'mlock2', 'mlockall', 'munlock', 'munlockall', 'remap_file_pages',
    'memfd_create', 'memfd_secret', 'pkey_alloc', 'pkey_free', 'pkey_mprotect',
    'map_shadow_stack', 'mseal',
  ],
  // Futexes.
  [
    'futex', 'futex_time64', 'futex_waitv', 'futex_wait', 'futex_wake', 'futex_requeue',
    'get_robust_list', 'set_robust_list',
  ],
  // Clocks and timers; setting the clock needs CAP_SYS_TIME (see below), reading never does.
  [
    'adjtimex', 'clock_adjtime', 'clock_adjtime64', 'clock_getres', 'clock_getres_time64',
    'clock_gettime', 'clock_gettime64', 'clock_nanosleep', 'clock_nanosleep_time64', 'nanosleep',
    'gettimeofday', 'time', 'getitimer', 'setitimer',
    'timer_create', 'timer_delete', 'timer_getoverrun', 'timer_gettime', 'timer_gettime64',
    'timer_settime', 'timer_settime64', 'timerfd_create', 'timerfd_gettime', 'timerfd_gettime64',
    'timerfd_settime', 'timerfd_settime64',
  ],
  // Reading, writing and managing open descriptors.
  [
    'read', 'readv', 'pread64', 'preadv', 'preadv2', 'write', 'writev', 'pwrite64', 'pwritev',
    'pwritev2', 'lseek', '_llseek', 'close', 'close_range', 'dup', 'dup2', 'dup3', 'fcntl',
    'fcntl64', 'ioctl', 'flock', 'fsync', 'fdatasync', 'sync', 'syncfs', 'sync_file_range',
    'fallocate', 'fadvise64', 'fadvise64_64', 'readahead', 'ftruncate', 'ftruncate64',
    'truncate', 'truncate64', 'sendfile', 'sendfile64', 'splice', 'tee', 'vmsplice',
    'copy_file_range', 'cachestat', 'pipe', 'pipe2', 'eventfd', 'eventfd2',
  ],
  // Paths and file metadata.
  [
    'open', 'openat', 'openat2', 'creat', 'access', 'faccessat', 'faccessat2', 'chdir', 'fchdir',
    'getcwd', 'mkdir', 'mkdirat', 'mknod', 'mknodat', 'rmdir', 'rename', 'renameat', 'renameat2',
    'link', 'linkat', 'symlink', 'symlinkat', 'unlink', 'unlinkat', 'readlink', 'readlinkat',
    'chmod', 'fchmod', 'fchmodat', 'fchmodat2', 'chown', 'chown32', 'fchown', 'fchown32',
    'fchownat', 'lchown', 'lchown32', 'umask', 'stat', 'stat64', 'lstat', 'lstat64', 'fstat',
    'fstat64', 'fstatat64', 'newfstatat', 'statx', 'statfs', 'statfs64', 'fstatfs', 'fstatfs64',
    'getdents', 'getdents64', 'utime', 'utimes', 'utimensat', 'utimensat_time64', 'futimesat',
    'name_to_handle_at', 'listmount', 'statmount',
  ],
  // Extended attributes.
  [
    'getxattr', 'lgetxattr', 'fgetxattr', 'getxattrat', 'setxattr', 'lsetxattr', 'fsetxattr',
    'setxattrat', 'listxattr', 'llistxattr', 'flistxattr', 'listxattrat', 'removexattr',
    'lremovexattr', 'fremovexattr', 'removexattrat',
  ],
  // Waiting for events.
  [
    'poll', 'ppoll', 'ppoll_time64', 'select', '_newselect', 'pselect6', 'pselect6_time64',
    'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_ctl_old', 'epoll_wait', 'epoll_wait_old',
    'epoll_pwait', 'epoll_pwait2', 'inotify_init', 'inotify_init1', 'inotify_add_watch',
    'inotify_rm_watch', 'fanotify_mark',
  ],
  // Linux AIO.
  [
    'io_setup', 'io_destroy', 'io_submit', 'io_cancel', 'io_getevents', 'io_pgetevents',
    'io_pgetevents_time64',
  ],
  // System V and POSIX IPC.
  [
    'ipc', 'msgget', 'msgctl', 'msgsnd', 'msgrcv', 'semget', 'semctl', 'semop', 'semtimedop',
    'semtimedop_time64', 'shmget', 'shmctl', 'shmat', 'shmdt', 'mq_open', 'mq_unlink',
    'mq_getsetattr', 'mq_notify', 'mq_timedsend', 'mq_timedsend_time64', 'mq_timedreceive',
    'mq_timedreceive_time64',
  ],
  // Sockets (creating one is ruled separately, below).
  [
    'socketpair', 'socketcall', 'bind', 'listen', 'accept', 'accept4', 'connect', 'shutdown',
    'getsockname', 'getpeername', 'getsockopt', 'setsockopt', 'send', 'sendto', 'sendmsg',
    'sendmmsg', 'recv', 'recvfrom', 'recvmsg', 'recvmmsg', 'recvmmsg_time64',
  ],
  ['getrandom'],
];

/** Calls that are only safe, or only useful, with a capability the container was granted. */
const allowedWithCapability: Readonly<Record<string, readonly string[]>> = {
  CAP_SYS_ADMIN: [
    'mount', 'umount', 'umount2', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'move_mount',
    'open_tree', 'mount_setattr', 'unshare', 'setns', 'clone', 'clone3', 'sethostname',
    'setdomainname', 'quotactl', 'quotactl_fd', 'bpf', 'perf_event_open', 'fanotify_init',
    'lookup_dcookie', 'syslog', 'lsm_get_self_attr', 'lsm_set_self_attr', 'lsm_list_modules',
  ],
  CAP_BPF: ['bpf'],
  CAP_PERFMON: ['perf_event_open'],
  CAP_SYSLOG: ['syslog'],
  CAP_DAC_READ_SEARCH: ['open_by_handle_at'],
  CAP_SYS_BOOT: ['reboot'],
  CAP_SYS_CHROOT: ['chroot'],
  CAP_SYS_MODULE: ['init_module', 'finit_module', 'delete_module'],
  CAP_SYS_PACCT: ['acct'],
  // ptrace and process_vm_* are already always allowed.
  CAP_SYS_PTRACE: ['kcmp', 'pidfd_getfd', 'process_madvise'],
  CAP_SYS_RAWIO: ['iopl', 'ioperm'],
  CAP_SYS_TIME: ['settimeofday', 'stime', 'clock_settime', 'clock_settime64'],
  CAP_SYS_TTY_CONFIG: ['vhangup'],
  CAP_SYS_NICE: ['get_mempolicy', 'set_mempolicy', 'set_mempolicy_home_node', 'mbind'],
};

/**
 * personality(2) domains that only change how the process looks, not what it may do:
 * PER_LINUX, PER_LINUX32, UNAME26, PER_LINUX32|UNAME26, and 0xffffffff which just queries.
 */
const harmlessPersonalities = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];

/** CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET */
const namespaceCloneFlags = 0x7e020000;

/**
 * The seccomp filter a container gets unless told otherwise: the same allowlist Docker's default
 * profile yields on an x86_64 host (Docker 28), with everything else failing with EPERM, for each
 * syscall ABI the kernel runs (`abis`, see kernelAbis; Docker filters i386 and x32 always).
 */
export function defaultSeccompProfile(capabilities: readonly string[], abis: readonly string[]): LinuxSeccomp {
  const granted = new Set(capabilities);
  const allowed = new Set(alwaysAllowed.flat());
  for (const [capability, names] of Object.entries(allowedWithCapability)) {
    if (granted.has(capability)) names.forEach((name) => allowed.add(name));
  }

  const syscalls: LinuxSyscall[] = [
    { names: [...allowed].sort(), action: 'SCMP_ACT_ALLOW' },
    // vsock reaches the host's hypervisor services; no container needs it by default.
    { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: AF_VSOCK, op: 'SCMP_CMP_NE' }] },
    // One rule per value: the conditions inside a rule are ANDed.
    ...harmlessPersonalities.map((persona) => ({
      names: ['personality'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: persona, op: 'SCMP_CMP_EQ' }],
    })),
  ];
  if (!granted.has('CAP_SYS_ADMIN')) {
    syscalls.push(
      {
        names: ['clone'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value: namespaceCloneFlags, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
      },
      // seccomp cannot look inside clone3's struct argument; ENOSYS makes libc fall back to clone.
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
    );
  }

  return { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: EPERM, architectures: [...abis], syscalls };
}
