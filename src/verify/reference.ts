/**
 * The reference interpreter: what a policy means, for one system call, read straight from
 * the documented semantics (docs/api.md, "Conditions", "Rule semantics", "Actions", "Violation
 * report"). It shares no code with the compiler or its lowering; it uses only facts
 * tables (syscall numbers, argument widths, errno numbers, architecture tokens), so a bug
 * in the compiler or in libseccomp cannot hide by making both sides agree.
 *
 * - A call from another architecture gets the bad-architecture action: kill-process, or
 *   trap when the violation report is on. On x86_64, x32 calls (number | 0x40000000) are
 *   another architecture too.
 * - Rules for the call's number apply; names that do not exist on the target architecture
 *   have no rules there. A rule matches when all its conditions hold (AND); rules are
 *   alternatives (OR). No rule matches: the default action.
 * - A condition compares one argument: 32-bit width looks at the low half only, 64-bit at
 *   all of it; values and masks are unsigned at that width, negative ones two's complement.
 *   `masked-eq` holds when `(arg & mask) == value`, literally.
 * - With the report on and a policy that can kill (a kill-process or trap action), kill-
 *   process becomes trap, and the reporter's own calls are allowed: write to fd 2 and
 *   gettid, unless the policy gives that call another action itself.
 */
import { ARCH_TOKENS, type ArchName } from '../arch';
import { halves } from '../bpf/calls';
import type { SeccompData } from '../bpf/emulator';
import { binding } from '../native';
import type { Action, Condition, Policy, Rule } from '../policy';
import { argWidth } from '../syscall-args';
import { syscallNumber } from '../syscalls';

/** The kernel's return values (include/uapi/linux/seccomp.h). */
const RET = { killProcess: 0x80000000, trap: 0x00030000, errno: 0x00050000, log: 0x7ffc0000, allow: 0x7fff0000 } as const;
const AUDIT_ARCH_X86_64 = 0xc000003e;
const X32_SYSCALL_BIT = 0x40000000;
/** The number a tracer uses to skip a call; the kernel filters it like any other. */
const NR_SKIP = 0xffffffff;

export interface Target {
  arch: ArchName;
  /** The violation report: kill-process becomes trap (when the policy can kill at all). */
  report: boolean;
}

/**
 * One condition ready to test on an argument given as its low and high 32-bit halves
 * (unsigned), the way the kernel's registers hold it.
 */
export interface ReferenceCondition {
  arg: number;
  holds: (lo: number, hi: number) => boolean;
  condition: Condition;
  width: 32 | 64;
}

/** One rule as the interpreter holds it: the call's number and conditions ready to test. */
export interface ReferenceRule {
  /** The policy rule (or the reporter's own) this one interprets. */
  source: Rule;
  syscall: string;
  nr: number;
  action: number;
  conditions: ReferenceCondition[];
}

/** What the policy means on one architecture. */
export interface ReferenceModel {
  /** The `seccomp_data.arch` this filter's calls carry. */
  auditArch: number;
  defaultAction: number;
  badArchAction: number;
  rules: ReferenceRule[];
  /** The action the policy gives this call, or a list of actions when its rules disagree. */
  verdict(data: SeccompData): number | number[];
  /** The same for call `at` of a call set's words (src/bpf/calls.ts). */
  verdictAt(calls: Uint32Array, at: number): number | number[];
}

function unsigned(raw: string, width: 32 | 64): bigint {
  return BigInt.asUintN(width, BigInt(raw));
}

function errnoValue(errno: string | number): number {
  const n = typeof errno === 'number' ? errno : binding?.errnos[errno];
  if (n === undefined) throw new Error(`reference: unknown errno ${errno}`);
  return (RET.errno | n) >>> 0;
}

/**
 * The test of one condition on an argument given as halves. At 32 bits only the low half is
 * looked at; at 64 bits the value is hi * 2^32 + lo, so comparisons go by the high halves
 * first. Both sides are unsigned at the width. (One function for every condition, with the
 * condition as data: verification calls it thousands of times before V8 optimises anything.)
 */
function conditionTest(c: Condition, width: 32 | 64): (lo: number, hi: number) => boolean {
  const v = unsigned(c.value, width);
  const mask = c.op === 'masked-eq' ? unsigned(c.mask ?? '0', width) : 0n;
  const test: ConditionWords = {
    op: c.op, wide: width === 64, vLo: Number(v & 0xffffffffn), vHi: Number(v >> 32n),
    mLo: Number(mask & 0xffffffffn), mHi: Number(mask >> 32n),
  };
  return (lo, hi) => holdsOn(test, lo, hi);
}

/** A condition's value and mask as halves (the high ones 0 at 32 bits). */
interface ConditionWords { op: Condition['op']; wide: boolean; vLo: number; vHi: number; mLo: number; mHi: number }

function holdsOn(c: ConditionWords, lo: number, hi: number): boolean {
  if (c.op === 'masked-eq') return ((lo & c.mLo) >>> 0) === c.vLo && (!c.wide || ((hi & c.mHi) >>> 0) === c.vHi);
  // -1, 0 or 1 as the argument, seen at the width, is below, equal to or above the value.
  const order = c.wide && hi !== c.vHi ? (hi < c.vHi ? -1 : 1) : lo < c.vLo ? -1 : lo > c.vLo ? 1 : 0;
  switch (c.op) {
    case 'eq': return order === 0;
    case 'ne': return order !== 0;
    case 'lt': return order < 0;
    case 'le': return order <= 0;
    case 'gt': return order > 0;
    case 'ge': return order >= 0;
  }
}

const REPORTER_RULES: Rule[] = [
  { syscall: 'write', action: 'allow', conditions: [{ arg: 0, op: 'eq', value: '2', width: 32 }] },
  { syscall: 'gettid', action: 'allow' },
];

/** Builds the interpreter for `policy` compiled for `target`. */
export function referenceModel(policy: Policy, target: Target): ReferenceModel {
  const kills = (a: Action) => a === 'kill-process' || a === 'trap';
  const report = target.report && (kills(policy.defaultAction) || policy.rules.some((r) => kills(r.action)));
  const value = (a: Action): number => {
    if (typeof a === 'object') return errnoValue(a.errno);
    if (a === 'kill-process') return report ? RET.trap : RET.killProcess;
    return { trap: RET.trap, log: RET.log, allow: RET.allow }[a];
  };

  const rules = [...policy.rules];
  if (report) {
    for (const extra of REPORTER_RULES) {
      if (!policy.rules.some((r) => r.syscall === extra.syscall && value(r.action) !== RET.allow)) rules.push(extra);
    }
  }

  const model: ReferenceRule[] = [];
  for (const rule of rules) {
    const nr = syscallNumber(rule.syscall, target.arch);
    if (nr === undefined) continue; // does not exist on this architecture
    model.push({
      source: rule,
      syscall: rule.syscall,
      nr,
      action: value(rule.action),
      conditions: (rule.conditions ?? []).map((c) => {
        const width = c.width ?? argWidth(rule.syscall, c.arg);
        return { arg: c.arg, holds: conditionTest(c, width), condition: c, width };
      }),
    });
  }

  const byNumber = new Map<number, ReferenceRule[]>();
  for (const r of model) byNumber.set(r.nr, [...(byNumber.get(r.nr) ?? []), r]);
  const auditArch = target.arch === 'x32' ? AUDIT_ARCH_X86_64 : ARCH_TOKENS[target.arch];
  const defaultAction = value(policy.defaultAction);
  const badArchAction = report ? RET.trap : RET.killProcess;

  const verdictOf = (nrWord: number, archWord: number, args: Uint32Array, at: number): number | number[] => {
    const nr = nrWord >>> 0;
    if (archWord >>> 0 !== auditArch) return badArchAction;
    const x32 = (nr & X32_SYSCALL_BIT) !== 0 && nr !== NR_SKIP;
    if ((target.arch === 'x86_64' && x32) || (target.arch === 'x32' && nr < X32_SYSCALL_BIT)) return badArchAction;
    const actions: number[] = [];
    for (const rule of byNumber.get(nr) ?? []) {
      if (actions.includes(rule.action)) continue; // already known to match
      let holds = true;
      for (const c of rule.conditions) if (!c.holds(args[at + 2 * c.arg], args[at + 2 * c.arg + 1])) { holds = false; break; }
      if (holds) actions.push(rule.action);
    }
    if (actions.length === 0) return defaultAction;
    return actions.length === 1 ? actions[0] : actions;
  };

  return {
    auditArch,
    defaultAction,
    badArchAction,
    rules: model,
    verdict(data: SeccompData): number | number[] {
      const args = new Uint32Array(12);
      (data.args ?? []).forEach((a, i) => { [args[2 * i], args[2 * i + 1]] = halves(a); });
      return verdictOf(data.nr, data.arch, args, 0);
    },
    verdictAt(calls: Uint32Array, at: number): number | number[] {
      return verdictOf(calls[at], calls[at + 1], calls, at + 2);
    },
  };
}
