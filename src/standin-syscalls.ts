/**
 * Calls the installed libseccomp cannot name, in filters for another architecture.
 *
 * libseccomp translates every rule of a foreign-architecture filter by name (see
 * `libseccompRuleNumber` in syscalls.ts), so a call newer than the library (`mseal` with
 * 2.5.4) cannot be added to such a filter as itself: the rule fails with EFAULT. It is added
 * under a stand-in instead, a call that libseccomp knows on that architecture and the policy
 * does not name, and the exported program gets the stand-in's number replaced by the real
 * one wherever it compares the syscall number.
 *
 * The replacement is exact when the program compares the number only for equality, which is
 * why such filters are built with libseccomp's linear layout (a binary search over numbers
 * would route the real number elsewhere); the replacement checks every other comparison of
 * the number and refuses a program it cannot rewrite exactly. Filters for the native
 * architecture never need this: libseccomp takes their numbers as they are.
 */
import { ARCH_TOKENS, byteOrderOf, type ArchName } from './arch';
import type * as Disassemble from './bpf/disassemble';
import { decodeInstructions, encodeProgram, OP, type ByteOrder } from './bpf/program';
import { SeccompError } from './errors';
import { binding } from './native';
import { syscallNames, syscallNumber } from './syscalls';

/** A call added to the filter under another call's name. */
export interface Standin {
  /** The call the policy names, and its number on the target. */
  syscall: string;
  nr: number;
  /** The stand-in's number on the target, and the number its libseccomp rule takes. */
  standinNr: number;
  ruleNumber: number;
}

/**
 * Picks a stand-in for each of `missing` (calls absent from libseccomp's table): calls
 * libseccomp knows on `arch` with the kernel's number, whose numbers `used` does not hold.
 */
export function chooseStandins(arch: ArchName, missing: { syscall: string; nr: number }[], used: ReadonlySet<number>): Standin[] {
  const b = binding;
  if (missing.length === 0) return [];
  if (!b) throw new SeccompError('ERR_SECCOMP_UNSUPPORTED', 'the native addon is not available on this system');
  // Without libseccomp no rule number is known, and asking it for one would fail uncoded.
  const library = b.libraryInfo();
  if (!library.available) {
    throw new SeccompError('ERR_SECCOMP_UNSUPPORTED', `compiling a filter needs libseccomp: ${library.reason ?? 'it is not available'}`,
      { reason: library.reason });
  }
  const out: Standin[] = [];
  const names = syscallNames(arch).reverse(); // newest first: the least likely to be in a policy
  for (const name of names) {
    if (out.length === missing.length) break;
    const nr = syscallNumber(name, arch)!;
    if (used.has(nr) || b.resolveSyscall(name, ARCH_TOKENS[arch]) !== nr) continue;
    const ruleNumber = b.resolveSyscall(name);
    if (ruleNumber === -1) continue;
    out.push({ ...missing[out.length], standinNr: nr, ruleNumber });
  }
  if (out.length < missing.length) {
    throw new SeccompError('ERR_SECCOMP_UNSUPPORTED',
      `the installed libseccomp cannot compile ${missing.map((m) => m.syscall).join(', ')} for ${arch}: ` +
      'it knows too few calls there. Compile on an ' + `${arch} machine, or upgrade libseccomp`, { arch });
  }
  return out;
}

function cannotRewrite(detail: string): SeccompError {
  return new SeccompError('ERR_SECCOMP_UNSUPPORTED',
    `libseccomp's program cannot be renumbered exactly (${detail}); compile this policy on the target machine`);
}

/**
 * The program with every equality test of the syscall number against a stand-in renumbered.
 * libseccomp writes a program in its target's byte order (`archToken`'s little-endian flag).
 */
export function replaceStandins(program: Buffer, standins: readonly Standin[], archToken: number): Buffer {
  if (standins.length === 0) return program;
  const order: ByteOrder = byteOrderOf(archToken);
  const byStandin = new Map(standins.map((s) => [s.standinNr, s]));
  const insns = decodeInstructions(program, order);
  // Only foreign-architecture filters get here: the disassembler's analysis loads on demand.
  const aBefore = (require('./bpf/disassemble') as typeof Disassemble).trackA(insns);
  const replaced = new Set<number>();
  const out = insns.map((insn, pc) => {
    if (aBefore[pc] !== 0) return insn; // A does not hold the syscall number here
    if (insn.code === OP.JEQ_K) {
      const standin = byStandin.get(insn.k);
      if (!standin) return insn;
      replaced.add(standin.standinNr);
      return { ...insn, k: standin.nr };
    }
    const orderOf = (n: number): boolean | undefined =>
      insn.code === OP.JGT_K ? n > insn.k : insn.code === OP.JGE_K ? n >= insn.k : insn.code === OP.JSET_K ? (n & insn.k) !== 0 : undefined;
    for (const s of standins) {
      if (orderOf(s.standinNr >>> 0) !== orderOf(s.nr >>> 0)) throw cannotRewrite(`instruction ${pc} separates ${s.syscall} from its stand-in`);
    }
    return insn;
  });
  const lost = standins.find((s) => !replaced.has(s.standinNr));
  if (lost) throw cannotRewrite(`no test of ${lost.syscall}'s stand-in number was found`);
  return encodeProgram(out, order);
}

/** libseccomp's pseudo code with the stand-ins' names and numbers replaced by the real ones. */
export function replaceStandinsInPfc(text: string, standins: readonly Standin[]): string {
  if (standins.length === 0) return text;
  const byStandin = new Map(standins.map((s) => [s.standinNr, s]));
  return text
    .replace(/filter for syscall "[^"]*" \((\d+)\)/g, (whole, nr: string) => {
      const s = byStandin.get(Number(nr));
      return s ? `filter for syscall "${s.syscall}" (${s.nr})` : whole;
    })
    .replace(/\$syscall == (\d+)/g, (whole, nr: string) => {
      const s = byStandin.get(Number(nr));
      return s ? `$syscall == ${s.nr}` : whole;
    });
}
