/**
 * The calls verification tries: derived from the policy as the reference interpreter reads
 * it, so that every boundary the policy draws is crossed.
 *
 * - Each constant of a condition, its neighbours, and for 64-bit arguments the same
 *   neighbours in each 32-bit half (a comparison split into halves goes wrong exactly
 *   there). Masks: the value, the value with garbage outside the mask, one mask bit flipped.
 * - 32-bit arguments: each of those low halves under a clean and a garbage upper half.
 * - These values are tried one argument at a time around base points: all zeros, and one
 *   call that satisfies each rule (so that the other arguments' conditions are live).
 * - A call whose rules have no conditions: once, with garbage in every argument.
 * - x32 numbers (every conditional call, a sample of the others), numbers outside the
 *   policy, the skip number -1, foreign AUDIT_ARCH values.
 *
 * Counts stay linear in the policy's constants.
 */
import { ARCH_TOKENS, type ArchName } from '../arch';
import { CallSet, halves } from '../bpf/calls';
import type { SeccompData } from '../bpf/emulator';
import type { ReferenceModel, ReferenceRule } from './reference';

const U32 = 0xffffffffn;
const U64 = (1n << 64n) - 1n;
const X32_SYSCALL_BIT = 0x40000000;
const GARBAGE_UPPER = [0xffffffffn, 0xdeadbeefn, 0x80000000n, 1n];
/** Numbers outside the policy tried: a few, spread over the range syscall numbers use. */
const OUTSIDE_SAMPLES = 6;
/** x32 calls tried for syscalls without conditions (every conditional one gets its own). */
const X32_SAMPLES = 8;
const GARBAGE_ARGS: readonly bigint[] = [U64, 0x8000000000000000n, 0xdeadbeef00000002n, U32, 1n, 0x100000000n];

/** Architectures whose registers are 32 bits wide: the kernel zero-extends every argument. */
const NARROW_REGISTERS: ReadonlySet<ArchName> = new Set(['i386', 'arm']);

function neighbours(v: bigint, max: bigint): bigint[] {
  return [v === 0n ? max : v - 1n, v === max ? 0n : v + 1n];
}

function lowest(bits: bigint): bigint { return bits & -bits; }
function highest(bits: bigint): bigint { let b = 1n; while (b <= bits >> 1n) b <<= 1n; return bits === 0n ? 0n : b; }

/**
 * Interesting values of one argument under one condition, at the condition's width: the
 * value itself (`exact`) and the values next to every boundary it draws (`near`).
 */
function valuesFor(c: ReferenceRule['conditions'][number]): { exact: bigint[]; near: bigint[] } {
  const max = c.width === 32 ? U32 : U64;
  const v = BigInt.asUintN(c.width, BigInt(c.condition.value));
  const near = neighbours(v, max);
  const exact = [v];
  if (c.condition.op === 'masked-eq') {
    const mask = BigInt.asUintN(c.width, BigInt(c.condition.mask ?? '0'));
    exact.push(v | (max & ~mask), v & mask);
    near.push(v ^ lowest(mask), v ^ highest(mask));
  }
  if (c.width === 64) {
    // A 64-bit comparison is two 32-bit ones: cross each boundary in each half.
    const hi = v >> 32n, lo = v & U32;
    for (const h of neighbours(hi, U32)) near.push((h << 32n) | lo);
    near.push(hi << 32n, (hi << 32n) | U32);
  }
  return { exact, near };
}

/**
 * The values for an argument: 32-bit ones each under a garbage upper half (rotating through
 * a few), the exact values also with a clean one, so that both a comparison that forgets to
 * mask and one that masks the wrong way are caught.
 */
function withUpperHalves({ exact, near }: { exact: bigint[]; near: bigint[] }, width: 32 | 64, turn: { n: number }): bigint[] {
  if (width === 64) return [...exact, ...near];
  const dirty = (v: bigint) => (GARBAGE_UPPER[turn.n++ % GARBAGE_UPPER.length] << 32n) | v;
  return [...exact, ...exact.map(dirty), ...near.map(dirty)];
}

/** A value of one argument, split once into the halves calls hold. */
interface Candidate { value: bigint; lo: number; hi: number }

/** One call satisfying every condition of `rule`, if the candidates hold one: 12 words, lo and hi per argument. */
function witness(rule: ReferenceRule, candidates: Map<number, Candidate[]>): number[] | undefined {
  const args = new Array<number>(12).fill(0);
  for (const arg of new Set(rule.conditions.map((c) => c.arg))) {
    const tests = rule.conditions.filter((c) => c.arg === arg);
    const found = (candidates.get(arg) ?? []).find((x) => tests.every((c) => c.holds(x.lo, x.hi)));
    if (found === undefined) return undefined;
    args[2 * arg] = found.lo;
    args[2 * arg + 1] = found.hi;
  }
  return args;
}

function sameCall(a: readonly number[], b: readonly number[], except = -1): boolean {
  for (let i = 0; i < 12; i++) if (i >> 1 !== except && a[i] !== b[i]) return false;
  return true;
}

const GARBAGE_WORDS: readonly number[] = GARBAGE_ARGS.flatMap((a) => halves(a));
const ZEROS: readonly number[] = new Array<number>(12).fill(0);

/** The calls to compare the reference and the compiled program on, as words (src/bpf/calls.ts). */
export function verificationCalls(model: ReferenceModel, arch: ArchName): CallSet {
  const calls = new CallSet(1024);
  const words = () => calls.words; // replaced when the set grows
  const narrow = NARROW_REGISTERS.has(arch);
  const push = (nr: number, args: readonly number[], auditArch = model.auditArch): void => {
    const at = calls.add(nr, auditArch) + 2;
    const w = words();
    // 32-bit registers: the kernel zero-extends, so the upper halves are 0.
    for (let i = 0; i < 12; i++) w[at + i] = narrow && (i & 1) === 1 ? 0 : args[i];
  };
  const byNumber = new Map<number, ReferenceRule[]>();
  for (const r of model.rules) byNumber.set(r.nr, [...(byNumber.get(r.nr) ?? []), r]);

  let unconditionalX32 = 0;
  for (const [nr, rules] of byNumber) {
    const turn = { n: 0 };
    const values = new Map<number, bigint[]>();
    for (const rule of rules) {
      for (const c of rule.conditions) {
        const list = values.get(c.arg) ?? [0n, c.width === 32 ? U32 : U64];
        list.push(...withUpperHalves(valuesFor(c), c.width, turn));
        values.set(c.arg, list);
      }
    }
    const candidates = new Map<number, Candidate[]>();
    for (const [arg, list] of values) {
      candidates.set(arg, [...new Set(list)].map((value) => { const [lo, hi] = halves(value); return { value, lo, hi }; }));
    }

    if (candidates.size === 0) {
      // No rule looks at the arguments: one call with garbage in all of them says it all.
      push(nr, GARBAGE_WORDS);
      if (unconditionalX32++ < X32_SAMPLES && (arch === 'x86_64' || arch === 'x32')) push((nr ^ X32_SYSCALL_BIT) >>> 0, GARBAGE_WORDS);
      continue;
    }
    const bases: number[][] = [[...ZEROS]];
    for (const rule of rules) {
      const w = witness(rule, candidates);
      if (w && !bases.some((b) => sameCall(b, w))) bases.push(w);
    }
    for (const base of bases) push(nr, base);
    // Vary one argument at a time; bases that differ only in that argument give the same calls.
    for (const [arg, list] of candidates) {
      const seen: number[][] = [];
      for (const base of bases) {
        if (seen.some((other) => sameCall(other, base, arg))) continue;
        seen.push(base);
        const args = [...base];
        for (const x of list) {
          if (x.lo === base[2 * arg] && x.hi === base[2 * arg + 1]) continue;
          args[2 * arg] = x.lo;
          args[2 * arg + 1] = x.hi;
          push(nr, args);
        }
      }
    }
    // The same call through the other x86 ABI: x32 numbers carry AUDIT_ARCH_X86_64 too.
    if (arch === 'x86_64' || arch === 'x32') push((nr ^ X32_SYSCALL_BIT) >>> 0, bases[bases.length - 1]);
  }

  // Numbers the policy does not mention (spread over the range syscalls use, and beyond),
  // the skip number -1: one garbage-laden call each.
  const outside: number[] = [];
  for (let nr = 7; outside.length < OUTSIDE_SAMPLES && nr < 1024; nr += 73) if (!byNumber.has(nr)) outside.push(nr);
  for (const nr of [...outside, 1023]) push(arch === 'x32' ? nr | X32_SYSCALL_BIT : nr, GARBAGE_WORDS);
  push(0xffffffff, GARBAGE_WORDS);

  // Foreign architectures, with a number the policy does use.
  const someNr = byNumber.keys().next().value ?? 0;
  const foreign = new Set<number>([...Object.values(ARCH_TOKENS), 0, 0xffffffff, model.auditArch ^ 0x80000000]);
  foreign.delete(model.auditArch);
  for (const token of foreign) push(someNr, ZEROS, token);
  return calls;
}

/** The calls to compare the reference and the compiled program on. */
export function verificationVectors(model: ReferenceModel, arch: ArchName): SeccompData[] {
  const calls = verificationCalls(model, arch);
  return Array.from({ length: calls.count }, (_, i) => calls.data(i));
}
