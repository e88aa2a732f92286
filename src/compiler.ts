/**
 * The compiler: a {@link Policy} (names, symbolic actions, argument conditions) becomes
 * the numeric description the native layer hands to libseccomp. Every decision about what
 * the filter contains is made here:
 *
 * - syscall names resolve for the target architecture with the kernel's tables; names that
 *   exist only elsewhere are skipped (and listed), unknown names are errors; libseccomp is
 *   handed numbers, so calls newer than the installed library compile too;
 * - conditions on 32-bit (`int`) arguments become masked comparisons of the low half, so
 *   whatever libc leaves in the upper half cannot dodge or break them;
 * - rules that libseccomp would merge unpredictably (an unconditional rule next to
 *   conditional ones with another action, or overlapping conditions with different
 *   actions) are refused, so the filter always does what the policy says;
 * - with the violation report on, kill-process becomes a trap that the SIGSYS reporter
 *   turns back into death by SIGSYS after writing its line.
 */
import { ARCH_TOKENS, type ArchName } from './arch';
import { SeccompError } from './errors';
import { binding, type NativeCondition, type NativeFilterSpec } from './native';
import { actionToString, sameAction, type Action, type Condition, type Policy, type Rule } from './policy';
import { requireNoSelfPid } from './self-pid';
import { argWidth, type ArgWidth } from './syscall-args';
import { chooseStandins, type Standin } from './standin-syscalls';
import { closestName, resolveSyscall, syscallTable } from './syscalls';

export interface CompileOptions {
  /** Target architecture; default the native one. */
  arch: ArchName;
  /** Turn kill-process into trap + SIGSYS reporter (only meaningful for filters loaded in-process). */
  report: boolean;
  /** libseccomp's layout: 1 = ordered by priority (linear), 2 = binary tree over syscall numbers. */
  optimize: 1 | 2;
}

export interface CompiledFilter {
  spec: NativeFilterSpec;
  /** Names in the policy that do not exist on the target architecture and were left out. */
  skipped: string[];
  /**
   * Calls added under a stand-in because the installed libseccomp cannot name them for this
   * (foreign) architecture; exporting the program renumbers them (src/standin-syscalls.ts).
   */
  standins: Standin[];
}

const ACTION_VALUES = {
  'kill-process': 0x80000000,
  trap: 0x00030000,
  log: 0x7ffc0000,
  allow: 0x7fff0000,
} as const;
const ERRNO_BASE = 0x00050000;

// libseccomp's enum scmp_compare.
const OPS = { ne: 1, lt: 2, le: 3, eq: 4, ge: 5, gt: 6, 'masked-eq': 7 } as const;

const MAX_ALTERNATIVES_PER_RULE = 256;
const U32 = 0xffffffffn;
const U64 = (1n << 64n) - 1n;

/**
 * Number of the errno named or given, checked against this platform's errno list. 0 is
 * valid: the call does not run and returns 0, as if it had succeeded (SECCOMP_RET_ERRNO
 * with data 0); it answers callers that must see success for something that must not happen.
 */
export function errnoNumber(errno: string | number): number {
  const errnos = binding?.errnos ?? {};
  if (typeof errno === 'number') {
    if (Number.isInteger(errno) && errno >= 0 && errno < 4096) return errno;
    throw new SeccompError('ERR_SECCOMP_UNKNOWN_ERRNO',
      `errno ${errno} is out of range (0-4095; 0 skips the call and returns 0)`, { errno });
  }
  const value = errnos[errno];
  if (value !== undefined) return value;
  const suggestion = closestName(errno, Object.keys(errnos));
  throw new SeccompError('ERR_SECCOMP_UNKNOWN_ERRNO',
    `unknown errno name "${errno}"` + (suggestion ? `; did you mean "${suggestion}"?` : '') +
    ' (use a name such as EPERM, EACCES or ENOSYS, or a number)', { errno, suggestion });
}

export function actionValue(action: Action, report: boolean): number {
  if (typeof action === 'object') return (ERRNO_BASE | errnoNumber(action.errno)) >>> 0;
  if (action === 'kill-process' && report) return ACTION_VALUES.trap;
  return ACTION_VALUES[action];
}

/** A set of values `(x & mask) == value` over one argument. */
interface Pattern { mask: bigint; value: bigint }

/** Inclusive ranges [lo, hi], sorted and disjoint. */
type Ranges = [bigint, bigint][];

function toUnsigned(condition: Condition, raw: string, width: ArgWidth, syscall: string): bigint {
  const value = BigInt(raw);
  const bits = BigInt(width);
  const limit = 1n << bits;
  if (value < -(limit >> 1n) || value >= limit) {
    throw new SeccompError('ERR_SECCOMP_VALUE_OUT_OF_RANGE',
      `argument ${condition.arg} of ${syscall} is compared as a ${width}-bit value, and ${value} does not fit; ` +
      (width === 32 ? 'use arg64() if this argument really is 64-bit' : 'use a value within 64 bits'),
      { syscall, arg: condition.arg, value: raw, width });
  }
  return value < 0n ? value + limit : value;
}

function intersectRanges(a: Ranges, b: Ranges): Ranges {
  const out: Ranges = [];
  for (const [alo, ahi] of a) {
    for (const [blo, bhi] of b) {
      const lo = alo > blo ? alo : blo;
      const hi = ahi < bhi ? ahi : bhi;
      if (lo <= hi) out.push([lo, hi]);
    }
  }
  return out.sort((x, y) => (x[0] < y[0] ? -1 : 1));
}

function rangesFor(op: Exclude<Condition['op'], 'masked-eq'>, v: bigint, max: bigint): Ranges {
  switch (op) {
    case 'eq': return [[v, v]];
    case 'ne': return [...(v > 0n ? [[0n, v - 1n] as [bigint, bigint]] : []), ...(v < max ? [[v + 1n, max] as [bigint, bigint]] : [])];
    case 'lt': return v > 0n ? [[0n, v - 1n]] : [];
    case 'le': return [[0n, v]];
    case 'gt': return v < max ? [[v + 1n, max]] : [];
    case 'ge': return [[v, max]];
  }
}

/** Splits a range into aligned power-of-two blocks, each one masked comparison. */
function rangeToPatterns([lo, hi]: [bigint, bigint], max: bigint): Pattern[] {
  const out: Pattern[] = [];
  let start = lo;
  while (start <= hi) {
    let size = 1n;
    while (start % (size * 2n) === 0n && start + size * 2n - 1n <= hi && size * 2n <= max + 1n) size *= 2n;
    out.push({ mask: max ^ (size - 1n), value: start });
    start += size;
  }
  return out;
}

/**
 * The conditions on one 32-bit argument as alternatives of masked comparisons of its low
 * half. Range comparisons (eq, ne, lt...) become aligned blocks; masked-eq conditions
 * merge into one pattern. An empty result means the conditions contradict each other.
 */
function patterns32(conditions: Condition[], syscall: string): Pattern[] {
  let ranges: Ranges = [[0n, U32]];
  let fixed: Pattern = { mask: 0n, value: 0n };
  for (const c of conditions) {
    const v = toUnsigned(c, c.value, 32, syscall);
    if (c.op === 'masked-eq') {
      const mask = toUnsigned(c, c.mask ?? '0', 32, syscall);
      const value = v & mask;
      if (((fixed.value ^ value) & fixed.mask & mask) !== 0n) return [];
      fixed = { mask: fixed.mask | mask, value: fixed.value | value };
    } else {
      ranges = intersectRanges(ranges, rangesFor(c.op, v, U32));
    }
  }
  const out: Pattern[] = [];
  for (const block of ranges.flatMap((r) => rangeToPatterns(r, U32))) {
    if (((block.value ^ fixed.value) & block.mask & fixed.mask) !== 0n) continue;
    out.push({ mask: block.mask | fixed.mask, value: (block.value & block.mask) | (fixed.value & fixed.mask) });
  }
  return out;
}

/** A rule's conditions as alternatives (OR) of native comparison lists (AND). */
function compileConditions(rule: Rule): NativeCondition[][] {
  const byArg = new Map<number, Condition[]>();
  for (const c of rule.conditions ?? []) byArg.set(c.arg, [...(byArg.get(c.arg) ?? []), c]);
  let alternatives: NativeCondition[][] = [[]];
  for (const [index, conditions] of [...byArg].sort((a, b) => a[0] - b[0])) {
    const widths = new Set(conditions.map((c) => c.width ?? argWidth(rule.syscall, index)));
    if (widths.size > 1) {
      throw new SeccompError('ERR_SECCOMP_INVALID_CONDITION',
        `argument ${index} of ${rule.syscall} is compared both as 32-bit and as 64-bit; use one width`,
        { syscall: rule.syscall, arg: index });
    }
    let options: NativeCondition[][];
    if (widths.has(32)) {
      options = patterns32(conditions, rule.syscall).map((p) =>
        p.mask === 0n ? [] : [{ arg: index, op: OPS['masked-eq'], a: p.mask, b: p.value }]);
    } else {
      options = [conditions.map((c) => {
        const value = toUnsigned(c, c.value, 64, rule.syscall);
        return c.op === 'masked-eq'
          ? { arg: index, op: OPS['masked-eq'], a: toUnsigned(c, c.mask ?? '0', 64, rule.syscall), b: value }
          : { arg: index, op: OPS[c.op], a: value, b: 0n };
      })];
    }
    alternatives = alternatives.flatMap((base) => options.map((option) => [...base, ...option]));
    if (alternatives.length > MAX_ALTERNATIVES_PER_RULE) {
      throw new SeccompError('ERR_SECCOMP_FILTER_TOO_LARGE',
        `the conditions of a ${rule.syscall} rule expand to more than ${MAX_ALTERNATIVES_PER_RULE} comparisons; ` +
        'simplify them (fewer ranges or ne comparisons on int arguments)', { syscall: rule.syscall });
    }
  }
  return alternatives;
}

/** The values a range comparison on one argument admits, as an inclusive interval. */
function interval(c: NativeCondition): [bigint, bigint] | undefined {
  switch (c.op) {
    case OPS.eq: return [c.a, c.a];
    case OPS.lt: return [0n, c.a - 1n];
    case OPS.le: return [0n, c.a];
    case OPS.gt: return [c.a + 1n, U64];
    case OPS.ge: return [c.a, U64];
    default: return undefined;
  }
}

/**
 * True when some call could satisfy both alternatives. Conservative: it proves
 * disjointness only from two comparisons of the same argument that exclude each other
 * (contradicting masked patterns, disjoint ranges, or `eq v` against `ne v`); anything
 * else counts as a possible overlap.
 */
function mayOverlap(a: NativeCondition[], b: NativeCondition[]): boolean {
  const exact = (c: NativeCondition): Pattern | undefined =>
    c.op === OPS['masked-eq'] ? { mask: c.a, value: c.b } : c.op === OPS.eq ? { mask: U64, value: c.a } : undefined;
  const contradicts = (x: NativeCondition, y: NativeCondition): boolean => {
    if (x.arg !== y.arg) return false;
    const px = exact(x);
    const py = exact(y);
    if (px && py) return ((px.value ^ py.value) & px.mask & py.mask) !== 0n;
    const ix = interval(x);
    const iy = interval(y);
    if (ix && iy) return ix[1] < iy[0] || iy[1] < ix[0];
    return (x.op === OPS.eq && y.op === OPS.ne && x.a === y.a) || (x.op === OPS.ne && y.op === OPS.eq && x.a === y.a);
  };
  return !a.some((x) => b.some((y) => contradicts(x, y)));
}

interface ExpandedRule { rule: Rule; alternatives: NativeCondition[][] }

function checkConflicts(syscall: string, rules: ExpandedRule[]): ExpandedRule[] {
  const unconditional = rules.filter((r) => r.alternatives.some((alt) => alt.length === 0));
  if (unconditional.length > 0) {
    const action = unconditional[0].rule.action;
    const other = rules.find((r) => !sameAction(r.rule.action, action));
    if (other) {
      throw new SeccompError('ERR_SECCOMP_RULE_CONFLICT',
        `${syscall} has an unconditional "${actionToString(action)}" rule and a "${actionToString(other.rule.action)}" rule; ` +
        'libseccomp would silently drop one of them. Give the first one conditions that exclude the second ' +
        '(for example arg(0).ne(...)), or remove one', { syscall });
    }
    return [{ rule: unconditional[0].rule, alternatives: [[]] }];
  }
  for (let i = 0; i < rules.length; i++) {
    for (let j = i + 1; j < rules.length; j++) {
      if (sameAction(rules[i].rule.action, rules[j].rule.action)) continue;
      for (const a of rules[i].alternatives) {
        for (const b of rules[j].alternatives) {
          if (mayOverlap(a, b)) {
            throw new SeccompError('ERR_SECCOMP_RULE_CONFLICT',
              `two ${syscall} rules with different actions ("${actionToString(rules[i].rule.action)}" and ` +
              `"${actionToString(rules[j].rule.action)}") can match the same call, and libseccomp does not define ` +
              'which wins. Make their conditions exclusive (compare the same argument with different values)', { syscall });
          }
        }
      }
    }
  }
  return rules;
}

/** What the SIGSYS reporter itself needs: writing its line to stderr and naming the thread. */
const REPORTER_RULES: Rule[] = [
  { syscall: 'write', action: 'allow', conditions: [{ arg: 0, op: 'eq', value: '2', width: 32 }] },
  { syscall: 'gettid', action: 'allow' },
];

function canKill(policy: Policy): boolean {
  const kills = (a: Action) => a === 'kill-process' || a === 'trap';
  return kills(policy.defaultAction) || policy.rules.some((r) => kills(r.action));
}

export function compile(policy: Policy, options: CompileOptions): CompiledFilter {
  requireNoSelfPid(policy); // `$pid` is bound before compiling (src/self-pid.ts)
  const report = options.report && canKill(policy);
  const rules = [...policy.rules];
  if (report) {
    for (const extra of REPORTER_RULES) {
      const clash = rules.some((r) => r.syscall === extra.syscall && !sameAction(r.action, 'allow'));
      if (!clash) rules.push(extra);
    }
  }

  const skipped = new Set<string>();
  const bySyscall = new Map<string, { nr: number; ruleNumber: number | undefined; rules: ExpandedRule[] }>();
  for (const rule of rules) {
    const resolution = resolveSyscall(rule.syscall, options.arch);
    actionValue(rule.action, report); // validates errno names early, with the rule at hand
    if (resolution.kind === 'elsewhere') { skipped.add(rule.syscall); continue; }
    const alternatives = compileConditions(rule);
    if (alternatives.length === 0) continue; // contradictory conditions: matches nothing
    const entry = bySyscall.get(rule.syscall) ?? { nr: resolution.nr, ruleNumber: resolution.ruleNumber, rules: [] };
    entry.rules.push({ rule, alternatives });
    bySyscall.set(rule.syscall, entry);
  }

  const defaultAction = actionValue(policy.defaultAction, report);
  const emitted: { syscall: string; action: number; conditions: NativeCondition[] }[] = [];
  for (const [syscall, entry] of bySyscall) {
    for (const { rule, alternatives } of checkConflicts(syscall, entry.rules)) {
      const action = actionValue(rule.action, report);
      if (action === defaultAction) continue; // libseccomp rejects rules that repeat the default
      for (const conditions of alternatives) emitted.push({ syscall, action, conditions });
    }
  }

  // A foreign-architecture filter reaches libseccomp by name; calls it cannot name go in
  // under stand-ins that the export renumbers (src/standin-syscalls.ts).
  const missing = [...new Set(emitted.map((r) => r.syscall))]
    .filter((syscall) => bySyscall.get(syscall)!.ruleNumber === undefined)
    .map((syscall) => ({ syscall, nr: bySyscall.get(syscall)!.nr }));
  const standins = chooseStandins(options.arch, missing, new Set([...bySyscall.values()].map((e) => e.nr)));
  const ruleNumber = (syscall: string) =>
    bySyscall.get(syscall)!.ruleNumber ?? standins.find((s) => s.syscall === syscall)!.ruleNumber;

  return {
    spec: {
      arch: ARCH_TOKENS[options.arch],
      defaultAction,
      badArchAction: report ? ACTION_VALUES.trap : ACTION_VALUES['kill-process'],
      // Stand-ins are renumbered exactly only in the linear layout (equality tests only).
      optimize: standins.length > 0 ? 1 : options.optimize,
      report,
      tsync: true,
      ...(report ? { syscallNames: syscallTable(options.arch) } : {}),
      rules: emitted.map(({ syscall, action, conditions }) => ({ syscall: ruleNumber(syscall), action, conditions })),
    },
    skipped: [...skipped].sort(),
    standins,
  };
}
