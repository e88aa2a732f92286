/**
 * Named groups of system calls and the default daemon profile: data, in one place.
 *
 * A group is a list of entries: a syscall name (allowed), another group ('@name'), or a
 * rule object with conditions and/or another action. The lists were drawn from strace runs
 * of Node 20 and Node 24 workloads (see README, "Groups") and from systemd's and pledge's
 * groupings. Values come from this platform's headers through the native addon.
 */
import { SeccompError } from './errors';
import { binding } from './native';
import type { Action, Condition, Rule } from './policy';
import { closestName } from './syscalls';

/** One entry of a group or of an allow list. */
export type GroupEntry = string | { syscall: string; action?: Action; conditions?: Condition[] };

export interface GroupDefinition {
  description: string;
  entries: GroupEntry[];
}

type Constants = Record<string, number>;

// Small local helpers so that the tables below read like a policy.
const c32 = (arg: number, op: Condition['op'], value: number, mask?: number): Condition =>
  ({ arg, op, value: String(value), width: 32, ...(mask === undefined ? {} : { mask: String(mask) }) });
const eq = (arg: number, value: number) => c32(arg, 'eq', value);
const masked = (arg: number, mask: number, value: number) => c32(arg, 'masked-eq', value, mask);
/** `arg` is none of `values` (compiled to masked comparisons of the low 32 bits). */
const noneOf = (arg: number, values: number[]): Condition[] => values.map((v) => c32(arg, 'ne', v));
const oneOf = (syscall: string, arg: number, values: number[], action?: Action) =>
  values.map((v) => ({ syscall, conditions: [eq(arg, v)], ...(action ? { action } : {}) }));

function definitions(k: Constants): Record<string, GroupDefinition> {
  const NAMESPACE_FLAGS = k.CLONE_NEWNS | k.CLONE_NEWCGROUP | k.CLONE_NEWUTS | k.CLONE_NEWIPC |
    k.CLONE_NEWUSER | k.CLONE_NEWPID | k.CLONE_NEWNET;
  const INET_FAMILIES = [k.AF_UNIX, k.AF_INET, k.AF_INET6];
  const SOCKET_TYPE_MASK = 0xf; // the type without SOCK_NONBLOCK / SOCK_CLOEXEC
  const socketRules = (families: number[]) => families.flatMap((family) =>
    [k.SOCK_STREAM, k.SOCK_DGRAM].map((type) => ({
      syscall: 'socket', conditions: [eq(0, family), masked(1, SOCKET_TYPE_MASK, type)],
    })));
  // FIONBIO/FIOCLEX: libuv on sockets and pipes; TCGETS/TCSETS*/TIOCGWINSZ: TTY handling
  // (isatty, setRawMode, columns); FIONREAD: glibc's DNS resolver.
  const IOCTLS = [k.FIONBIO, k.FIOCLEX, k.FIONCLEX, k.FIONREAD, k.TCGETS, k.TCSETS, k.TCSETSW, k.TCSETSF,
    k.TIOCGWINSZ, k.TIOCGPGRP];
  // Thread names, reading process facts, and no_new_privs (which only ever restricts).
  const PRCTLS = [k.PR_SET_NAME, k.PR_GET_NAME, k.PR_SET_VMA, k.PR_GET_DUMPABLE, k.PR_CAPBSET_READ,
    k.PR_GET_NO_NEW_PRIVS, k.PR_SET_NO_NEW_PRIVS, k.PR_GET_SECCOMP, k.PR_GET_TIMERSLACK];
  // seccomp(2) operations for stacking a further filter: filters can only narrow.
  const SECCOMP_SET_MODE_FILTER = 1, SECCOMP_GET_ACTION_AVAIL = 2, SECCOMP_GET_NOTIF_SIZES = 3;
  const READ_ONLY_OPEN = k.O_ACCMODE | k.O_CREAT | k.O_TRUNC;

  return {
    '@node': {
      description: 'What the Node 20 and Node 24 runtimes need to keep running: memory, threads, ' +
        'the event loop, timers, signals, the thread pool, JIT and GC. Threads only, no processes.',
      entries: [
        // memory, JIT, GC
        'brk', 'mmap', 'munmap', 'mremap', 'mprotect', 'madvise', 'msync', 'mincore', 'mlock', 'munlock',
        'pkey_alloc', 'pkey_free', 'pkey_mprotect', 'membarrier', 'get_mempolicy', 'memfd_create',
        // threads: a clone is allowed only when it makes a thread of this process
        { syscall: 'clone', conditions: [{ arg: 0, op: 'masked-eq', mask: String(k.CLONE_THREAD | NAMESPACE_FLAGS), value: String(k.CLONE_THREAD), width: 64 }] },
        // clone3 hides its flags behind a pointer: ENOSYS makes glibc fall back to clone
        { syscall: 'clone3', action: { errno: 'ENOSYS' } },
        // map_shadow_stack: glibc 2.39+ gives new threads a shadow stack where CET is on
        'futex', 'futex_waitv', 'map_shadow_stack', 'set_robust_list', 'get_robust_list', 'rseq', 'set_tid_address', 'gettid',
        'sched_yield', 'sched_getaffinity', 'sched_getparam', 'sched_getscheduler', 'exit', 'exit_group',
        // signals. The SIGSYS disposition may be read (Node does at exit) but not replaced:
        // the violation report owns it, and a JS listener would swallow violations.
        { syscall: 'rt_sigaction', conditions: noneOf(0, [k.SIGSYS]) },
        { syscall: 'rt_sigaction', conditions: [eq(0, k.SIGSYS), { arg: 1, op: 'eq', value: '0', width: 64 }] },
        { syscall: 'rt_sigaction', action: { errno: 'EPERM' }, conditions: [eq(0, k.SIGSYS), { arg: 1, op: 'ne', value: '0', width: 64 }] },
        'rt_sigprocmask', 'rt_sigreturn', 'sigaltstack', 'rt_sigtimedwait', 'restart_syscall', 'tgkill',
        // time
        'clock_gettime', 'clock_getres', 'clock_nanosleep', 'nanosleep', 'gettimeofday', 'time',
        // event loop
        'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_wait', 'epoll_pwait', 'epoll_pwait2',
        'eventfd', 'eventfd2', 'pipe', 'pipe2', 'poll', 'ppoll', 'select', 'pselect6',
        // io_uring: Node 24 batches epoll_ctl through rings it opened at startup and aborts
        // if io_uring_enter fails; new rings are refused with ENOSYS so that later loops
        // (Workers) fall back to epoll. io_uring_register is never used by libuv.
        'io_uring_enter', { syscall: 'io_uring_setup', action: { errno: 'ENOSYS' } },
        // descriptors already open
        'read', 'write', 'readv', 'writev', 'pread64', 'pwrite64', 'preadv', 'pwritev', 'preadv2', 'pwritev2',
        'close', 'close_range', 'dup', 'dup2', 'dup3', 'fcntl', 'lseek', 'fstat', 'newfstatat', 'statx', 'fstatfs',
        // libuv's uv_guess_handle() on stdio that is a socket (journald, a supervisor's socketpair)
        'getsockname', 'getsockopt',
        ...oneOf('ioctl', 1, IOCTLS),
        // other ioctls answer "not a terminal", as for a file that has no such request
        { syscall: 'ioctl', action: { errno: 'ENOTTY' }, conditions: noneOf(1, IOCTLS) },
        // identity and limits (read-only)
        'getpid', 'getppid', 'getuid', 'geteuid', 'getgid', 'getegid', 'getgroups', 'getresuid', 'getresgid',
        'getpgrp', 'getpgid', 'getsid', 'uname', 'getrlimit', 'getrusage', 'sysinfo', 'getcwd', 'getrandom',
        'getpriority', 'capget',
        { syscall: 'prlimit64', conditions: [{ arg: 2, op: 'eq', value: '0', width: 64 }] },
        ...oneOf('prctl', 0, PRCTLS),
        ...oneOf('seccomp', 0, [SECCOMP_SET_MODE_FILTER, SECCOMP_GET_ACTION_AVAIL, SECCOMP_GET_NOTIF_SIZES]),
        { syscall: 'prctl', action: { errno: 'EPERM' }, conditions: noneOf(0, PRCTLS) },
      ],
    },
    '@fs-read': {
      description: 'Open files read-only, stat, list directories, read links, watch for changes. ' +
        'seccomp cannot see paths: any file the process may read is readable (see "Threat model").',
      entries: [
        { syscall: 'openat', conditions: [masked(2, READ_ONLY_OPEN, k.O_RDONLY)] },
        { syscall: 'open', conditions: [masked(1, READ_ONLY_OPEN, k.O_RDONLY)] },
        // openat2 keeps its flags in a struct seccomp cannot read: ENOSYS makes libc use openat
        { syscall: 'openat2', action: { errno: 'ENOSYS' } },
        'stat', 'lstat', 'fstat', 'newfstatat', 'statx', 'statfs', 'fstatfs', 'access', 'faccessat', 'faccessat2',
        'readlink', 'readlinkat', 'getdents', 'getdents64', 'chdir', 'fchdir', 'fadvise64', 'readahead',
        'getxattr', 'lgetxattr', 'fgetxattr', 'listxattr', 'llistxattr', 'flistxattr',
        'inotify_init', 'inotify_init1', 'inotify_add_watch', 'inotify_rm_watch', 'flock',
      ],
    },
    '@fs-write': {
      description: 'Create, write, rename, link and remove files and directories, change modes and times.',
      entries: [
        'openat', 'open', 'creat', 'mkdir', 'mkdirat', 'rmdir', 'unlink', 'unlinkat', 'rename', 'renameat', 'renameat2',
        'link', 'linkat', 'symlink', 'symlinkat', 'chmod', 'fchmod', 'fchmodat', 'fchmodat2', 'chown', 'fchown',
        'fchownat', 'lchown', 'truncate', 'ftruncate', 'fallocate', 'fsync', 'fdatasync', 'sync_file_range',
        'utime', 'utimes', 'utimensat', 'futimesat', 'copy_file_range', 'sendfile', 'flock', 'umask',
        'setxattr', 'lsetxattr', 'fsetxattr', 'removexattr', 'lremovexattr', 'fremovexattr',
        { syscall: 'openat2', action: { errno: 'ENOSYS' } },
      ],
    },
    '@net-client': {
      description: 'TCP, UDP and Unix-domain sockets to connect out. Other families (netlink, packet...) fail ' +
        'with EAFNOSUPPORT; raw sockets are not allowed.',
      entries: [
        ...socketRules(INET_FAMILIES),
        { syscall: 'socket', action: { errno: 'EAFNOSUPPORT' }, conditions: noneOf(0, INET_FAMILIES) },
        { syscall: 'socketpair', conditions: [eq(0, k.AF_UNIX)] },
        'connect', 'getsockname', 'getpeername', 'getsockopt', 'setsockopt', 'shutdown',
        'sendto', 'sendmsg', 'sendmmsg', 'recvfrom', 'recvmsg', 'recvmmsg',
      ],
    },
    '@net-server': {
      description: 'Everything in @net-client, plus binding, listening and accepting.',
      entries: ['@net-client', 'bind', 'listen', 'accept', 'accept4'],
    },
    '@dns': {
      description: 'Name resolution through getaddrinfo (dns.lookup): reading /etc/hosts and friends, ' +
        'UDP/TCP to resolvers. glibc\'s netlink probe fails with EAFNOSUPPORT and it falls back.',
      entries: [
        { syscall: 'openat', conditions: [masked(2, READ_ONLY_OPEN, k.O_RDONLY)] },
        ...socketRules(INET_FAMILIES),
        { syscall: 'socket', action: { errno: 'EAFNOSUPPORT' }, conditions: noneOf(0, INET_FAMILIES) },
        'connect', 'bind', 'getsockname', 'getpeername', 'setsockopt', 'getsockopt',
        'sendto', 'sendmsg', 'sendmmsg', 'recvfrom', 'recvmsg', 'recvmmsg', 'poll', 'ppoll',
      ],
    },
    '@exec-start': {
      description: 'What any program does between execve and main(): the dynamic loader maps its ' +
        'libraries (read-only opens), libc sets up threads and TLS, Node raises its file limit. Policies ' +
        'applied at exec time (seccomp-node run, sandbox.spawn) need it with @node; in-process lockdown does not.',
      entries: [
        'arch_prctl', 'set_tid_address', 'set_robust_list', 'rseq', 'prlimit64', 'brk', 'mmap', 'mprotect', 'munmap',
        { syscall: 'openat', conditions: [masked(2, READ_ONLY_OPEN, k.O_RDONLY)] },
        { syscall: 'open', conditions: [masked(1, READ_ONLY_OPEN, k.O_RDONLY)] },
        'newfstatat', 'fstat', 'statx', 'read', 'pread64', 'close', 'access', 'faccessat', 'faccessat2', 'readlink',
        'readlinkat', 'getrandom', 'uname', 'sysinfo', 'getuid', 'geteuid', 'getgid', 'getegid', 'getpid', 'gettid',
        'capget', 'sched_getaffinity', 'pkey_alloc', 'exit_group',
      ],
    },
    '@signal': {
      description: 'Send signals (process.kill), to this process or others the user may signal.',
      entries: ['kill', 'tkill', 'tgkill', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo', 'pidfd_send_signal'],
    },
    '@process': {
      description: 'Create and manage child processes: fork, clone with any flags except new namespaces, exec, wait.',
      entries: [
        '@signal', 'fork', 'vfork', 'execve', 'execveat', 'wait4', 'waitid', 'pidfd_open', 'setpgid', 'setsid',
        { syscall: 'clone', conditions: [{ arg: 0, op: 'masked-eq', mask: String(NAMESPACE_FLAGS), value: '0', width: 64 }] },
        { syscall: 'clone3', action: { errno: 'ENOSYS' } },
        // libuv's spawn: a socketpair for the exec-error channel, buffer sizes on it (Node 24)
        { syscall: 'socketpair', conditions: [eq(0, k.AF_UNIX)] }, 'setsockopt', 'prlimit64',
      ],
    },
  };
}

/** The groups `sandbox.lockdown()` allows when called without options. */
export const DEFAULT_PROFILE: readonly string[] = ['@node', '@fs-read', '@fs-write', '@net-server', '@dns', '@signal'];

let cached: Record<string, GroupDefinition> | undefined;

/** All groups, built with this platform's constant values. */
export function groups(): Record<string, GroupDefinition> {
  if (!cached) {
    const b = binding;
    if (!b) throw new SeccompError('ERR_SECCOMP_UNSUPPORTED', 'groups need the native addon (constants)');
    // A built-in group must never make a policy fail: names that the installed libseccomp
    // does not know (a library older than the syscall) are left out. Such a library could
    // not filter the call anyway; it falls to the default action.
    const known = (entry: GroupEntry) =>
      (typeof entry === 'string' && entry.startsWith('@')) || b.resolveSyscall(typeof entry === 'string' ? entry : entry.syscall) !== -1;
    cached = Object.fromEntries(Object.entries(definitions(b.constants)).map(([name, group]) =>
      [name, { ...group, entries: group.entries.filter(known) }]));
  }
  return cached;
}

/**
 * Expands allow-list entries (names, '@groups', rule objects) into policy rules, each
 * group once. Entries without an action are allowed.
 */
export function expandEntries(entries: readonly GroupEntry[], seen = new Set<string>()): Rule[] {
  const out: Rule[] = [];
  for (const entry of entries) {
    if (typeof entry === 'string' && entry.startsWith('@')) {
      if (seen.has(entry)) continue;
      seen.add(entry);
      const group = groups()[entry];
      if (!group) {
        const suggestion = closestName(entry, Object.keys(groups()));
        throw new SeccompError('ERR_SECCOMP_UNKNOWN_GROUP',
          `unknown group "${entry}"` + (suggestion ? `; did you mean "${suggestion}"?` : '') +
          `; groups: ${Object.keys(groups()).join(', ')}`, { group: entry, suggestion });
      }
      out.push(...expandEntries(group.entries, seen));
    } else if (typeof entry === 'string') {
      out.push({ syscall: entry, action: 'allow' });
    } else {
      out.push({ syscall: entry.syscall, action: entry.action ?? 'allow', ...(entry.conditions?.length ? { conditions: entry.conditions } : {}) });
    }
  }
  return out;
}
