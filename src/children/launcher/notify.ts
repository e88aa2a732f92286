/**
 * Whether a child's violations can go to a supervisor (seccomp user notification), and
 * what the child's stack of filters then looks like.
 *
 * The kernel runs every filter of a process and takes the most severe verdict:
 * KILL_PROCESS > KILL_THREAD > TRAP > ERRNO > USER_NOTIF > TRACE > LOG > ALLOW. A child's
 * policy that notifies instead of killing is therefore outranked by any filter that answers
 * the same call with an errno or a trap: the call fails (or traps) and the child lives on,
 * where the policy said it must die. Filters the child inherits from this process are of two
 * kinds:
 *
 * - programs seccomp-node loaded here (lockdown): their verdicts can be computed. For each
 *   call they may answer with an errno or a trap (for some arguments), the child gets a
 *   second filter, the guard: the policy's own verdicts for those calls, kill-process kept,
 *   and allow for every other call. The kernel then kills where the policy says so, and the
 *   notification names everything else.
 * - filters loaded by someone else before this process started (a container runtime's
 *   profile, systemd, a parent's launcher): nothing is known of them, so children keep
 *   today's kill-process, named from the kernel log where it can be read.
 *
 * The faults that chaos and runSandboxed stack under a policy are errno rules too: the calls
 * they name join the guard.
 *
 * Supervising also needs calls from this process and from the launcher, which run under
 * this process's filters: they are checked against the programs loaded here, and a process
 * whose filters would refuse one keeps kill-process for its children (nothing is tried that
 * its own filter would kill it for).
 */
import { ARCH_TOKENS, nativeArch, type ArchName } from '../../arch';
import { decodeAction, traceFilter } from '../../bpf/emulator';
import { OP, parseProgram, type Instruction } from '../../bpf/program';
import { filtersInForce, loadHistory } from '../../loader';
import { binding, nativeConstant as constant } from '../../native';
import { syscallNumber, syscallTable } from '../../syscalls';

export interface SupervisionPlan {
  /** Children's violations go to a supervisor in this process. */
  notify: boolean;
  /** Why not, when not. */
  reason?: string;
  /** The kernel also has SECCOMP_USER_NOTIF_FLAG_CONTINUE (learn). */
  record: boolean;
  /** Calls a filter of this process may answer with an errno or a trap: the child's guard keeps kill-process for them. */
  guard: string[];
  /** Unknown syscall numbers likewise (the guard's default action then stays the policy's). */
  guardUnknown: boolean;
  /** The supervisor may read /proc/<tid>/status (this process's filters allow the open). */
  readProc: boolean;
}

interface Call { syscall: string; args: bigint[] }

const ADDR = 0x7f0000000000n;
const FD = 7n;

/** What supervising takes: the launcher's calls (under this process's filters) and the supervisor thread's. */
function supervisingCalls(): Call[] {
  const pid = BigInt(process.pid);
  const SIGSYS = constant('SIGSYS', 31);
  const SIGKILL = constant('SIGKILL', 9);
  return [
    // the launcher
    { syscall: 'sendmsg', args: [FD, ADDR, constant('MSG_NOSIGNAL', 0x4000)] },
    { syscall: 'pidfd_open', args: [pid, 0n] },
    { syscall: 'prctl', args: [constant('PR_SET_PDEATHSIG', 1), SIGKILL, 0n, 0n, 0n] },
    { syscall: 'getppid', args: [] },
    { syscall: 'seccomp', args: [constant('SECCOMP_SET_MODE_FILTER', 1), constant('SECCOMP_FILTER_FLAG_NEW_LISTENER', 8), ADDR] },
    // this process: the channel, the supervisor thread, the probe
    { syscall: 'socketpair', args: [constant('AF_UNIX', 1), constant('SOCK_SEQPACKET', 5) | constant('SOCK_CLOEXEC', 0o2000000), 0n, ADDR] },
    { syscall: 'setsockopt', args: [FD, constant('SOL_SOCKET', 1), constant('SO_SNDBUF', 7), ADDR, 4n] },
    { syscall: 'recvmsg', args: [FD, ADDR, constant('MSG_CMSG_CLOEXEC', 0x40000000) | constant('MSG_DONTWAIT', 0x40)] },
    { syscall: 'ioctl', args: [FD, constant('SECCOMP_IOCTL_NOTIF_RECV', 0xc0502100), ADDR] },
    { syscall: 'ioctl', args: [FD, constant('SECCOMP_IOCTL_NOTIF_SEND', 0xc0182101), ADDR] },
    { syscall: 'ioctl', args: [FD, constant('SECCOMP_IOCTL_NOTIF_ID_VALID', 0x40082102), ADDR] },
    { syscall: 'pidfd_send_signal', args: [FD, SIGSYS, 0n, 0n] },
    { syscall: 'pidfd_send_signal', args: [FD, SIGKILL, 0n, 0n] },
    { syscall: 'kill', args: [pid + 1n, SIGKILL] },
    { syscall: 'fcntl', args: [FD, constant('F_DUPFD_CLOEXEC', 1030), 0n] },
    { syscall: 'epoll_create1', args: [constant('O_CLOEXEC', 0o2000000)] },
    { syscall: 'eventfd2', args: [0n, constant('O_CLOEXEC', 0o2000000) | constant('O_NONBLOCK', 0o4000)] },
    { syscall: 'epoll_ctl', args: [FD, 1n, FD, ADDR] },
    { syscall: 'epoll_wait', args: [FD, ADDR, 16n, 0xffffffffn] },
    { syscall: 'epoll_pwait', args: [FD, ADDR, 16n, 0xffffffffn, 0n, 8n] },
    { syscall: 'clock_gettime', args: [1n, ADDR] },
    { syscall: 'close', args: [FD] },
    { syscall: 'read', args: [FD, ADDR, 8n] },
    { syscall: 'write', args: [FD, ADDR, 8n] },
    { syscall: 'seccomp', args: [constant('SECCOMP_GET_ACTION_AVAIL', 2), 0n, ADDR] },
    { syscall: 'seccomp', args: [constant('SECCOMP_GET_NOTIF_SIZES', 3), 0n, ADDR] },
    { syscall: 'uname', args: [ADDR] },
  ];
}

const READ_PROC: Call[] = [
  { syscall: 'openat', args: [BigInt.asUintN(64, -100n), ADDR, constant('O_RDONLY', 0) | constant('O_CLOEXEC', 0o2000000), 0n] },
];

type Program = { program: Buffer; arch: ArchName };

/** The first call some program here would not let run (allow or log), if any. */
function refused(programs: readonly Program[], calls: Call[]): string | undefined {
  for (const { program, arch } of programs) {
    for (const call of calls) {
      const nr = syscallNumber(call.syscall, arch);
      if (nr === undefined) continue; // no such call here: nothing will make it
      const args = [...call.args, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6);
      const { action } = decodeAction(traceFilter(program, { nr, arch: ARCH_TOKENS[arch], args }).result);
      if (action !== 'allow' && action !== 'log') return call.syscall;
    }
  }
  return undefined;
}

const OUTRANKING = new Set(['errno', 'trap', 'kill-thread']);

/** Whether a program may answer `nr` with an errno or a trap: it does for zero arguments, or its verdict depends on them. */
function mayOutrank(program: readonly Instruction[], arch: ArchName, nr: number): boolean {
  const { result, path } = traceFilter(program, { nr, arch: ARCH_TOKENS[arch], args: [0n, 0n, 0n, 0n, 0n, 0n] });
  if (OUTRANKING.has(decodeAction(result).action)) return true;
  // A load from seccomp_data past the number, architecture and instruction pointer reads an argument.
  return path.some((pc) => program[pc].code === OP.LD_W_ABS && program[pc].k >= 16);
}

function guardFor(programs: readonly Program[]): { guard: string[]; unknown: boolean } {
  const arch = nativeArch();
  const table = syscallTable(arch);
  const own = programs.filter((p) => p.arch === arch).map((p) => parseProgram(p.program));
  const guard: string[] = [];
  for (let nr = 0; nr < table.length; nr++) {
    const name = table[nr];
    if (name && own.some((p) => mayOutrank(p, arch, nr))) guard.push(name);
  }
  // a number no table names
  const unknown = own.some((p) => mayOutrank(p, arch, table.length + 64));
  return { guard, unknown };
}

let support: { notify: boolean; continue: boolean; reason?: string } | undefined;
let cached: { loads: number; plan: SupervisionPlan } | undefined;

function without(reason: string): SupervisionPlan {
  return { notify: false, reason, record: false, guard: [], guardUnknown: false, readProc: false };
}

/** The plan for children started now (recomputed after each lockdown of this process). */
export function supervisionPlan(): SupervisionPlan {
  if (cached && cached.loads === loadHistory.length) return cached.plan;
  const plan = computePlan();
  cached = { loads: loadHistory.length, plan };
  return plan;
}

function computePlan(): SupervisionPlan {
  if (!binding) return without('the native addon is not available');
  const { programs, foreign } = filtersInForce();
  if (foreign > 0) {
    return without(`this process runs under ${foreign} seccomp filter(s) it did not load (a container's profile, a parent's ` +
      'filter), whose errno answers would outrank a notification: children are killed by the kernel instead');
  }
  const blocked = refused(programs, supervisingCalls());
  if (blocked) {
    return without(`this process's own filter does not allow ${blocked}, which supervising a child takes (allow @process, ` +
      'which has it): children are killed by the kernel instead');
  }
  support ??= binding.notifySupport();
  if (!support.notify) return without(support.reason ?? 'the kernel has no seccomp user notification');
  const { guard, unknown } = programs.length ? guardFor(programs) : { guard: [], unknown: false };
  return { notify: true, record: support.continue, guard, guardUnknown: unknown, readProc: refused(programs, READ_PROC) === undefined };
}
