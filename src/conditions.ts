/**
 * `arg(n)` builds argument conditions: `arg(0).eq(constants.AF_INET)`,
 * `arg(2).masked(constants.O_ACCMODE).eq(constants.O_RDONLY)`.
 */
import { SeccompError } from './errors';
import type { CompareOp, Condition } from './policy';
import { isSelfPid, SELF_PID } from './self-pid';

export type ArgValue = number | bigint;

/**
 * Whether `c` holds for an argument of `value`, both read at `width` bits as the kernel
 * compares them: unsigned, bits above the width ignored. `c.value` must be a number (bind
 * `$pid` first; what an unbound one means is the caller's decision). The one evaluation of a
 * condition outside the compiler, for the checks that reason about policies (the SIGSYS
 * guard, the groups that would allow a call, learn, the policy file's normal form). The
 * verifier's reference interpreter keeps its own, on purpose: it must share nothing with
 * the code it checks.
 */
export function holdsAt(c: Condition, value: bigint, width: 32 | 64): boolean {
  const bits = (1n << BigInt(width)) - 1n;
  const x = value & bits;
  const k = BigInt(c.value) & bits;
  switch (c.op) {
    case 'eq': return x === k;
    case 'ne': return x !== k;
    case 'lt': return x < k;
    case 'le': return x <= k;
    case 'gt': return x > k;
    case 'ge': return x >= k;
    case 'masked-eq': return (x & BigInt(c.mask ?? '0') & bits) === k;
  }
}

const MIN = -(1n << 63n);
const MAX = (1n << 64n) - 1n;

/** Validates a value given for a comparison and returns its decimal string form. */
export function valueString(value: unknown, what = 'value'): string {
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) big = BigInt(value);
  else {
    throw new SeccompError('ERR_SECCOMP_VALUE_OUT_OF_RANGE',
      `${what} ${String(value)} is not an integer: pass a safe integer number or a bigint`, { value: String(value) });
  }
  if (big < MIN || big > MAX) {
    throw new SeccompError('ERR_SECCOMP_VALUE_OUT_OF_RANGE',
      `${what} ${big} does not fit in 64 bits (allowed: ${MIN} to ${MAX})`, { value: big.toString() });
  }
  return big.toString();
}

export function checkArgIndex(index: unknown): number {
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 5) {
    throw new SeccompError('ERR_SECCOMP_INVALID_ARGUMENT_INDEX',
      `argument index ${String(index)} is out of range: system calls have arguments 0 to 5`, { index });
  }
  return index;
}

export class MaskedArg {
  constructor(private readonly index: number, private readonly mask: string, private readonly width?: 32 | 64) {}
  /** `(arg & mask) == value` */
  eq(value: ArgValue): Condition {
    return withWidth({ arg: this.index, op: 'masked-eq', mask: this.mask, value: valueString(value) }, this.width);
  }
}

export class Arg {
  constructor(readonly index: number, readonly width?: 32 | 64) {}
  /** `value` may be {@link SELF_PID}: the pid of the process that loads the filter. */
  eq(value: ArgValue | typeof SELF_PID): Condition { return this.compare('eq', value); }
  /** `value` may be {@link SELF_PID}: the pid of the process that loads the filter. */
  ne(value: ArgValue | typeof SELF_PID): Condition { return this.compare('ne', value); }
  lt(value: ArgValue): Condition { return this.compare('lt', value); }
  le(value: ArgValue): Condition { return this.compare('le', value); }
  gt(value: ArgValue): Condition { return this.compare('gt', value); }
  ge(value: ArgValue): Condition { return this.compare('ge', value); }
  /** Start a masked comparison: `arg(2).masked(O_ACCMODE).eq(O_RDONLY)`. */
  masked(mask: ArgValue): MaskedArg { return new MaskedArg(this.index, valueString(mask, 'mask'), this.width); }
  private compare(op: CompareOp, value: ArgValue | typeof SELF_PID): Condition {
    return withWidth({ arg: this.index, op, value: isSelfPid(value) ? SELF_PID : valueString(value) }, this.width);
  }
}

function withWidth(condition: Condition, width?: 32 | 64): Condition {
  return width === undefined ? condition : { ...condition, width };
}

/**
 * Argument `index` (0-5) of a system call. Its comparison width (32 bits for C `int`
 * arguments, 64 for longs, sizes and pointers) comes from seccomp-node's syscall table;
 * use {@link arg32} or {@link arg64} to say it explicitly.
 */
export function arg(index: number): Arg { return new Arg(checkArgIndex(index)); }
/** Argument `index` compared on its low 32 bits only (a C `int`, whatever libc puts above). */
export function arg32(index: number): Arg { return new Arg(checkArgIndex(index), 32); }
/** Argument `index` compared on all 64 bits (a pointer, size or 64-bit flag word). */
export function arg64(index: number): Arg { return new Arg(checkArgIndex(index), 64); }
