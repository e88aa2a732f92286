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
  io_uring_setup: 'operations submitted through io_uring are never checked by seccomp',
  io_uring_enter: 'operations submitted through io_uring are never checked by seccomp',
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

export interface LintWarning { rule: number; syscall: string; message: string }

/** Warnings for the allowing rules of `policy` (rule = index into policy.rules). */
export function lintPolicy(policy: Policy): LintWarning[] {
  const warnings: LintWarning[] = [];
  const allows = (action: Policy['defaultAction']) => sameAction(action, 'allow') || sameAction(action, 'log');
  if (allows(policy.defaultAction)) {
    warnings.push({ rule: -1, syscall: '*', message: 'the default action allows every call not listed: prefer a default-deny policy' });
  }
  policy.rules.forEach((rule, index) => {
    if (!allows(rule.action)) return;
    const reason = DANGEROUS[rule.syscall] ?? (rule.conditions?.length ? undefined : UNCONDITIONAL_ONLY[rule.syscall]);
    if (reason) warnings.push({ rule: index, syscall: rule.syscall, message: `allows ${rule.syscall}: ${reason}` });
  });
  return warnings;
}
