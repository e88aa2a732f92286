/**
 * Lint warnings for grants that deserve a second look. Data: one line per system call,
 * with the reason in words a reviewer can act on.
 */
import { sameAction, type Policy } from './policy';

const DANGEROUS: Record<string, string> = {
  ptrace: 'can read and change the memory and registers of other processes',
  process_vm_readv: 'reads other processes\' memory',
  process_vm_writev: 'writes other processes\' memory',
  bpf: 'loads eBPF programs into the kernel (a large attack surface)',
  perf_event_open: 'a large kernel attack surface; can observe other processes',
  userfaultfd: 'a favourite tool for exploiting kernel races',
  io_uring_setup: 'creates io_uring rings: operations submitted through them (open, connect, read...) are never checked by seccomp',
  io_uring_register: 'operations submitted through io_uring are never checked by seccomp',
  mount: 'changes the filesystem view', umount2: 'changes the filesystem view', pivot_root: 'changes the root filesystem',
  chroot: 'changes the root directory', unshare: 'creates namespaces', setns: 'enters other namespaces',
  init_module: 'loads kernel modules', finit_module: 'loads kernel modules', delete_module: 'unloads kernel modules',
  kexec_load: 'replaces the running kernel', kexec_file_load: 'replaces the running kernel', reboot: 'reboots the machine',
  open_by_handle_at: 'opens files by handle, bypassing path checks (a known container escape)',
  keyctl: 'the kernel keyring; rarely needed', add_key: 'the kernel keyring; rarely needed', request_key: 'the kernel keyring; rarely needed',
  setuid: 'changes credentials', setgid: 'changes credentials', setreuid: 'changes credentials', setregid: 'changes credentials',
  setresuid: 'changes credentials', setresgid: 'changes credentials', setgroups: 'changes credentials', capset: 'changes capabilities',
  execve: 'runs other programs', execveat: 'runs other programs',
  iopl: 'raw I/O port access', ioperm: 'raw I/O port access', swapon: 'changes swap', swapoff: 'changes swap',
  settimeofday: 'changes the system clock', clock_settime: 'changes the system clock', adjtimex: 'changes the system clock',
};

const UNCONDITIONAL_ONLY: Record<string, string> = {
  clone: 'an unconditional clone can create processes and namespaces; check its flags (CLONE_THREAD for threads)',
  clone3: 'clone3 hides its flags behind a pointer seccomp cannot read; answer it with ENOSYS so libc uses clone',
  socket: 'an unconditional socket allows raw and netlink sockets; check the family and type',
  ioctl: 'an unconditional ioctl allows every device request, including TIOCSTI (typing into a terminal)',
  prctl: 'an unconditional prctl allows every process control, including PR_SET_DUMPABLE and PR_SET_MM',
};

export interface LintWarning {
  /** Index into policy.rules (-1: the policy as a whole). */
  rule: number;
  syscall: string;
  message: string;
  /** 'warning': a grant to reconsider; 'note': a grant that matters only in the situation it names. */
  severity: 'warning' | 'note';
}

const allows = (action: Policy['defaultAction']) => sameAction(action, 'allow') || sameAction(action, 'log');

/** Whether some call of `syscall` may run under `policy` (by a rule, or by an allowing default). */
function mayRun(policy: Policy, syscall: string): boolean {
  const rules = policy.rules.filter((r) => r.syscall === syscall);
  if (rules.some((r) => allows(r.action))) return true;
  return allows(policy.defaultAction) && !rules.some((r) => !r.conditions?.length);
}

/**
 * io_uring_enter only acts on rings that exist. Where the policy also lets the process make
 * rings, every operation can go around the filter; where it refuses io_uring_setup, only
 * rings made before the filter matter, and those exist only for an in-process lockdown of a
 * runtime that opened them at startup (Node 22 and later), which needs this grant.
 */
function ioUringEnter(policy: Policy): Pick<LintWarning, 'message' | 'severity'> {
  if (mayRun(policy, 'io_uring_setup')) {
    return { severity: 'warning', message: 'allows io_uring_enter: operations submitted through io_uring rings are never ' +
      'checked by seccomp, and this policy lets the process create rings (io_uring_setup)' };
  }
  return { severity: 'note', message: 'allows io_uring_enter, which matters only where an io_uring ring already exists: ' +
    'this policy refuses io_uring_setup, so none can be created under it, and none exist when it is applied before the ' +
    'program starts (seccomp-node run, sandbox.spawn/fork). An in-process lockdown on Node 22 and later keeps the rings ' +
    'Node opened at startup (and needs io_uring_enter for them); operations submitted through those rings are never ' +
    'checked by seccomp (see status().ioUring)' };
}

/** Warnings and notes for the allowing rules of `policy` (rule = index into policy.rules). */
export function lintPolicy(policy: Policy): LintWarning[] {
  const warnings: LintWarning[] = [];
  if (allows(policy.defaultAction)) {
    warnings.push({ rule: -1, syscall: '*', severity: 'warning',
      message: 'the default action allows every call not listed: prefer a default-deny policy' });
  }
  policy.rules.forEach((rule, index) => {
    if (!allows(rule.action)) return;
    if (rule.syscall === 'io_uring_enter') {
      warnings.push({ rule: index, syscall: rule.syscall, ...ioUringEnter(policy) });
      return;
    }
    const reason = DANGEROUS[rule.syscall] ?? (rule.conditions?.length ? undefined : UNCONDITIONAL_ONLY[rule.syscall]);
    if (reason) warnings.push({ rule: index, syscall: rule.syscall, severity: 'warning', message: `allows ${rule.syscall}: ${reason}` });
  });
  return warnings;
}
