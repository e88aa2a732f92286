/**
 * `$pid`: a condition value meaning "the pid of the process that loads this filter".
 *
 * `@node` lets a process signal its own threads (`tgkill`, `tkill`, `rt_tgsigqueueinfo`) and
 * no other process, so those calls compare their pid argument with the process's own pid.
 * A policy is plain data written before anyone knows which process will load it, so it
 * holds the symbol, and this step replaces it with a number right before compilation, in
 * the process that loads the filter: `lockdown()` and `Filter#load()` in that process, and
 * the launcher (`seccomp-node run`, `sandbox.spawn`) in itself, whose pid the program
 * keeps across execve. The compiler and everything after it only ever see numbers.
 *
 * Exporting a program (`Filter#exportBpf`, `seccomp-node compile`) binds the symbol to a pid
 * the caller names, because only the caller knows which process will load the program;
 * without one it is refused with ERR_SECCOMP_UNBOUND_PID rather than guessed. Tools that
 * compile only to check a policy and throw the program away bind it to any pid.
 */
import { SeccompError } from './errors';
import type { Condition, Policy } from './policy';
import { carryOrigin } from './rule-origin';

/** The condition value standing for the loading process's pid: `arg(0).eq(SELF_PID)`. */
export const SELF_PID = '$pid';

/** Whether a condition value is the `$pid` symbol rather than a number. */
export function isSelfPid(value: unknown): value is typeof SELF_PID {
  return value === SELF_PID;
}

/** Whether `policy` still holds the `$pid` symbol anywhere. */
export function usesSelfPid(policy: Policy): boolean {
  return policy.rules.some((rule) => rule.conditions?.some((c) => isSelfPid(c.value)) ?? false);
}

/** Largest pid Linux hands out (PID_MAX_LIMIT, 2^22). */
const MAX_PID = 4_194_304;

/** Checks a pid given by a caller (an export option, `--pid`). */
export function checkPid(pid: unknown, what = 'pid'): number {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid < 1 || pid > MAX_PID) {
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION',
      `${what} must be the pid of the process that will load the filter (an integer from 1 to ${MAX_PID}), not ${String(pid)}`,
      { pid });
  }
  return pid;
}

function bindCondition(c: Condition, value: string): Condition {
  return isSelfPid(c.value) ? { ...c, value } : c;
}

/** `policy` with every `$pid` replaced by `pid`; the same object when it holds none. */
export function bindSelfPid(policy: Policy, pid: number): Policy {
  if (!usesSelfPid(policy)) return policy;
  const value = String(checkPid(pid));
  return {
    ...policy,
    rules: policy.rules.map((rule) => (rule.conditions?.some((c) => isSelfPid(c.value))
      ? carryOrigin(rule, { ...rule, conditions: rule.conditions.map((c) => bindCondition(c, value)) }) : rule)),
  };
}

/**
 * For compilations whose program is only checked and thrown away (`check`, validating a
 * policy before a child starts, learn mode): any pid shows whether the policy compiles.
 */
export function bindForChecking(policy: Policy): Policy {
  return bindSelfPid(policy, process.pid);
}

/**
 * `policy` ready to export for the process `pid` will be; refused with
 * ERR_SECCOMP_UNBOUND_PID when it needs a pid and none was given.
 */
export function bindForExport(policy: Policy, pid: number | undefined, how: string): Policy {
  if (pid === undefined) {
    requireNoSelfPid(policy, how);
    return policy;
  }
  return bindSelfPid(policy, checkPid(pid, how));
}

/** What `dump` and `explain` show for `$pid` when no `--pid` is given: the largest pid, never a real one in practice. */
export const INSPECTION_PID = MAX_PID;

/**
 * For tools that show a compiled program to a person (`dump`, `explain`): `$pid` bound to
 * `pid`, or when none is given to {@link INSPECTION_PID}, with a note saying so.
 */
export function bindForInspection(policy: Policy, pid: number | undefined): { policy: Policy; note?: string } {
  if (pid !== undefined || !usesSelfPid(policy)) return { policy: pid === undefined ? policy : bindSelfPid(policy, pid) };
  return {
    policy: bindSelfPid(policy, INSPECTION_PID),
    note: `$pid (the process that loads the filter) is shown as ${INSPECTION_PID} (0x${INSPECTION_PID.toString(16)}); pass --pid to choose it`,
  };
}

/** Throws ERR_SECCOMP_UNBOUND_PID when `policy` still holds `$pid`. The compiler's guard. */
export function requireNoSelfPid(policy: Policy, how = 'the pid option'): void {
  const rule = policy.rules.find((r) => r.conditions?.some((c) => isSelfPid(c.value)));
  if (!rule) return;
  throw new SeccompError('ERR_SECCOMP_UNBOUND_PID',
    `the policy compares ${rule.syscall}'s arguments with $pid, the pid of the process that loads the filter ` +
    '(@node lets a process signal only its own threads this way), and no process is loading it here. ' +
    `Loading (lockdown, Filter#load, run, spawn) fills it in; to export the program, give the pid of the process ` +
    `that will load it with ${how}`, { syscall: rule.syscall });
}
