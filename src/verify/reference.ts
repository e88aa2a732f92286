/**
 * The reference interpreter: what a policy means, for one system call, read straight from
 * the documented semantics (README, "Conditions", "Rule semantics", "Actions", "Violation
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

/** One rule as the interpreter holds it: the call's number and conditions ready to test. */
export interface ReferenceRule {
  /** The policy rule (or the reporter's own) this one interprets. */
  source: Rule;
  syscall: string;
  nr: number;
  action: number;
  conditions: { arg: number; test: (x: bigint) => boolean; condition: Condition; width: 32 | 64 }[];
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
}

function unsigned(raw: string, width: 32 | 64): bigint {
  return BigInt.asUintN(width, BigInt(raw));
}

function errnoValue(errno: string | number): number {
  const n = typeof errno === 'number' ? errno : binding?.errnos[errno];
  if (n === undefined) throw new Error(`reference: unknown errno ${errno}`);
  return (RET.errno | n) >>> 0;
}

function conditionTest(c: Condition, width: 32 | 64): (x: bigint) => boolean {
  const v = unsigned(c.value, width);
  // The argument as the comparison sees it: its low half, or all of it (unsigned).
  const view = (x: bigint) => BigInt.asUintN(width, x);
  switch (c.op) {
    case 'eq': return (x) => view(x) === v;
    case 'ne': return (x) => view(x) !== v;
    case 'lt': return (x) => view(x) < v;
    case 'le': return (x) => view(x) <= v;
    case 'gt': return (x) => view(x) > v;
    case 'ge': return (x) => view(x) >= v;
    case 'masked-eq': {
      const mask = unsigned(c.mask ?? '0', width);
      return (x) => (view(x) & mask) === v;
    }
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
        return { arg: c.arg, test: conditionTest(c, width), condition: c, width };
      }),
    });
  }

  const byNumber = new Map<number, ReferenceRule[]>();
  for (const r of model) byNumber.set(r.nr, [...(byNumber.get(r.nr) ?? []), r]);
  const auditArch = target.arch === 'x32' ? AUDIT_ARCH_X86_64 : ARCH_TOKENS[target.arch];
  const defaultAction = value(policy.defaultAction);
  const badArchAction = report ? RET.trap : RET.killProcess;

  return {
    auditArch,
    defaultAction,
    badArchAction,
    rules: model,
    verdict(data: SeccompData): number | number[] {
      const nr = data.nr >>> 0;
      if (data.arch >>> 0 !== auditArch) return badArchAction;
      const x32 = (nr & X32_SYSCALL_BIT) !== 0 && nr !== NR_SKIP;
      if ((target.arch === 'x86_64' && x32) || (target.arch === 'x32' && nr < X32_SYSCALL_BIT)) return badArchAction;
      const args = data.args ?? [];
      const actions: number[] = [];
      for (const rule of byNumber.get(nr) ?? []) {
        if (actions.includes(rule.action)) continue; // already known to match
        let holds = true;
        for (const c of rule.conditions) if (!c.test(args[c.arg] ?? 0n)) { holds = false; break; }
        if (holds) actions.push(rule.action);
      }
      if (actions.length === 0) return defaultAction;
      return actions.length === 1 ? actions[0] : actions;
    },
  };
}
