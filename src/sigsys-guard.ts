/**
 * With the violation report on, a blocked call traps to the addon's SIGSYS handler, which
 * prints the report line and ends the process. Native code that replaced that handler
 * would make blocked calls return to it instead, and the process would live on. So before
 * a policy is loaded with the report on, this step makes sure that no rule lets
 * `rt_sigaction` change the SIGSYS disposition, whatever policy the user wrote (a Docker
 * profile or a learned policy allows `rt_sigaction` outright):
 *
 * - every other signal stays as the policy says;
 * - where a rule would allow or log `rt_sigaction(SIGSYS, act != NULL, old)`, SIGSYS gets
 *   `@node`'s rules instead: reading the disposition (`act == NULL`) is allowed, and
 *   installing is answered without running: errno 0 (success) when the caller asks for the
 *   old action, which is how glibc's `signal()` calls it (libuv resets every signal with
 *   `signal(n, SIG_DFL)` in a spawned child before exec and fails the spawn on SIG_ERR; exec
 *   resets the handler anyway), and EPERM otherwise (`process.on('SIGSYS')`, so JS learns
 *   that it failed). A default action that allows gets the two answers.
 *
 * `@node` already says exactly this, so it passes through unchanged. The step works on the
 * policy, before compilation, so that the compiler and anything that checks the compiled
 * program against the policy see the same rules.
 */
import { binding } from './native';
import { holdsAt } from './conditions';
import type { Action, Condition, Policy, Rule } from './policy';
import { carryOrigin } from './rule-origin';

const SYSCALL = 'rt_sigaction';

function sigsysNumber(): number {
  const sigsys = binding?.constants.SIGSYS;
  if (sigsys === undefined) throw new Error('the native addon is needed to guard SIGSYS');
  return sigsys;
}

/** Actions under which the call would run. */
function lets(action: Action): boolean {
  return action === 'allow' || action === 'log';
}

function kills(action: Action): boolean {
  return action === 'kill-process' || action === 'trap';
}


/**
 * False when the rule provably never matches rt_sigaction(SIGSYS, act != NULL, ...): one of
 * its conditions on the signal fails for SIGSYS (compared at 32 bits, as the compiler does
 * for this `int` argument), or it requires `act == NULL`. These are the same facts the
 * compiler uses to prove rules disjoint, so the answers added below never conflict with them.
 */
function mayReplaceSigsys(rule: Rule, sigsys: bigint): boolean {
  for (const c of rule.conditions ?? []) {
    if (c.arg === 0 && !holdsAt(c, sigsys, c.width ?? 32)) return false;
    if (c.arg === 1 && c.op === 'eq' && BigInt(c.value) === 0n) return false;
  }
  return true;
}

function withConditions(rule: Rule, extra: Condition): Rule {
  return carryOrigin(rule, { syscall: rule.syscall, action: rule.action, conditions: [...(rule.conditions ?? []), extra] });
}

/** `policy` with no way left for rt_sigaction to change the SIGSYS disposition. */
export function guardSigsys(policy: Policy): Policy {
  const canKill = kills(policy.defaultAction) || policy.rules.some((r) => kills(r.action));
  if (!canKill) return policy; // nothing traps, so no report handler is installed
  const sigsys = sigsysNumber();
  const value = String(sigsys);
  const isSigsys: Condition = { arg: 0, op: 'eq', value, width: 32 };
  const installs: Condition = { arg: 1, op: 'ne', value: '0', width: 64 };
  // @node's own rules for SIGSYS: reading is harmless; installing is answered, never run.
  const reads: Rule = { syscall: SYSCALL, action: 'allow', conditions: [isSigsys, { arg: 1, op: 'eq', value: '0', width: 64 }] };
  const answers: Rule[] = [
    { syscall: SYSCALL, action: { errno: 0 }, conditions: [isSigsys, installs, { arg: 2, op: 'ne', value: '0', width: 64 }] },
    { syscall: SYSCALL, action: { errno: 'EPERM' }, conditions: [isSigsys, installs, { arg: 2, op: 'eq', value: '0', width: 64 }] },
  ];

  let split = false;
  const rules: Rule[] = [];
  for (const rule of policy.rules) {
    if (rule.syscall !== SYSCALL || !lets(rule.action) || !mayReplaceSigsys(rule, BigInt(sigsys))) {
      rules.push(rule);
      continue;
    }
    // The rule keeps every other signal; SIGSYS gets the rules above instead. Only arg0 is
    // added to (the compiler intersects 32-bit conditions itself), never a second 64-bit
    // comparison on an argument the rule already checks, which libseccomp refuses.
    rules.push(withConditions(rule, { arg: 0, op: 'ne', value, width: 32 }));
    split = true;
  }
  if (split) rules.push(reads, ...answers);
  else if (lets(policy.defaultAction)) rules.push(...answers);
  return { ...policy, rules };
}
