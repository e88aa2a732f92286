/**
 * Which syscall arguments are C `int`s (compared on their low 32 bits) and which are
 * 64-bit (longs, sizes, pointers, offsets; compared on all 64 bits).
 *
 * Why it matters: seccomp sees raw 64-bit registers. For an `int` argument the kernel
 * ignores the upper half, and libc may leave it zero or sign-extended (AT_FDCWD, -1), so a
 * rule must compare only the low 32 bits or it can be dodged or fail to match. Pointers
 * and sizes must compare all 64 bits.
 *
 * One letter per argument: `i` = 32-bit, `l` = 64-bit. Arguments not listed are 64-bit;
 * callers can always say explicitly with `arg32()` / `arg64()`.
 */
const SIGNATURES: Record<string, string> = {
  read: 'ill', write: 'ill', pread64: 'illl', pwrite64: 'illl', readv: 'ili', writev: 'ili',
  preadv: 'ilill', pwritev: 'ilill', preadv2: 'iliili', pwritev2: 'iliili',
  close: 'i', close_range: 'iii', dup: 'i', dup2: 'ii', dup3: 'iii',
  lseek: 'ili', fsync: 'i', fdatasync: 'i', ftruncate: 'il', fallocate: 'iill',
  fstat: 'il', newfstatat: 'ilii', statx: 'iliil', fstatfs: 'il',
  open: 'lii', openat: 'ilii', openat2: 'ill', creat: 'li',
  access: 'li', faccessat: 'ili', faccessat2: 'ilii', mkdir: 'li', mkdirat: 'ili',
  unlinkat: 'ili', renameat: 'ilil', renameat2: 'ilili', linkat: 'ilili', symlinkat: 'lil',
  readlinkat: 'illi', fchmod: 'ii', fchmodat: 'ili', fchmodat2: 'ilii', chmod: 'li',
  fchown: 'iii', fchownat: 'iliii', chown: 'lii', lchown: 'lii', utimensat: 'illi',
  getdents64: 'ili', fcntl: 'iil', flock: 'ii', ioctl: 'iil',
  socket: 'iii', socketpair: 'iiil', bind: 'ili', connect: 'ili', listen: 'ii',
  accept: 'ill', accept4: 'illi', getsockname: 'ill', getpeername: 'ill',
  sendto: 'illili', recvfrom: 'illill', sendmsg: 'ili', recvmsg: 'ili',
  sendmmsg: 'ilii', recvmmsg: 'iliil', shutdown: 'ii',
  setsockopt: 'iiili', getsockopt: 'iiill',
  mmap: 'lliiil', mprotect: 'lli', pkey_mprotect: 'llii', madvise: 'lli', msync: 'lli',
  mlock2: 'lli', memfd_create: 'li', pkey_alloc: 'ii', pkey_free: 'i',
  clone: 'lllll', unshare: 'i', setns: 'ii', personality: 'i',
  kill: 'ii', tkill: 'ii', tgkill: 'iii', rt_sigaction: 'illl', rt_sigprocmask: 'illl',
  rt_sigqueueinfo: 'iil', rt_tgsigqueueinfo: 'iiil', pidfd_send_signal: 'iili', pidfd_open: 'ii',
  prctl: 'illll', arch_prctl: 'il', setuid: 'i', setgid: 'i', setreuid: 'ii', setregid: 'ii',
  setresuid: 'iii', setresgid: 'iii', setfsuid: 'i', setfsgid: 'i',
  futex: 'liilll', epoll_create1: 'i', epoll_ctl: 'iiil', epoll_wait: 'ilii', epoll_pwait: 'iliill',
  epoll_pwait2: 'illll', eventfd2: 'ii', timerfd_create: 'ii', timerfd_settime: 'iill',
  signalfd4: 'illi', pipe2: 'li', inotify_init1: 'i', inotify_add_watch: 'ili', inotify_rm_watch: 'ii',
  wait4: 'ilil', waitid: 'iilil', getrandom: 'lli', sched_getaffinity: 'ill', sched_setaffinity: 'ill',
  ptrace: 'lill', process_vm_readv: 'ililll', process_vm_writev: 'ililll',
  io_uring_setup: 'il', io_uring_enter: 'iiiill', io_uring_register: 'iili',
  mount: 'lllll', umount2: 'li', reboot: 'iiil', bpf: 'ili', perf_event_open: 'liiil',
  init_module: 'lll', finit_module: 'ili', delete_module: 'li', kexec_load: 'llll',
  seccomp: 'iil', landlock_restrict_self: 'ii', execveat: 'illli', setpriority: 'iii', getpriority: 'ii',
  setrlimit: 'il', getrlimit: 'il', prlimit64: 'iill', membarrier: 'iii', rseq: 'liii',
};

export type ArgWidth = 32 | 64;

/** The comparison width for argument `index` of `syscall`. */
export function argWidth(syscall: string, index: number): ArgWidth {
  return SIGNATURES[syscall]?.[index] === 'i' ? 32 : 64;
}
