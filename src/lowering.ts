/**
 * Lowering: the conditions a rule puts on one argument become comparisons libseccomp
 * compiles correctly.
 *
 * libseccomp 2.4.0-2.6.0 (Debian 12 and 13) mis-merges 64-bit range comparisons
 * (GHSA-4q85-33p6-j5g6) and, worse, lays out its trees so that a node reached from a failed
 * sub-tree can test a stale accumulator: range (lt/le/gt/ge) rules then allow calls the
 * policy kills. Its tree pruning also treats `!=` and `==` on the same value as the same
 * node, and it refuses a second comparison of one argument (EINVAL). What it does handle
 * correctly is a tree of masked equalities, where every node only descends on a match.
 *
 * So every condition is lowered here into masked equalities ("cubes": `(x & mask) ==
 * value`), intersecting all the conditions of a rule on one argument first:
 * - a range is split into aligned power-of-two blocks, each one cube;
 * - masked-eq conditions merge into one cube (or a contradiction);
 * - a plain `==` is a cube with a full mask (the compiler passes it as EQ where no `!=`
 *   shares the argument, see nativeConditions).
 *
 * The one exception is a lone `!=` on a 64-bit argument (a pointer that must not be NULL,
 * say). Lowered, it would be 64 cubes, and two of them in one rule 4096 alternatives. It is
 * passed to libseccomp as NE, and the compiler makes sure (see {@link compile}) that all NE
 * comparisons of one argument in one syscall use the same value, the shape libseccomp
 * handles. Whatever slips through anyway is caught by verification (src/verify/).
 */
import { SeccompError } from './errors';
import type { Condition } from './policy';

/** The set of values `(x & mask) == value`; mask 0 is every value. */
export interface Cube { mask: bigint; value: bigint }

/** What one argument may hold in a rule: a union of cubes, or anything but one value. */
export type ArgSet =
  | { kind: 'cubes'; cubes: Cube[] }
  | { kind: 'not'; value: bigint; /** the largest value the argument can hold */ max: bigint };

/** One comparison of one alternative, in the form libseccomp receives it. */
export type ArgTest =
  | { arg: number; kind: 'cube'; mask: bigint; value: bigint }
  | { arg: number; kind: 'not'; value: bigint };

export interface ArgContext {
  syscall: string;
  arg: number;
  /** The comparison width: 32 looks at the low half only. */
  width: 32 | 64;
  /** 32 on architectures whose registers are 32-bit: the kernel passes the upper half as zero. */
  registerBits: 32 | 64;
}

type Range = [bigint, bigint];

export const U32 = 0xffffffffn;
export const U64 = (1n << 64n) - 1n;

/** `raw` as an unsigned value of `width` bits; negative values are two's complement. */
export function toUnsigned(raw: string, width: 32 | 64, what: string, ctx: { syscall: string; arg: number }): bigint {
  const value = BigInt(raw);
  const limit = 1n << BigInt(width);
  if (value < -(limit >> 1n) || value >= limit) {
    throw new SeccompError('ERR_SECCOMP_VALUE_OUT_OF_RANGE',
      `argument ${ctx.arg} of ${ctx.syscall} is compared as a ${width}-bit value, and the ${what} ${value} does not fit; ` +
      (width === 32 ? 'use arg64() if this argument really is 64-bit' : 'use a value within 64 bits'),
      { syscall: ctx.syscall, arg: ctx.arg, value: raw, width });
  }
  return value < 0n ? value + limit : value;
}

function intersect(a: Range[], b: Range[]): Range[] {
  const out: Range[] = [];
  for (const [alo, ahi] of a) {
    for (const [blo, bhi] of b) {
      const lo = alo > blo ? alo : blo;
      const hi = ahi < bhi ? ahi : bhi;
      if (lo <= hi) out.push([lo, hi]);
    }
  }
  return out.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
}

function rangesFor(op: Exclude<Condition['op'], 'masked-eq'>, v: bigint, max: bigint): Range[] {
  const below: Range[] = v > 0n ? [[0n, v - 1n]] : [];
  const above: Range[] = v < max ? [[v + 1n, max]] : [];
  switch (op) {
    case 'eq': return [[v, v]];
    case 'ne': return [...below, ...above];
    case 'lt': return below;
    case 'le': return [[0n, v]];
    case 'gt': return above;
    case 'ge': return [[v, max]];
  }
}

/** Splits [lo, hi] into aligned power-of-two blocks, each one cube over `max`'s bits. */
function blocks([lo, hi]: Range, max: bigint): Cube[] {
  const out: Cube[] = [];
  let start = lo;
  for (;;) {
    // The largest aligned block that starts here and stays within hi.
    let size = start === 0n ? max + 1n : start & -start;
    while (start + size - 1n > hi) size >>= 1n;
    out.push({ mask: max ^ (size - 1n), value: start });
    if (start + size - 1n >= hi) return out;
    start += size;
  }
}

/** `x != v` as cubes over a domain [0, max]: the blocks below and above it. */
export function notAsCubes(value: bigint, max: bigint): Cube[] {
  return rangesFor('ne', value, max).flatMap((r) => blocks(r, max));
}

/**
 * The values argument `ctx.arg` may hold under all of `conditions` (ANDed). An empty cube
 * list means the conditions contradict each other; a cube with mask 0 means any value.
 */
export function argumentSet(conditions: readonly Condition[], ctx: ArgContext): ArgSet {
  const max = ctx.width === 32 ? U32 : U64;
  // On a 32-bit architecture the upper half of a 64-bit comparison is always zero.
  const domainMax = ctx.registerBits === 32 ? U32 : max;
  const values = conditions.map((c) => toUnsigned(c.value, ctx.width, 'value', ctx));

  if (conditions.length === 1 && conditions[0].op === 'ne' && ctx.width === 64) {
    if (values[0] > domainMax) return { kind: 'cubes', cubes: [{ mask: 0n, value: 0n }] };
    return { kind: 'not', value: values[0], max: domainMax };
  }

  let ranges: Range[] = [[0n, domainMax]];
  let fixed: Cube = { mask: 0n, value: 0n };
  conditions.forEach((c, i) => {
    if (c.op !== 'masked-eq') {
      ranges = intersect(ranges, rangesFor(c.op, values[i], max));
      return;
    }
    const mask = toUnsigned(c.mask ?? '0', ctx.width, 'mask', ctx);
    // `(x & mask) == value` with a bit of value outside the mask can never hold.
    if ((values[i] & ~mask) !== 0n || ((fixed.value ^ values[i]) & fixed.mask & mask) !== 0n) ranges = [];
    fixed = { mask: fixed.mask | mask, value: fixed.value | values[i] };
  });

  const cubes: Cube[] = [];
  for (const block of ranges.flatMap((r) => blocks(r, max))) {
    if (((block.value ^ fixed.value) & block.mask & fixed.mask) !== 0n) continue;
    // With 32-bit registers the upper half is zero, as every block here requires: only the
    // low half is left to compare (a comparison of the upper half alone would be no test).
    const mask = (block.mask | fixed.mask) & domainMax;
    cubes.push({ mask, value: (block.value | fixed.value) & mask });
  }
  return { kind: 'cubes', cubes };
}

/** True when some value satisfies both tests of the same argument. */
export function testsOverlap(a: ArgTest, b: ArgTest): boolean {
  if (a.kind === 'cube' && b.kind === 'cube') return ((a.value ^ b.value) & a.mask & b.mask) === 0n;
  if (a.kind === 'not' && b.kind === 'not') return true; // each excludes one value of 2^64
  const cube = (a.kind === 'cube' ? a : b) as { mask: bigint; value: bigint };
  const not = (a.kind === 'not' ? a : b) as { value: bigint };
  // Only a cube holding exactly the excluded value is disjoint from `!= value`.
  return !(cube.mask === U64 && cube.value === not.value);
}

/** True when some call satisfies both alternatives (lists of tests, ANDed). */
export function alternativesOverlap(a: readonly ArgTest[], b: readonly ArgTest[]): boolean {
  return a.every((x) => b.every((y) => x.arg !== y.arg || testsOverlap(x, y)));
}
