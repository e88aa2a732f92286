/**
 * The system calls that the runtime makes lazily, the first time something needs them, and
 * that lockdown otherwise makes happen before the load ("priming", src/loader.ts) because a
 * tight policy would kill them later. A program that allows every call of a resource needs
 * no priming for it: the runtime may then make them whenever it likes. Which calls, as strace
 * shows them on Node 20 to 26:
 *
 * - `runtimeProbes`: abseil's CPU count and frequency in V8 (Node 22 and later,
 *   native/prime.cc): read a /sys file (open read-only with close-on-exec, read, close) and,
 *   where the TSC frequency file is missing, sleep while they time the CPU (clock_nanosleep on
 *   CLOCK_REALTIME), up to 255 ms on a machine whose measurements disagree.
 * - `stdio`: creating `process.stdout` and `process.stderr`. Every kind checks the descriptor
 *   (fstat, fcntl F_GETFL, ioctl TCGETS). A pipe or socket opens /dev/null and sets the
 *   descriptor's blocking mode (FIONBIO); a socket is asked its type and family (getsockopt
 *   SO_TYPE, getsockname). A terminal is reopened by its name (ioctl TIOCGPTN,
 *   readlink of /proc/self/fd/N, stat, open read-write without becoming the controlling
 *   terminal, dup3 over the old descriptor) and asked its size (TIOCGWINSZ). At exit, Node
 *   restores the terminal's mode (TCSETS) and the descriptors' flags (F_SETFL).
 * - `libcOvercommit`: the first time a thread's heap shrinks, glibc's malloc reads
 *   /proc/sys/vm/overcommit_memory (open read-only with close-on-exec, read one byte, close)
 *   and keeps the answer. It takes any failure as an answer (then it never gives a shrunk
 *   heap's pages back early), so only a kill or a trap of these calls matters.
 *
 * The default program's answers are worked out when the package is built (src/default-program.ts);
 * test/default-program.test.ts makes the calls on the kernel, under that program and under
 * one that needs the priming.
 */
import type { ArchName } from './arch';
import { verdictOf } from './loader';
import { nativeConstant as constant } from './native';

/** Every lazy resource, in the order the build records them. */
export const LAZY_RESOURCES = ['runtimeProbes', 'stdio', 'libcOvercommit'] as const;
export type LazyResource = typeof LAZY_RESOURCES[number];

interface Call {
  syscall: string;
  args: bigint[];
  /** The runtime takes any failure of this call as an answer (an errno from the filter is then fine). */
  failureIsAnswer?: true;
}

const FD = 21n; // any descriptor
const STDOUT = 1n;
const ADDR = 0x7ffd0d2c0e00n; // any user pointer

/** Reading a file once: open read-only with close-on-exec, read `bytes`, close. */
function readFileCalls(bytes: bigint, failureIsAnswer?: true): Call[] {
  const flags = constant('O_RDONLY', 0) | constant('O_CLOEXEC', 0o2000000);
  const answer = failureIsAnswer ? { failureIsAnswer } : {};
  return [
    { syscall: 'openat', args: [constant('AT_FDCWD', -100), ADDR, flags, 0n], ...answer },
    { syscall: 'read', args: [FD, ADDR, bytes], ...answer },
    { syscall: 'close', args: [FD], ...answer },
  ];
}

function runtimeProbeCalls(): Call[] {
  const CLOCK_REALTIME = 0n;
  return [...readFileCalls(1024n), { syscall: 'clock_nanosleep', args: [CLOCK_REALTIME, 0n, ADDR, ADDR] }];
}

function stdioCalls(): Call[] {
  const AT_FDCWD = constant('AT_FDCWD', -100);
  const O_CLOEXEC = constant('O_CLOEXEC', 0o2000000);
  const ioctl = (request: bigint): Call => ({ syscall: 'ioctl', args: [STDOUT, request, ADDR] });
  return [
    { syscall: 'fstat', args: [STDOUT, ADDR] },
    { syscall: 'newfstatat', args: [AT_FDCWD, ADDR, ADDR, 0n] },
    { syscall: 'newfstatat', args: [STDOUT, ADDR, ADDR, constant('AT_EMPTY_PATH', 0x1000)] },
    { syscall: 'fcntl', args: [STDOUT, constant('F_GETFL', 3), 0n] },
    { syscall: 'fcntl', args: [STDOUT, constant('F_SETFL', 4), constant('O_WRONLY', 1)] },
    { syscall: 'fcntl', args: [STDOUT, constant('F_SETFL', 4), constant('O_RDWR', 2)] },
    { syscall: 'fcntl', args: [STDOUT, constant('F_SETFL', 4), constant('O_RDWR', 2) | constant('O_NONBLOCK', 0o4000)] },
    ioctl(constant('TCGETS', 0x5401)),
    ioctl(constant('TCSETS', 0x5402)),
    ioctl(constant('TIOCGWINSZ', 0x5413)),
    ioctl(constant('FIONBIO', 0x5421)),
    // libuv asks whether the terminal is a pty master; any failure means "no" (as on a pty
    // slave, where the kernel answers ENOTTY), and libuv then reopens it by its name.
    { ...ioctl(constant('TIOCGPTN', 0x80045430)), failureIsAnswer: true },
    { syscall: 'readlink', args: [ADDR, ADDR, 255n] },
    { syscall: 'readlinkat', args: [AT_FDCWD, ADDR, ADDR, 255n] },
    { syscall: 'openat', args: [AT_FDCWD, ADDR, constant('O_RDONLY', 0) | O_CLOEXEC, 0n] },
    { syscall: 'openat', args: [AT_FDCWD, ADDR, constant('O_RDWR', 2) | constant('O_NOCTTY', 0o400) | O_CLOEXEC, 0n] },
    { syscall: 'dup3', args: [FD, STDOUT, O_CLOEXEC] },
    // A socket (a TCP connection, as inetd and socket activation pass one): its type and family.
    { syscall: 'getsockopt', args: [STDOUT, 1n /* SOL_SOCKET */, 3n /* SO_TYPE */, ADDR, ADDR] },
    { syscall: 'getsockname', args: [STDOUT, ADDR, ADDR] },
    { syscall: 'epoll_ctl', args: [FD, 1n, STDOUT, ADDR] },
    { syscall: 'epoll_ctl', args: [FD, 2n, STDOUT, ADDR] },
    { syscall: 'write', args: [STDOUT, ADDR, 7n] },
    { syscall: 'writev', args: [STDOUT, ADDR, 2n] },
    { syscall: 'close', args: [FD] },
  ];
}

/** A resource's calls, with arguments like the real ones. */
export function lazyCalls(resource: LazyResource): Call[] {
  switch (resource) {
    case 'stdio': return stdioCalls();
    case 'libcOvercommit': return readFileCalls(1n, true);
    case 'runtimeProbes': return runtimeProbeCalls();
  }
}

/**
 * Whether `program` (for `arch`) allows every call of `resource`, or answers it with an errno
 * where the runtime takes any failure as an answer. A call that `arch` does not have
 * (readlink on arm64) is one the runtime cannot make there.
 */
export function allowsLazyCalls(program: Uint8Array, arch: ArchName, resource: LazyResource): boolean {
  return lazyCalls(resource).every(({ syscall, args, failureIsAnswer }) => {
    const action = verdictOf(program, arch, syscall, args);
    return action === undefined || action === 'allow' || action === 'log' || (failureIsAnswer === true && action === 'errno');
  });
}
