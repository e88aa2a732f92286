/**
 * Which `!=` comparisons of one syscall's rules may go to libseccomp as NE.
 *
 * Lowered, `x != v` on a 64-bit argument is 64 masked blocks, and two of them in one rule
 * 4096 alternatives, so NE is worth keeping. But libseccomp 2.5.4 builds an NE that has
 * further comparisons after it with one sub-tree shared by both of its "differs" branches,
 * and when a second rule goes through the same NE node and continues too, merging the two
 * can link a tree level into a cycle: seccomp_rule_add never returns (seen here with two
 * rules `arg0 != 27 && arg3 & M == V`). It also mis-handles NE nodes next to equal EQ ones
 * and sibling NE values (see src/lowering.ts). So an NE is passed through only:
 * - on a 64-bit argument whose every NE in this syscall has the same value, and
 * - as the last comparison of its alternative, or as the only alternative that goes
 *   through that node (the same comparisons before it and the same NE). On 32-bit
 *   architectures (one node per comparison) only as the last: the node's sibling is laid
 *   out right after it, so a failed comparison after the NE reaches that sibling with the
 *   wrong word in the accumulator (the fuzzer found this on i386 and arm).
 * Every other `!=` becomes masked blocks.
 *
 * Before that, a `!=` that excludes only calls another rule with the same action admits
 * anyway is dropped: `a0 == 31 && a1 == 0` and `a0 == 31 && a1 != 0 && a2 != 0` (both
 * allow) become `a0 == 31 && a1 == 0` and `a0 == 31 && a2 != 0`. That keeps the shapes
 * above within reach for policies that spell out every case, as @node's rt_sigaction does.
 */
import { U64, type ArgSet, type ArgTest, type Cube } from './lowering';

/** A rule's argument sets and the action the filter gives it. */
export interface RuleSets { action: number; sets: Map<number, ArgSet> }

function cubeHolds(c: Cube, v: bigint): boolean { return (v & c.mask) === c.value; }

/** Sufficient test for `inner ⊆ outer` (undefined: no condition, every value). */
function contained(inner: ArgSet | undefined, outer: ArgSet | undefined): boolean {
  const everything = (s: ArgSet | undefined) => s === undefined || (s.kind === 'cubes' && s.cubes.some((c) => c.mask === 0n));
  if (everything(outer)) return true;
  if (inner === undefined || outer === undefined) return false;
  if (inner.kind === 'not') return outer.kind === 'not' && outer.value === inner.value;
  if (outer.kind === 'not') return inner.cubes.every((c) => !cubeHolds(c, outer.value));
  // Each inner cube inside some outer cube: it fixes at least the outer's bits, to the same values.
  return inner.cubes.every((x) => outer.cubes.some((y) => (x.mask & y.mask) === y.mask && (x.value & y.mask) === y.value));
}

/**
 * Drops `!=` conditions whose excluded calls another rule of the same action covers
 * (the rule then admits those calls too, which the other rule already gives that action).
 */
export function dropCoveredNots(rules: readonly RuleSets[]): Map<number, ArgSet>[] {
  const result = rules.map((r) => new Map(r.sets));
  rules.forEach((rule, i) => {
    for (const [arg, set] of rule.sets) {
      if (set.kind !== 'not') continue;
      // The calls this condition excludes: the rule's other conditions, and arg == value.
      const excluded = new Map(result[i]);
      excluded.set(arg, { kind: 'cubes', cubes: [{ mask: U64, value: set.value }] });
      const covered = rules.some((other, j) => j !== i && other.action === rule.action &&
        [...other.sets].every(([b, outer]) => contained(excluded.get(b), outer)));
      if (covered) result[i].delete(arg);
    }
  });
  return result;
}

/**
 * The (rule, argument) pairs whose NE would be a middle node shared with another
 * alternative: key "rule:arg". The first rule through a shared node keeps its NE when it
 * goes through it with a single alternative; everyone else's is lowered.
 */
export function sharedMiddleNots(alternatives: readonly { rule: number; tests: readonly ArgTest[] }[],
  narrowRegisters: boolean): string[] {
  const users = new Map<string, { rule: number; arg: number }[]>();
  const lower = new Set<string>();
  for (const { rule, tests } of alternatives) {
    const sorted = [...tests].sort((a, b) => a.arg - b.arg);
    sorted.forEach((t, k) => {
      if (t.kind !== 'not' || k === sorted.length - 1) return;
      if (narrowRegisters) { lower.add(`${rule}:${t.arg}`); return; }
      const key = JSON.stringify(sorted.slice(0, k + 1), (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
      users.set(key, [...(users.get(key) ?? []), { rule, arg: t.arg }]);
    });
  }
  for (const list of users.values()) {
    if (list.length < 2) continue;
    const keeper = list.filter((u) => u.rule === list[0].rule).length === 1 ? list[0].rule : -1;
    for (const u of list) if (u.rule !== keeper) lower.add(`${u.rule}:${u.arg}`);
  }
  return [...lower];
}
