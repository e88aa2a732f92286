/**
 * The system calls that applying a Landlock layer makes, with arguments like the real ones,
 * so that the loader can run them through the filters already loaded in this process and
 * refuse, before anything changes, a layer that one of them would kill (a lockdown that
 * stacks on an earlier, narrower one).
 */
import { nativeConstant as constant } from '../native';

export interface StepCall { syscall: string; args: bigint[] }

const AT_FDCWD = BigInt.asUintN(64, -100n);
const SIGSETXID = 33n;
const FD = 7n; // any descriptor
const ADDR = 0x7f0000000000n; // any user pointer

/** The calls of the Landlock step for this way of covering threads. */
export function landlockStepCalls(threads: 'calling' | 'tsync' | 'every'): StepCall[] {
  const O_CLOEXEC = constant('O_CLOEXEC', 0o2000000);
  const O_PATH = 0o10000000n;
  const O_DIRECTORY = constant('O_DIRECTORY', 0o200000);
  const calls: StepCall[] = [
    // the ABI probe, the ruleset and its rules, the restriction
    { syscall: 'landlock_create_ruleset', args: [0n, 0n, 1n] },
    { syscall: 'landlock_create_ruleset', args: [ADDR, 24n, 0n] },
    { syscall: 'landlock_add_rule', args: [FD, 1n, ADDR, 0n] },
    { syscall: 'landlock_restrict_self', args: [FD, threads === 'tsync' ? 8n : 0n] },
    { syscall: 'prctl', args: [constant('PR_SET_NO_NEW_PRIVS', 38), 1n, 0n, 0n, 0n] },
    // each rule's path: stat (TypeScript), then open with O_PATH (native)
    { syscall: 'statx', args: [AT_FDCWD, ADDR, 0n, 0xfffn, ADDR] },
    { syscall: 'newfstatat', args: [AT_FDCWD, ADDR, ADDR, 0n] },
    { syscall: 'openat', args: [AT_FDCWD, ADDR, O_PATH | O_CLOEXEC, 0n] },
    { syscall: 'close', args: [FD] },
  ];
  if (threads !== 'every') return calls;
  const O_RDONLY = constant('O_RDONLY', 0);
  return [
    ...calls,
    // every thread by signal: list /proc/self/task, tell io_uring workers apart, signal, wait
    { syscall: 'openat', args: [AT_FDCWD, ADDR, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0n] },
    { syscall: 'openat', args: [FD, ADDR, O_RDONLY | O_CLOEXEC, 0n] },
    { syscall: 'lseek', args: [FD, 0n, 0n] },
    { syscall: 'getdents64', args: [FD, ADDR, 4096n] },
    { syscall: 'read', args: [FD, ADDR, 1023n] },
    { syscall: 'rt_sigaction', args: [SIGSETXID, 0n, ADDR, 8n] },
    { syscall: 'rt_sigaction', args: [SIGSETXID, ADDR, 0n, 8n] },
    { syscall: 'rt_tgsigqueueinfo', args: [BigInt(process.pid), BigInt(process.pid) + 1n, SIGSETXID, ADDR] },
    { syscall: 'tgkill', args: [BigInt(process.pid), BigInt(process.pid) + 1n, 0n] },
    { syscall: 'futex', args: [ADDR, 128n, 0n, ADDR, 0n, 0n] }, // FUTEX_WAIT_PRIVATE
    { syscall: 'futex', args: [ADDR, 129n, 0x7fffffffn, 0n, 0n, 0n] }, // FUTEX_WAKE_PRIVATE
    { syscall: 'getpid', args: [] },
    { syscall: 'gettid', args: [] },
    { syscall: 'getuid', args: [] },
    { syscall: 'rt_sigreturn', args: [] },
  ];
}
