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
import { atPath, checkKnownKeys, pathTo, type KeyList } from './known-keys';
import { carryOrigin } from './rule-origin';

/** What a filter does with a call. `kill-thread` is deliberately not offered: see docs/api.md, "Actions". */
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
const ERRNO_ACTION_KEYS: KeyList<ErrnoAction> = { errno: true };

/** Checks an action given by a caller and returns it in canonical form. `path` locates it in messages. */
export function parseAction(input: unknown, path = ''): Action {
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
    checkKnownKeys(input, ERRNO_ACTION_KEYS, 'an errno action', path);
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

/** The keys of each part of a policy (see known-keys.ts): one line per key. */
export const CONDITION_KEYS: KeyList<Condition> = { arg: true, op: true, value: true, mask: true, width: true };
export const RULE_KEYS: KeyList<Rule> = { syscall: true, action: true, conditions: true };
export const POLICY_KEYS: KeyList<Policy> = { defaultAction: true, rules: true, landlock: true };
/** Mistakes too far from the right key for a did-you-mean by spelling. */
const RULE_HINTS = { args: 'conditions', arguments: 'conditions', when: 'conditions', name: 'syscall', names: 'syscall' };
const CONDITION_HINTS = { index: 'arg', argument: 'arg', compare: 'op', operator: 'op', valueTwo: 'mask' };

function isObject(input: unknown): input is Record<string, unknown> {
  return typeof input === 'object' && input !== null && !Array.isArray(input);
}

/** A comparison value as given in policy data: an integer number, a bigint, or a decimal or 0x string. */
function dataValue(input: unknown, what: string): string {
  if (typeof input === 'string') {
    if (!/^(?:-?(?:0|[1-9][0-9]*)|0[xX][0-9a-fA-F]+)$/.test(input)) {
      throw new SeccompError('ERR_SECCOMP_VALUE_OUT_OF_RANGE',
        `${what} ${JSON.stringify(input)} is not an integer: write it in decimal (or 0x hexadecimal)`, { value: input });
    }
    return valueString(BigInt(input), what);
  }
  return valueString(input, what);
}

/**
 * Validates a condition (as `arg(n)` builds it, or from policy data) and returns a clean
 * copy. `path` locates it in messages (`rules[2].conditions[0]`).
 */
export function checkCondition(input: unknown, path = ''): Condition {
  return atPath(path, () => {
    if (!isObject(input)) {
      throw new SeccompError('ERR_SECCOMP_INVALID_CONDITION',
        `invalid condition ${JSON.stringify(input)}: build conditions with arg(n).eq(value) and friends`);
    }
    checkKnownKeys(input, CONDITION_KEYS, 'a condition', path, CONDITION_HINTS);
    const c = input as Partial<Condition>;
    if (typeof c.op !== 'string' || !OPS.includes(c.op)) {
      throw new SeccompError('ERR_SECCOMP_INVALID_CONDITION',
        `invalid condition ${JSON.stringify(input)}: "op" must be one of ${OPS.join(', ')} (or build it with arg(n).eq(value) and friends)`);
    }
    if (c.width !== undefined && c.width !== 32 && c.width !== 64) {
      throw new SeccompError('ERR_SECCOMP_INVALID_CONDITION', `condition width must be 32 or 64, not ${String(c.width)}`);
    }
    if (c.mask !== undefined && c.op !== 'masked-eq') {
      throw new SeccompError('ERR_SECCOMP_INVALID_CONDITION', `"mask" applies only to op "masked-eq", not "${c.op}"`);
    }
    if (isSelfPid(c.value)) return checkSelfPidCondition(c as Condition);
    return {
      arg: checkArgIndex(c.arg), op: c.op as CompareOp, value: dataValue(c.value, 'value'),
      ...(c.op === 'masked-eq' ? { mask: dataValue(c.mask, 'mask') } : {}),
      ...(c.width ? { width: c.width } : {}),
    };
  });
}

/** A `$pid` comparison: equality only, no mask (a pid is compared as a whole). */
function checkSelfPidCondition(c: Condition): Condition {
  if (c.op !== 'eq' && c.op !== 'ne') {
    throw new SeccompError('ERR_SECCOMP_INVALID_CONDITION',
      `$pid can only be compared with eq or ne (a pid is one value), not ${c.op}`, { op: c.op });
  }
  return { arg: checkArgIndex(c.arg), op: c.op, value: SELF_PID, ...(c.width ? { width: c.width } : {}) };
}

/**
 * Validates one rule and returns a clean copy. A rule in policy data must say its action;
 * allow lists pass `defaultAction: 'allow'` for entries that leave it out.
 */
export function checkRule(input: unknown, path = '', defaultAction?: Action): Rule {
  return atPath(path, () => {
    if (!isObject(input)) {
      throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', `a rule is an object { syscall, action, conditions? }, not ${JSON.stringify(input)}`);
    }
    checkKnownKeys(input, RULE_KEYS, 'a rule', path, RULE_HINTS);
    if (typeof input.syscall !== 'string' || input.syscall === '') {
      throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', `a rule needs a syscall name: ${JSON.stringify(input)}`);
    }
    if (input.action === undefined && defaultAction === undefined) {
      throw new SeccompError('ERR_SECCOMP_INVALID_ACTION',
        `the ${input.syscall} rule has no "action": say what it does ("allow", "kill-process", "trap", "log" or { "errno": "EPERM" })`,
        { syscall: input.syscall });
    }
    const action = atPath(pathTo(path, 'action'), () => parseAction(input.action ?? defaultAction, pathTo(path, 'action')));
    if (input.conditions !== undefined && !Array.isArray(input.conditions)) {
      throw new SeccompError('ERR_SECCOMP_INVALID_CONDITION', `"conditions" must be a list of conditions (AND), such as [arg(0).eq(1)]`);
    }
    const conditions = (input.conditions ?? []).map((c: unknown, i: number) => checkCondition(c, pathTo(pathTo(path, 'conditions'), i)));
    return carryOrigin(input, { syscall: input.syscall, action, ...(conditions.length ? { conditions } : {}) });
  });
}

/**
 * Validates a policy given as data (from JSON, say) and returns a clean copy. Unknown keys
 * and rules without an action are errors, located by JSON path (`rules[3].condition`).
 */
export function checkPolicy(input: unknown, path = ''): Policy {
  return atPath(path, () => {
    if (!isObject(input) || !Array.isArray(input.rules)) {
      throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', 'a policy is an object { defaultAction, rules: [...] }');
    }
    checkKnownKeys(input, POLICY_KEYS, 'a policy', path);
    const landlock = input.landlock === undefined ? undefined
      : atPath(pathTo(path, 'landlock'), () => checkLandlock(input.landlock));
    return {
      defaultAction: atPath(pathTo(path, 'defaultAction'), () => parseAction(input.defaultAction ?? 'kill-process', pathTo(path, 'defaultAction'))),
      rules: input.rules.map((r: unknown, i: number) => checkRule(r, pathTo(pathTo(path, 'rules'), i))),
      ...(isEmptyLandlock(landlock) ? {} : { landlock }),
    };
  });
}
