/**
 * The compiler: a {@link Policy} (names, symbolic actions, argument conditions) becomes
 * the numeric description the native layer hands to libseccomp. Every decision about what
 * the filter contains is made here:
 *
 * - syscall names resolve for the target architecture with the kernel's tables; names that
 *   exist only elsewhere are skipped (and listed), unknown names are errors; libseccomp is
 *   handed numbers, so calls newer than the installed library compile too;
 * - conditions are lowered (src/lowering.ts) into the comparisons libseccomp compiles
 *   correctly: masked equalities, and `!=` on 64-bit arguments in one safe shape. 32-bit
 *   (`int`) arguments are compared on their low half only, so whatever libc leaves in the
 *   upper half cannot dodge or break them;
 * - rules that libseccomp would merge unpredictably (rules with different actions that
 *   some call could match both ways) are refused;
 * - errors name the policy rule (`rules[i]`), and `origins` maps each native rule back to
 *   it, so that libseccomp's own failures can name it too;
 * - with the violation report on, kill-process becomes a trap that the SIGSYS reporter
 *   turns back into death by SIGSYS after writing its line.
 */
import { ARCH_TOKENS, type ArchName } from './arch';
import { SeccompError } from './errors';
import { binding, type NativeCondition, type NativeFilterSpec } from './native';
import { actionToString, sameAction, type Action, type Condition, type Policy, type Rule } from './policy';
import { describeOrigin, originOf } from './rule-origin';
import { requireNoSelfPid } from './self-pid';
import { alternativesOverlap, argumentSet, notAsCubes, U32, U64, type ArgSet, type ArgTest, type Cube } from './lowering';
import { dropCoveredNots, sharedMiddleNots } from './not-equal';
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
  /**
   * Syscalls whose masked comparisons are each split in two (one more bit fixed): a
   * different but equivalent shape, for when libseccomp got the first one wrong (see
   * buildVerified in src/loader.ts).
   */
  reshape?: readonly string[];
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
  /** For each of `spec.rules`, the index of the policy rule it comes from (-1: the reporter's own). */
  origins: number[];
  /** What was compiled, as given: verification interprets it independently of the compiler. */
  policy: Policy;
  options: CompileOptions;
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
/**
 * libseccomp merges a syscall's rules into one tree in time that grows steeply with their
 * number: measured here, 256 varied alternatives took 0.4 s and 512 took 12 s.
 */
const MAX_ALTERNATIVES_PER_SYSCALL = 256;

/**
 * Number of the errno named or given, checked against this platform's errno list. 0 is
 * valid: the call does not run and returns 0, as if it had succeeded (SECCOMP_RET_ERRNO
 * with data 0); it answers callers that must see success for something that must not happen.
 */
export function errnoNumber(errno: string | number): number {
  const errnos = binding?.errnos ?? {};
  if (typeof errno === 'number') {
    // libseccomp takes errnos below MAX_ERRNO (4095) only; 0 skips the call and returns 0.
    if (Number.isInteger(errno) && errno >= 0 && errno < 4095) return errno;
    throw new SeccompError('ERR_SECCOMP_UNKNOWN_ERRNO',
      `errno ${errno} is out of range (0-4094; 0 skips the call and returns 0)`, { errno });
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

/** Architectures whose registers are 32-bit: the kernel passes every argument's upper half as 0. */
const REGISTER_BITS: Partial<Record<ArchName, 32>> = { i386: 32, arm: 32 };

/** A rule as the error messages name it: its place in the policy and what it says. */
export function describeRule(rule: Rule, index: number): string {
  const where = index >= 0 ? `rules[${index}]` : 'the violation reporter\'s rule';
  const ops: Record<Condition['op'], string> = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=', 'masked-eq': '==' };
  const text = (rule.conditions ?? []).map((c) =>
    `arg${c.arg}${c.op === 'masked-eq' ? ` & ${c.mask}` : ''} ${ops[c.op]} ${c.value}`).join(' && ');
  const origin = originOf(rule);
  return `${where} (${rule.syscall}: ${actionToString(rule.action)}${text ? ` if ${text}` : ''}${origin ? `, ${describeOrigin(origin)}` : ''})`;
}

/** A compiler error about one rule, naming it by index (for {@link locateRuleError}). */
function aboutRule(error: unknown, index: number): unknown {
  if (!(error instanceof SeccompError) || index < 0 || error.details.rule !== undefined || error.details.rules !== undefined) return error;
  return new SeccompError(error.code, error.message, { ...error.details, rule: index });
}

interface PolicyRule { rule: Rule; index: number }

/** The rule's conditions grouped by argument, each group as the set of values it admits. */
function argumentSets({ rule, index }: PolicyRule, arch: ArchName): Map<number, ArgSet> {
  const byArg = new Map<number, Condition[]>();
  for (const c of rule.conditions ?? []) byArg.set(c.arg, [...(byArg.get(c.arg) ?? []), c]);
  const sets = new Map<number, ArgSet>();
  for (const [arg, conditions] of [...byArg].sort((a, b) => a[0] - b[0])) {
    const widths = new Set(conditions.map((c) => c.width ?? argWidth(rule.syscall, arg)));
    if (widths.size > 1) {
      throw new SeccompError('ERR_SECCOMP_INVALID_CONDITION',
        `argument ${arg} of ${rule.syscall} is compared both as 32-bit and as 64-bit in ${describeRule(rule, index)}; use one width`,
        { syscall: rule.syscall, arg, rule: index });
    }
    const width: ArgWidth = widths.has(32) ? 32 : 64;
    if (arch === 'x32' && width === 64) {
      throw new SeccompError('ERR_SECCOMP_INVALID_CONDITION',
        `x32 filters compare only the low 32 bits of each argument (libseccomp), so the 64-bit comparison of argument ${arg} ` +
        `in ${describeRule(rule, index)} cannot be expressed; compare it with arg32(${arg}) or compile for x86_64`,
        { syscall: rule.syscall, arg, rule: index });
    }
    sets.set(arg, argumentSet(conditions, { syscall: rule.syscall, arg, width, registerBits: REGISTER_BITS[arch] ?? 64 }));
  }
  return sets;
}

/**
 * A rule's argument sets as alternatives (OR) of test lists (AND): every combination of one
 * option per argument (`byArg`: each argument's options, a test or none). `notAllowed(arg,
 * value)` says whether a `!=` may go to libseccomp as NE; otherwise it becomes cubes too.
 */
function expand({ rule, index }: PolicyRule, sets: Map<number, ArgSet>,
  notAllowed: (arg: number, value: bigint) => boolean, reshape: boolean): { alternatives: ArgTest[][]; byArg: ArgTest[][][] } {
  let alternatives: ArgTest[][] = [[]];
  const byArg: ArgTest[][][] = [];
  for (const [arg, set] of sets) {
    let options: ArgTest[][];
    if (set.kind === 'not' && notAllowed(arg, set.value)) {
      options = [[{ arg, kind: 'not', value: set.value }]];
    } else {
      const cubes = set.kind === 'not' ? notAsCubes(set.value, set.max) : set.cubes;
      options = (reshape ? cubes.flatMap(splitCube) : cubes)
        .map((c) => (c.mask === 0n ? [] : [{ arg, kind: 'cube', mask: c.mask, value: c.value }]));
    }
    byArg.push(options);
    alternatives = alternatives.flatMap((base) => options.map((option) => [...base, ...option]));
    if (alternatives.length > MAX_ALTERNATIVES_PER_RULE) {
      throw new SeccompError('ERR_SECCOMP_FILTER_TOO_LARGE',
        `the conditions of ${describeRule(rule, index)} expand to more than ${MAX_ALTERNATIVES_PER_RULE} alternatives ` +
        'of masked comparisons (ranges and != on several arguments multiply); split the rule or use fewer ranges',
        { syscall: rule.syscall, rule: index });
    }
  }
  return { alternatives, byArg };
}

/**
 * A cube as the two halves its highest free bit (below bit 32, where 32-bit arguments end)
 * splits it into: the same values, other masked comparisons. A point stays one.
 */
function splitCube(c: Cube): Cube[] {
  const free = ~c.mask & U32;
  if (free === 0n) return [c];
  let bit = 1n;
  while (bit <= free >> 1n) bit <<= 1n;
  return [{ mask: c.mask | bit, value: c.value }, { mask: c.mask | bit, value: c.value | bit }];
}

interface ExpandedRule extends PolicyRule { alternatives: ArgTest[][]; byArg: ArgTest[][][] }

/**
 * True when some alternative of `a` and some of `b` can match the same call. Alternatives are
 * every combination of one option per argument, so that holds exactly when, argument by
 * argument, some option of each overlaps: checked per argument, which costs the sum of the
 * arguments' option pairs instead of the product of the alternatives.
 */
function rulesOverlap(a: ExpandedRule, b: ExpandedRule): boolean {
  if (a.alternatives.length === 0 || b.alternatives.length === 0) return false;
  for (const optionsA of a.byArg) {
    const arg = optionsA.find((o) => o.length > 0)?.[0].arg;
    if (arg === undefined) continue; // an option without a test: any value
    const optionsB = b.byArg.find((options) => options.some((o) => o.length > 0 && o[0].arg === arg));
    if (!optionsB) continue; // `b` does not look at this argument
    if (!optionsA.some((x) => optionsB.some((y) => alternativesOverlap(x, y)))) return false;
  }
  return true;
}

/**
 * Refuses rules with different actions that some call could match both ways: libseccomp
 * does not define which wins. The check is exact on the lowered alternatives, so
 * exclusive conditions written any way (values, ranges, masks) are accepted.
 */
function checkConflicts(syscall: string, rules: ExpandedRule[]): void {
  for (let i = 0; i < rules.length; i++) {
    for (let j = i + 1; j < rules.length; j++) {
      const [a, b] = [rules[i], rules[j]];
      if (sameAction(a.rule.action, b.rule.action)) continue;
      if (!rulesOverlap(a, b)) continue;
      const unconditional = [a, b].find((r) => !r.rule.conditions?.length);
      throw new SeccompError('ERR_SECCOMP_RULE_CONFLICT',
        unconditional
          ? `${syscall} has an unconditional "${actionToString(unconditional.rule.action)}" rule and a ` +
            `"${actionToString((unconditional === a ? b : a).rule.action)}" rule (${describeRule(a.rule, a.index)} and ` +
            `${describeRule(b.rule, b.index)}); libseccomp would silently drop one of them. Give the first one conditions ` +
            'that exclude the second (for example arg(0).ne(...)), or remove one'
          : `two ${syscall} rules with different actions can match the same call (${describeRule(a.rule, a.index)} and ` +
            `${describeRule(b.rule, b.index)}), and libseccomp does not define which wins. Make their conditions exclusive ` +
            '(compare the same argument with values that exclude each other)',
        { syscall, rules: [a.index, b.index] });
    }
  }
}

/**
 * The order libseccomp gets a syscall's alternatives in: by the arguments they compare,
 * lexicographically. libseccomp's tree pruning recurses through every sibling of a level
 * for each level of the new rule that sorts before it, which is exponential when a rule
 * comparing arg0 arrives after many comparing only arg2 (seen here: 56 such rules took 5 s,
 * 60 took 19 s). In this order a new rule never sorts before the tree it joins.
 */
function byArguments(a: readonly NativeCondition[], b: readonly NativeCondition[]): number {
  const args = (c: readonly NativeCondition[]) => c.map((x) => x.arg).sort((x, y) => x - y);
  const [x, y] = [args(a), args(b)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

function largest(rules: ExpandedRule[]): [Rule, number] {
  const top = rules.reduce((a, b) => (b.alternatives.length > a.alternatives.length ? b : a));
  return [top.rule, top.index];
}

/**
 * The tests as libseccomp comparisons. A full-mask cube is a plain EQ, except on an
 * argument that also has an NE in this syscall: libseccomp's tree pruning takes EQ and NE
 * nodes of the same value for the same node, and a masked comparison cannot be mistaken.
 */
function nativeConditions(tests: readonly ArgTest[], notArgs: ReadonlySet<number>): NativeCondition[] {
  return tests.map((t) => {
    if (t.kind === 'not') return { arg: t.arg, op: OPS.ne, a: t.value, b: 0n };
    if (t.mask === U64 && !notArgs.has(t.arg)) return { arg: t.arg, op: OPS.eq, a: t.value, b: 0n };
    return { arg: t.arg, op: OPS['masked-eq'], a: t.mask, b: t.value };
  });
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
  const rules: PolicyRule[] = policy.rules.map((rule, index) => ({ rule, index }));
  if (report) {
    for (const extra of REPORTER_RULES) {
      const clash = policy.rules.some((r) => r.syscall === extra.syscall && !sameAction(r.action, 'allow'));
      if (!clash) rules.push({ rule: extra, index: -1 });
    }
  }

  const skipped = new Set<string>();
  const bySyscall = new Map<string, { nr: number; ruleNumber: number | undefined; rules: (PolicyRule & { sets: Map<number, ArgSet> })[] }>();
  for (const entry of rules) {
    try {
      const resolution = resolveSyscall(entry.rule.syscall, options.arch);
      actionValue(entry.rule.action, report); // validates errno names early, with the rule at hand
      if (resolution.kind === 'elsewhere') { skipped.add(entry.rule.syscall); continue; }
      const group = bySyscall.get(entry.rule.syscall) ?? { nr: resolution.nr, ruleNumber: resolution.ruleNumber, rules: [] };
      group.rules.push({ ...entry, sets: argumentSets(entry, options.arch) });
      bySyscall.set(entry.rule.syscall, group);
    } catch (error) {
      throw aboutRule(error, entry.index);
    }
  }

  const defaultAction = actionValue(policy.defaultAction, report);
  const nativeRules: { syscall: string; action: number; conditions: NativeCondition[] }[] = [];
  const origins: number[] = [];
  for (const [syscall, group] of bySyscall) {
    // Most syscalls of a policy have only unconditional rules with one action (the default
    // profile: 190 of 200): the general path below would end in the same single native rule
    // (or none, for the default action), so it is taken only where there is more to decide.
    const action = actionValue(group.rules[0].rule.action, report);
    if (group.rules.every((r) => r.sets.size === 0 && actionValue(r.rule.action, report) === action)) {
      if (action !== defaultAction) {
        nativeRules.push({ syscall, action, conditions: [] });
        origins.push(group.rules[0].index);
      }
      continue;
    }
    const reshaped = options.reshape?.includes(syscall) ?? false;
    // Which `!=` go to libseccomp as NE (see src/not-equal.ts); the others become cubes.
    const sets = dropCoveredNots(group.rules.map((r) => ({ action: actionValue(r.rule.action, report), sets: r.sets })));
    const notValue = new Map<number, bigint>();
    for (const ruleSets of sets) {
      for (const [arg, set] of ruleSets) if (set.kind === 'not' && !notValue.has(arg)) notValue.set(arg, set.value);
    }
    const lowered = new Set<string>();
    let expanded: ExpandedRule[];
    for (;;) {
      expanded = group.rules.map((r, i) => ({ rule: r.rule, index: r.index,
        ...expand(r, sets[i], (arg, value) => notValue.get(arg) === value && !lowered.has(`${i}:${arg}`), reshaped) }));
      const shared = sharedMiddleNots(expanded.flatMap((r, i) => r.alternatives.map((tests) => ({ rule: i, tests }))),
        REGISTER_BITS[options.arch] === 32);
      if (shared.length === 0) break;
      for (const key of shared) lowered.add(key);
    }
    expanded = expanded.filter((r) => r.alternatives.length > 0); // contradictory conditions match nothing
    checkConflicts(syscall, expanded);
    const notArgs = new Set(expanded.flatMap((r) => r.alternatives.flat().filter((t) => t.kind === 'not').map((t) => t.arg)));
    // After the check, an unconditional rule and any others share its action: it alone decides.
    const unconditional = expanded.find((r) => r.alternatives.some((alt) => alt.length === 0));
    const emitted = (unconditional ? [{ ...unconditional, alternatives: [[]] }] : expanded)
      .filter((r) => actionValue(r.rule.action, report) !== defaultAction); // libseccomp rejects rules that repeat the default
    const total = emitted.reduce((n, r) => n + r.alternatives.length, 0);
    if (total > MAX_ALTERNATIVES_PER_SYSCALL) {
      throw new SeccompError('ERR_SECCOMP_FILTER_TOO_LARGE',
        `the rules for ${syscall} expand to ${total} alternatives of masked comparisons, more than the ` +
        `${MAX_ALTERNATIVES_PER_SYSCALL} libseccomp can merge in reasonable time; the largest is ` +
        `${describeRule(...largest(emitted))}. Use fewer ranges and != comparisons, or split the work among rules ` +
        'that compare single values', { syscall, alternatives: total });
    }
    const natives = emitted.flatMap(({ rule, index, alternatives }) => alternatives.map((tests) => ({
      index, rule: { syscall, action: actionValue(rule.action, report), conditions: nativeConditions(tests, notArgs) },
    })));
    for (const { index, rule } of natives.sort((a, b) => byArguments(a.rule.conditions, b.rule.conditions))) {
      nativeRules.push(rule);
      origins.push(index);
    }
  }

  // A foreign-architecture filter reaches libseccomp by name; calls it cannot name go in
  // under stand-ins that the export renumbers (src/standin-syscalls.ts).
  const missing = [...new Set(nativeRules.map((r) => r.syscall))]
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
      rules: nativeRules.map(({ syscall, action, conditions }) => ({ syscall: ruleNumber(syscall), action, conditions })),
    },
    skipped: [...skipped].sort(),
    standins,
    origins,
    policy,
    options: { ...options },
  };
}
