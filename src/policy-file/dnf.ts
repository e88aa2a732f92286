/**
 * Boolean expressions over argument comparisons, in disjunctive normal form. A policy rule
 * holds one AND of conditions, so an expression with `||` becomes one rule per alternative,
 * all with the same action.
 */
import { holdsAt } from '../conditions';
import type { Condition } from '../policy';

/** Any alternative (OR) whose conditions all hold (AND). */
export type Dnf = Condition[][];

export const TRUE: Dnf = [[]];
export const FALSE: Dnf = [];

/**
 * More rules than this from one line is almost surely a mistake, and negating an
 * expression (for `; return ERRNO`) grows it multiplicatively, so it is bounded.
 */
export const MAX_ALTERNATIVES = 256;

export type Width = 32 | 64;

export function and(a: Dnf, b: Dnf): Dnf {
  return a.flatMap((x) => b.map((y) => [...x, ...y]));
}

/** `value` as an unsigned number of `width` bits (two's complement for negatives). */
export function unsigned(value: bigint, width: Width): bigint {
  return value & ((1n << BigInt(width)) - 1n);
}

function bits(value: bigint, width: Width): bigint[] {
  const out: bigint[] = [];
  for (let bit = 1n, v = unsigned(value, width); v !== 0n; bit <<= 1n, v >>= 1n) {
    if (v & 1n) out.push(bit);
  }
  return out;
}

function masked(base: Condition, mask: bigint, value: bigint): Condition {
  return { arg: base.arg, op: 'masked-eq', value: String(value), mask: String(mask),
    ...(base.width === undefined ? {} : { width: base.width }) };
}

/**
 * `(arg & mask) != 0`, minijail's `argN & MASK`. There is no masked not-equal comparison in
 * a policy, so it is "some bit of the mask is set": one alternative per bit.
 */
export function anyBitSet(base: Condition, mask: bigint, width: Width): Dnf {
  return bits(mask, width).map((bit) => [masked(base, bit, bit)]);
}

const OPPOSITE = { eq: 'ne', ne: 'eq', lt: 'ge', ge: 'lt', le: 'gt', gt: 'le' } as const;

/** Alternatives that hold exactly when `c` does not. */
export function negateCondition(c: Condition, width: Width): Dnf {
  if (c.op !== 'masked-eq') return [[{ ...c, op: OPPOSITE[c.op] }]];
  const mask = unsigned(BigInt(c.mask ?? '0'), width);
  const value = unsigned(BigInt(c.value), width);
  if ((value & ~mask) !== 0n) return TRUE; // could never hold, so its negation always does
  // (arg & mask) != value: some bit of the mask differs from value's bit there.
  return bits(mask, width).map((bit) => [masked(c, bit, (value & bit) ^ bit)]);
}

/**
 * The negation of an expression, or undefined when it would exceed MAX_ALTERNATIVES.
 * not (A or B) = (not A) and (not B); not (x and y) = (not x) or (not y).
 */
export function negate(dnf: Dnf, widthOf: (c: Condition) => Width): Dnf | undefined {
  let result = TRUE;
  for (const alternative of dnf) {
    const negated = alternative.flatMap((c) => negateCondition(c, widthOf(c)));
    if (result.length * negated.length > MAX_ALTERNATIVES) return undefined;
    result = and(result, negated);
  }
  return result;
}


function mergeMasked(a: Condition, b: Condition, width: Width): Condition | undefined {
  const [ma, mb] = [unsigned(BigInt(a.mask ?? '0'), width), unsigned(BigInt(b.mask ?? '0'), width)];
  const [va, vb] = [unsigned(BigInt(a.value), width) & ma, unsigned(BigInt(b.value), width) & mb];
  if (((va ^ vb) & ma & mb) !== 0n) return undefined;
  return { ...a, mask: String(ma | mb), value: String(va | vb) };
}

/**
 * The same alternatives with what an equality already decides taken out: next to
 * `arg1 == 5`, `arg1 != 4` is dropped and `arg1 != 5` makes the alternative impossible;
 * masked comparisons of one argument merged into one; and without alternatives that
 * another one already covers. libseccomp takes one comparison per argument in a rule, and
 * negations (`; return ERRNO`, filter lists) would otherwise pile several up.
 * Conditions of different widths are left as they are.
 */
export function simplify(dnf: Dnf, widthOf: (c: Condition) => Width): Dnf {
  const out: Dnf = [];
  for (const alternative of dnf) {
    const pinned = new Map<string, Condition>();
    for (const c of alternative) if (c.op === 'eq') pinned.set(`${c.arg}/${widthOf(c)}`, pinned.get(`${c.arg}/${widthOf(c)}`) ?? c);
    let possible = true;
    const kept: Condition[] = [];
    const seen = new Set<string>();
    const maskedAt = new Map<string, number>();
    for (const c of alternative) {
      const at = `${c.arg}/${widthOf(c)}`;
      const anchor = pinned.get(at);
      if (anchor && anchor !== c) {
        if (!holdsAt(c, BigInt(anchor.value), widthOf(c))) { possible = false; break; }
        continue;
      }
      if (c.op === 'masked-eq' && maskedAt.has(at)) {
        // (x & m1) == v1 && (x & m2) == v2  is  (x & (m1|m2)) == (v1|v2), when they agree where both look.
        const index = maskedAt.get(at)!;
        const merged = mergeMasked(kept[index], c, widthOf(c));
        if (!merged) { possible = false; break; }
        kept[index] = merged;
        continue;
      }
      const key = JSON.stringify(c);
      if (seen.has(key)) continue;
      seen.add(key);
      if (c.op === 'masked-eq') maskedAt.set(at, kept.length);
      kept.push(c);
    }
    if (possible) out.push(kept);
  }
  // An alternative that holds every condition of another one adds nothing to it.
  const keys = out.map((alternative) => new Set(alternative.map((c) => JSON.stringify(c))));
  return out.filter((_, i) => !keys.some((other, j) => j !== i && other.size <= keys[i].size &&
    [...other].every((key) => keys[i].has(key)) && (other.size < keys[i].size || j < i)));
}
