/**
 * Runs a seccomp filter over one system call, with the semantics the kernel gives classic
 * BPF after converting it: A and X start at 0, arithmetic wraps at 32 bits, comparisons are
 * unsigned, and the program always terminates because validation allows only forward jumps.
 */
import { SeccompError } from '../errors';
import { CALL_WORDS, halves } from './calls';
import { MEM_WORDS, OP, parseProgram, type ByteOrder, type Instruction, type ProgramInput } from './program';

/** What the kernel hands a filter: `struct seccomp_data`. */
export interface SeccompData {
  /** System call number; negative values are taken as their 32-bit two's complement. */
  nr: number;
  /** AUDIT_ARCH_* token. Its little-endian flag (0x40000000) also decides the byte order of the 64-bit fields. */
  arch: number;
  instructionPointer?: bigint;
  /** Up to six arguments; missing ones are 0n, negative ones are taken modulo 2^64. */
  args?: readonly bigint[];
}

export const SECCOMP_RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  USER_NOTIF: 0x7fc00000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;
export const SECCOMP_RET_ACTION_FULL = 0xffff0000;
export const SECCOMP_RET_DATA = 0x0000ffff;

export type ActionName =
  'kill-process' | 'kill-thread' | 'trap' | 'errno' | 'user-notif' | 'trace' | 'log' | 'allow';

const ACTION_NAMES = new Map<number, ActionName>([
  [SECCOMP_RET.KILL_PROCESS, 'kill-process'], [SECCOMP_RET.KILL_THREAD, 'kill-thread'],
  [SECCOMP_RET.TRAP, 'trap'], [SECCOMP_RET.ERRNO, 'errno'], [SECCOMP_RET.USER_NOTIF, 'user-notif'],
  [SECCOMP_RET.TRACE, 'trace'], [SECCOMP_RET.LOG, 'log'], [SECCOMP_RET.ALLOW, 'allow'],
]);

/**
 * Splits a filter's return value the way __seccomp_filter does. The kernel treats an action
 * it does not know as KILL_PROCESS (since Linux 4.14), so that is what is reported for one.
 * `data` is the raw low 16 bits; note the kernel caps an ERRNO's data at 4095.
 */
export function decodeAction(value: number): { action: ActionName; data: number } {
  const action = ACTION_NAMES.get((value & SECCOMP_RET_ACTION_FULL) >>> 0) ?? 'kill-process';
  return { action, data: value & SECCOMP_RET_DATA };
}

const AUDIT_ARCH_LE = 0x40000000;

function invalidData(message: string): SeccompError {
  return new SeccompError('ERR_SECCOMP_INVALID_OPTION', `invalid seccomp_data: ${message}`);
}

function checkWord(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 32) {
    throw invalidData(`${name} must be a 32-bit integer, got ${String(value)}`);
  }
  return value >>> 0;
}

function checkBig(name: string, value: unknown): bigint {
  if (typeof value !== 'bigint') throw invalidData(`${name} must be a bigint, got ${typeof value}`);
  return BigInt.asUintN(64, value);
}

/**
 * seccomp_data as the 16 words an aligned 32-bit load can see. The kernel fills it in the
 * traced task's byte order, which is why 64-bit fields split differently on big-endian arches.
 */
export function seccompDataWords(data: SeccompData): Uint32Array {
  const arch = checkWord('arch', data.arch);
  const args = data.args ?? [];
  if (args.length > 6) throw invalidData(`at most 6 args, got ${args.length}`);
  const order: ByteOrder = (arch & AUDIT_ARCH_LE) !== 0 ? 'LE' : 'BE';
  const words = new Uint32Array(16);
  words[0] = checkWord('nr', data.nr);
  words[1] = arch;
  const put64 = (index: number, value: bigint): void => {
    const lo = Number(value & 0xffffffffn), hi = Number(value >> 32n);
    words[index] = order === 'LE' ? lo : hi;
    words[index + 1] = order === 'LE' ? hi : lo;
  };
  put64(2, checkBig('instructionPointer', data.instructionPointer ?? 0n));
  for (let i = 0; i < 6; i++) put64(4 + 2 * i, checkBig(`args[${i}]`, args[i] ?? 0n));
  return words;
}

/** Result of {@link traceFilter}: the return value and the instructions executed, in order. */
export interface FilterTrace {
  result: number;
  path: number[];
}

/** A validated program's fields in typed arrays: cheap to read in the loop below. */
interface Decoded { code: Uint16Array; jt: Uint8Array; jf: Uint8Array; k: Uint32Array }

const decodedPrograms = new WeakMap<readonly Instruction[], Decoded>();

function decode(program: readonly Instruction[]): Decoded {
  let decoded = decodedPrograms.get(program);
  if (!decoded) {
    const n = program.length;
    decoded = { code: new Uint16Array(n), jt: new Uint8Array(n), jf: new Uint8Array(n), k: new Uint32Array(n) };
    program.forEach((insn, pc) => {
      decoded!.code[pc] = insn.code;
      decoded!.jt[pc] = insn.jt;
      decoded!.jf[pc] = insn.jf;
      decoded!.k[pc] = insn.k;
    });
    decodedPrograms.set(program, decoded);
  }
  return decoded;
}

function execute(program: readonly Instruction[], data: SeccompData, path?: number[]): number {
  return executeWords(decode(program), seccompDataWords(data), new Uint32Array(MEM_WORDS), path);
}

/** Where a run stands: the next instruction and the registers (scratch memory unused so far). */
interface RunState { pc: number; a: number; x: number }

function executeWords(program: Decoded, words: Uint32Array, mem: Uint32Array, path?: number[], from?: RunState): number {
  const codes = program.code, jts = program.jt, jfs = program.jf, ks = program.k;
  let a = from?.a ?? 0, x = from?.x ?? 0;
  // Validation guarantees forward jumps and a final return, so this loop always ends in a RET.
  for (let pc = from?.pc ?? 0; ; pc++) {
    path?.push(pc);
    const code = codes[pc], k = ks[pc];
    // libseccomp's programs are almost only these six; testing them first with literals
    // keeps dispatch cheap before V8 optimises this loop (verification runs it thousands
    // of times right at lockdown). The switch below handles every opcode, these included.
    if (code === 0x15) { pc += a === k ? jts[pc] : jfs[pc]; continue; } // JEQ_K
    if (code === 0x20) { a = words[k >>> 2]; continue; } // LD_W_ABS
    if (code === 0x25) { pc += a > k ? jts[pc] : jfs[pc]; continue; } // JGT_K
    if (code === 0x54) { a = (a & k) >>> 0; continue; } // AND_K
    if (code === 0x35) { pc += a >= k ? jts[pc] : jfs[pc]; continue; } // JGE_K
    if (code === 0x06) return k; // RET_K
    switch (code) {
      case OP.LD_W_ABS: a = words[k >>> 2]; break;
      case OP.LD_W_LEN: a = 64; break;
      case OP.LDX_W_LEN: x = 64; break;
      case OP.LD_IMM: a = k; break;
      case OP.LDX_IMM: x = k; break;
      case OP.LD_MEM: a = mem[k]; break;
      case OP.LDX_MEM: x = mem[k]; break;
      case OP.ST: mem[k] = a; break;
      case OP.STX: mem[k] = x; break;
      case OP.ADD_K: case OP.ADD_X: a = (a + (code === OP.ADD_K ? k : x)) >>> 0; break;
      case OP.SUB_K: case OP.SUB_X: a = (a - (code === OP.SUB_K ? k : x)) >>> 0; break;
      case OP.MUL_K: case OP.MUL_X: a = Math.imul(a, code === OP.MUL_K ? k : x) >>> 0; break;
      // A float quotient of two values below 2^32 floors exactly; no BigInt needed.
      case OP.DIV_K: a = Math.floor(a / k); break;
      case OP.MOD_K: a = a % k; break;
      case OP.DIV_X: case OP.MOD_X:
        // The converted program aborts with 0 (KILL_THREAD) instead of dividing by zero.
        if (x === 0) return 0;
        a = code === OP.DIV_X ? Math.floor(a / x) : a % x;
        break;
      case OP.AND_K: a = (a & k) >>> 0; break;
      case OP.AND_X: a = (a & x) >>> 0; break;
      case OP.OR_K: a = (a | k) >>> 0; break;
      case OP.OR_X: a = (a | x) >>> 0; break;
      case OP.XOR_K: a = (a ^ k) >>> 0; break;
      case OP.XOR_X: a = (a ^ x) >>> 0; break;
      // JS masks shift counts to 5 bits, as the kernel does for X (K >= 32 is refused at load).
      case OP.LSH_K: a = (a << k) >>> 0; break;
      case OP.LSH_X: a = (a << x) >>> 0; break;
      case OP.RSH_K: a = a >>> k; break;
      case OP.RSH_X: a = a >>> x; break;
      case OP.NEG: a = -a >>> 0; break;
      case OP.JA: pc += k; break;
      case OP.JEQ_K: pc += a === k ? jts[pc] : jfs[pc]; break;
      case OP.JEQ_X: pc += a === x ? jts[pc] : jfs[pc]; break;
      case OP.JGT_K: pc += a > k ? jts[pc] : jfs[pc]; break;
      case OP.JGT_X: pc += a > x ? jts[pc] : jfs[pc]; break;
      case OP.JGE_K: pc += a >= k ? jts[pc] : jfs[pc]; break;
      case OP.JGE_X: pc += a >= x ? jts[pc] : jfs[pc]; break;
      case OP.JSET_K: pc += (a & k) !== 0 ? jts[pc] : jfs[pc]; break;
      case OP.JSET_X: pc += (a & x) !== 0 ? jts[pc] : jfs[pc]; break;
      case OP.RET_K: return k;
      case OP.RET_A: return a;
      case OP.TAX: x = a; break;
      case OP.TXA: a = x; break;
      default:
        // Unreachable for validated programs; kept so a bug here cannot loop or misbehave silently.
        throw new SeccompError('ERR_SECCOMP_INVALID_PROGRAM', `invalid BPF program: opcode 0x${code.toString(16)} at ${pc}`);
    }
  }
}

/**
 * The 32-bit value the filter returns for this system call (decode it with
 * {@link decodeAction}). Throws a SeccompError if the kernel would refuse the program.
 */
export function runFilter(program: ProgramInput, data: SeccompData): number {
  return execute(parseProgram(program), data);
}

/**
 * How far a run gets looking at nothing but the call's number and architecture (words 0
 * and 1): libseccomp's programs check the architecture and find the syscall first, so every
 * call with the same number takes the same way up to its first argument. Stops at the first
 * instruction that reads anything else; a return on the way is the whole answer.
 */
function head(program: Decoded, words: Uint32Array): RunState | number {
  const { code: codes, jt, jf, k: ks } = program;
  let a = 0;
  for (let pc = 0; ; pc++) {
    const code = codes[pc], k = ks[pc];
    if (code === OP.LD_W_ABS && k < 8) a = words[k >>> 2];
    else if (code === OP.JEQ_K) pc += a === k ? jt[pc] : jf[pc];
    else if (code === OP.JGT_K) pc += a > k ? jt[pc] : jf[pc];
    else if (code === OP.JGE_K) pc += a >= k ? jt[pc] : jf[pc];
    else if (code === OP.JSET_K) pc += (a & k) !== 0 ? jt[pc] : jf[pc];
    else if (code === OP.JA) pc += k;
    else if (code === OP.AND_K) a = (a & k) >>> 0;
    else if (code === OP.RET_K) return k;
    else return { pc, a, x: 0 };
  }
}

/**
 * The program parsed and validated once, as a function of a call held in 32-bit words
 * (src/bpf/calls.ts: `calls[at]` the number, `calls[at + 1]` the architecture, then each
 * argument's low and high halves) to the value the filter returns: for running it on many
 * calls (verification runs hundreds at every lockdown) without a BigInt per argument.
 */
export function prepareCallRunner(program: ProgramInput): (calls: Uint32Array, at: number) => number {
  const parsed = decode(parseProgram(program));
  // The way up to the first argument depends only on the number and the architecture.
  const heads = new Map<number, Map<number, RunState | number>>();
  // Reused for every call: validation guarantees no scratch slot is read before it is written.
  const mem = new Uint32Array(MEM_WORDS);
  const words = new Uint32Array(16);
  return (calls, at) => {
    const nr = calls[at], arch = calls[at + 1];
    words[0] = nr;
    words[1] = arch;
    let byNumber = heads.get(arch);
    if (!byNumber) heads.set(arch, byNumber = new Map());
    let start = byNumber.get(nr);
    if (start === undefined) {
      words.fill(0, 2);
      start = head(parsed, words);
      byNumber.set(nr, start);
    }
    if (typeof start === 'number') return start;
    // seccomp_data's 64-bit fields are in the traced task's byte order.
    const le = (arch & AUDIT_ARCH_LE) !== 0;
    words[2] = 0;
    words[3] = 0;
    for (let i = 0; i < 6; i++) {
      const lo = calls[at + 2 + 2 * i], hi = calls[at + 3 + 2 * i];
      words[4 + 2 * i] = le ? lo : hi;
      words[5 + 2 * i] = le ? hi : lo;
    }
    return executeWords(parsed, words, mem, undefined, start);
  };
}

/**
 * The program parsed and validated once, as a function from a call to the value the filter
 * returns: for running it on many calls.
 */
export function prepareFilter(program: ProgramInput): (data: SeccompData) => number {
  const run = prepareCallRunner(program);
  const call = new Uint32Array(CALL_WORDS);
  return (data) => {
    const args = data.args ?? [];
    if (args.length > 6) throw invalidData(`at most 6 args, got ${args.length}`);
    call[0] = checkWord('nr', data.nr);
    call[1] = checkWord('arch', data.arch);
    if (checkBig('instructionPointer', data.instructionPointer ?? 0n) !== 0n) return execute(parseProgram(program), data);
    for (let i = 0; i < 6; i++) [call[2 + 2 * i], call[3 + 2 * i]] = halves(checkBig(`args[${i}]`, args[i] ?? 0n));
    return run(call, 0);
  };
}

/** Like {@link runFilter}, also listing the executed instructions, for explaining a verdict. */
export function traceFilter(program: ProgramInput, data: SeccompData): FilterTrace {
  const path: number[] = [];
  const result = execute(parseProgram(program), data, path);
  return { result, path };
}
