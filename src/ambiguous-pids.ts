/**
 * Pids for which a policy with `$pid` (see self-pid.ts) is ambiguous: loaded by a process
 * with such a pid, another rule would compare the same argument with the same value and
 * answer differently. Programs compiled once and filled in per process (the launcher's
 * templates, the default program built into the package) refuse those pids.
 */
import { SeccompError } from './errors';
import { sameAction, type Policy } from './policy';
import { isSelfPid } from './self-pid';
import { argWidth } from './syscall-args';

/**
 * Pids for which the policy is ambiguous: another rule for the same call, with another
 * action, compares the argument that `$pid` is compared with to that value. Other
 * comparisons there (ranges, masks) would make a set of pids ambiguous: refused.
 */
export function ambiguousPids(policy: Policy): number[] {
  const out = new Set<number>();
  for (const rule of policy.rules) {
    for (const c of rule.conditions ?? []) {
      if (!isSelfPid(c.value)) continue;
      for (const other of policy.rules) {
        if (other === rule || other.syscall !== rule.syscall || sameAction(other.action, rule.action)) continue;
        for (const o of other.conditions ?? []) {
          if (o.arg !== c.arg || isSelfPid(o.value)) continue;
          if (o.op !== 'eq') {
            throw new SeccompError('ERR_SECCOMP_INVALID_CONDITION',
              `the policy compares ${rule.syscall}'s argument ${c.arg} with $pid in one rule and with "${o.op} ${o.value}" ` +
              'in another rule with another action, so which rule decides would depend on the pid of the process that loads it. ' +
              'Compare that argument with == only in the other rule, or give the rules the same action', { syscall: rule.syscall });
          }
          const width = o.width ?? argWidth(rule.syscall, o.arg);
          out.add(Number(BigInt.asUintN(width === 32 ? 32 : 64, BigInt(o.value)) & 0xffffffffn));
        }
      }
    }
  }
  return [...out].sort((a, b) => a - b);
}
