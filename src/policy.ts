/**
 * The one policy representation. Every way of writing a policy (the Filter builder,
 * lockdown() options, groups, and later policy files) becomes a {@link Policy}: plain data
 * that survives JSON.stringify/parse, holds syscall names (not numbers, so it is
 * architecture-independent) and has groups already expanded. The compiler
 * (src/compiler.ts) is the only thing that turns it into a filter.
 */
import { checkArgIndex, valueString } from './conditions';
import { SeccompError } from './errors';
import { checkLandlock, isEmptyLandlock, type LandlockRules } from './landlock/policy';
import { isSelfPid, SELF_PID } from './self-pid';

/** What a filter does with a call. `kill-thread` is deliberately not offered: see README. */
export type SimpleAction = 'allow' | 'kill-process' | 'trap' | 'log';
/** Fail the call with this errno instead of running it (a name such as 'EPERM', or a number). */
export interface ErrnoAction { errno: string | number }
export type Action = SimpleAction | ErrnoAction;

export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'masked-eq';

/**
 * A comparison of one syscall argument. Values are decimal strings so that the policy is
 * plain JSON and 64-bit values survive; negative values mean two's complement at the
 * argument's width. The value `'$pid'` ({@link SELF_PID}, with `eq` and `ne` only) stands for
 * the pid of the process that loads the filter, filled in when it loads (src/self-pid.ts).
 */
export interface Condition {
  arg: number;
  op: CompareOp;
  value: string;
  /** For `masked-eq`: `(arg & mask) == value`. */
  mask?: string;
  /** 32 compares the low half only (C `int` arguments); 64 all bits. Absent: from the syscall table. */
  width?: 32 | 64;
}

export interface Rule {
  syscall: string;
  action: Action;
  /** All must hold (AND). Several rules for one syscall are alternatives (OR). */
  conditions?: Condition[];
}

export interface Policy {
  /** What happens to every call that no rule matches. */
  defaultAction: Action;
  rules: Rule[];
  /**
   * Landlock: where the process may read, write and execute, which TCP ports it may bind and
   * connect to, and its isolation from other processes (see src/landlock/policy.ts).
   * Absent: no rules of its own; lockdown, spawn and run still isolate by default.
   */
  landlock?: LandlockRules;
}

const SIMPLE_ACTIONS: readonly string[] = ['allow', 'kill-process', 'trap', 'log'];

/** Checks an action given by a caller and returns it in canonical form. */
export function parseAction(input: unknown): Action {
  if (typeof input === 'string') {
    if (SIMPLE_ACTIONS.includes(input)) return input as SimpleAction;
    if (input === 'kill' || input === 'kill-thread') {
      throw new SeccompError('ERR_SECCOMP_INVALID_ACTION',
        `action "${input}" is not offered: killing one thread leaves Node hung or half alive. ` +
        'Use "kill-process" (the default), "trap", "log", "allow" or { errno: "EPERM" }.', { action: input });
    }
    const m = /^errno(?:[:(]\s*([A-Z0-9]+)\s*\)?)$/.exec(input);
    if (m) return { errno: /^\d+$/.test(m[1]) ? Number(m[1]) : m[1] };
  } else if (typeof input === 'object' && input !== null && 'errno' in input) {
    const errno = (input as { errno: unknown }).errno;
    if (typeof errno === 'string' || (typeof errno === 'number' && Number.isInteger(errno))) return { errno };
  }
  throw new SeccompError('ERR_SECCOMP_INVALID_ACTION',
    `invalid action ${JSON.stringify(input)}: use "allow", "kill-process", "trap", "log" or { errno: "EPERM" }`,
    { action: input });
}

export function actionToString(action: Action): string {
  return typeof action === 'string' ? action : `errno(${action.errno})`;
}

export function sameAction(a: Action, b: Action): boolean {
  return actionToString(a) === actionToString(b);
}

const OPS: readonly string[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'masked-eq'];

export function checkCondition(input: unknown): Condition {
  const c = input as Partial<Condition> | null;
  if (typeof c !== 'object' || c === null || typeof c.op !== 'string' || !OPS.includes(c.op)) {
    throw new SeccompError('ERR_SECCOMP_INVALID_CONDITION',
      `invalid condition ${JSON.stringify(input)}: build conditions with arg(n).eq(value) and friends`);
  }
  if (c.width !== undefined && c.width !== 32 && c.width !== 64) {
    throw new SeccompError('ERR_SECCOMP_INVALID_CONDITION', `condition width must be 32 or 64, not ${String(c.width)}`);
  }
  if (isSelfPid(c.value)) return checkSelfPidCondition(c as Condition);
  return {
    arg: checkArgIndex(c.arg), op: c.op, value: valueString(c.value === undefined ? undefined : BigInt(c.value)),
    ...(c.op === 'masked-eq' ? { mask: valueString(c.mask === undefined ? undefined : BigInt(c.mask), 'mask') } : {}),
    ...(c.width ? { width: c.width } : {}),
  };
}

/** A `$pid` comparison: equality only, no mask (a pid is compared as a whole). */
function checkSelfPidCondition(c: Condition): Condition {
  if (c.op !== 'eq' && c.op !== 'ne') {
    throw new SeccompError('ERR_SECCOMP_INVALID_CONDITION',
      `$pid can only be compared with eq or ne (a pid is one value), not ${c.op}`, { op: c.op });
  }
  return { arg: checkArgIndex(c.arg), op: c.op, value: SELF_PID, ...(c.width ? { width: c.width } : {}) };
}

/** Validates a policy given as data (from JSON, say) and returns a clean copy. */
export function checkPolicy(input: unknown): Policy {
  const p = input as Partial<Policy> | null;
  if (typeof p !== 'object' || p === null || !Array.isArray(p.rules)) {
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', 'a policy is an object { defaultAction, rules: [...] }');
  }
  const landlock = p.landlock === undefined ? undefined : checkLandlock(p.landlock);
  return {
    defaultAction: parseAction(p.defaultAction ?? 'kill-process'),
    rules: p.rules.map((r: Partial<Rule>) => {
      if (typeof r?.syscall !== 'string') {
        throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', `a rule needs a syscall name: ${JSON.stringify(r)}`);
      }
      const conditions = (r.conditions ?? []).map(checkCondition);
      return { syscall: r.syscall, action: parseAction(r.action ?? 'allow'), ...(conditions.length ? { conditions } : {}) };
    }),
    ...(isEmptyLandlock(landlock) ? {} : { landlock }),
  };
}
