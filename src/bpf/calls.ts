/**
 * Many system calls held as 32-bit words, for running a filter (and the reference
 * interpreter) on all of them without a BigInt per argument: the number, the AUDIT_ARCH
 * token, and each of the six arguments as its low and high halves (unsigned). The
 * instruction pointer is 0. Verification runs hundreds of calls right at lockdown, in code
 * that V8 has not optimised yet, where every allocation shows.
 */
import type { SeccompData } from './emulator';

/** Words per call: nr, arch, then lo and hi of each of the six arguments. */
export const CALL_WORDS = 14;

const U32 = 0xffffffffn;

export class CallSet {
  /** `CALL_WORDS` words per call, see {@link CallSet.nr} and friends for the layout. */
  words: Uint32Array;
  count = 0;

  constructor(capacity = 256) {
    this.words = new Uint32Array(capacity * CALL_WORDS);
  }

  /** Room for one more call, zeroed; returns its offset in `words`. */
  add(nr: number, arch: number): number {
    if ((this.count + 1) * CALL_WORDS > this.words.length) {
      const grown = new Uint32Array(this.words.length * 2);
      grown.set(this.words);
      this.words = grown;
    }
    const at = this.count++ * CALL_WORDS;
    this.words[at] = nr >>> 0;
    this.words[at + 1] = arch >>> 0;
    return at;
  }

  /** Offset of call `i` in `words`. */
  offset(i: number): number { return i * CALL_WORDS; }

  /** Call `i` as the emulator's public API takes it. */
  data(i: number): SeccompData {
    const at = this.offset(i);
    const args: bigint[] = [];
    for (let arg = 0; arg < 6; arg++) {
      args.push((BigInt(this.words[at + 3 + 2 * arg]) << 32n) | BigInt(this.words[at + 2 + 2 * arg]));
    }
    return { nr: this.words[at], arch: this.words[at + 1], args };
  }
}

/** A 64-bit value (taken modulo 2^64) as its [low, high] 32-bit halves. */
export function halves(value: bigint): [number, number] {
  const u = BigInt.asUintN(64, value);
  return [Number(u & U32), Number(u >> 32n)];
}
