/**
 * Classic BPF programs as seccomp sees them: decoding `struct sock_filter` arrays and
 * validating them with the same rules the kernel applies at load time (bpf_check_classic
 * followed by seccomp_check_filter), so that anything the emulator accepts the kernel would
 * accept too, and vice versa.
 */
import { endianness } from 'node:os';
import { SeccompError } from '../errors';

/** One `struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }`. */
export interface Instruction {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

/** A program as exported by the addon (raw bytes) or already decoded. */
export type ProgramInput = Uint8Array | readonly Instruction[];

export type ByteOrder = 'LE' | 'BE';

export const INSTRUCTION_SIZE = 8;
/** BPF_MAXINSNS: the kernel's limit on one classic program. */
export const MAX_INSTRUCTIONS = 4096;
/** sizeof(struct seccomp_data). */
export const SECCOMP_DATA_SIZE = 64;
/** BPF_MEMWORDS: the scratch memory M[0..15]. */
export const MEM_WORDS = 16;

/**
 * Every opcode seccomp accepts, by the names of the kernel's macro combinations. The kernel
 * compares whole codes, so a code with a stray bit (e.g. NEG|X, RET|X, LD|H|ABS) is invalid.
 */
export const OP = {
  LD_W_ABS: 0x20, LD_W_LEN: 0x80, LDX_W_LEN: 0x81,
  LD_IMM: 0x00, LDX_IMM: 0x01, LD_MEM: 0x60, LDX_MEM: 0x61, ST: 0x02, STX: 0x03,
  ADD_K: 0x04, ADD_X: 0x0c, SUB_K: 0x14, SUB_X: 0x1c, MUL_K: 0x24, MUL_X: 0x2c,
  DIV_K: 0x34, DIV_X: 0x3c, OR_K: 0x44, OR_X: 0x4c, AND_K: 0x54, AND_X: 0x5c,
  LSH_K: 0x64, LSH_X: 0x6c, RSH_K: 0x74, RSH_X: 0x7c, NEG: 0x84,
  MOD_K: 0x94, MOD_X: 0x9c, XOR_K: 0xa4, XOR_X: 0xac,
  JA: 0x05, JEQ_K: 0x15, JEQ_X: 0x1d, JGT_K: 0x25, JGT_X: 0x2d,
  JGE_K: 0x35, JGE_X: 0x3d, JSET_K: 0x45, JSET_X: 0x4d,
  RET_K: 0x06, RET_A: 0x16, TAX: 0x07, TXA: 0x87,
} as const;

const ACCEPTED = new Set<number>(Object.values(OP));
const CONDITIONAL_JUMPS = new Set<number>([
  OP.JEQ_K, OP.JEQ_X, OP.JGT_K, OP.JGT_X, OP.JGE_K, OP.JGE_X, OP.JSET_K, OP.JSET_X,
]);

export function isConditionalJump(code: number): boolean {
  return CONDITIONAL_JUMPS.has(code);
}

/** The kernel's BPF_STMT macro, for hand-assembling programs. */
export function stmt(code: number, k = 0): Instruction {
  return { code, jt: 0, jf: 0, k: k >>> 0 };
}

/** The kernel's BPF_JUMP macro: jt/jf are offsets relative to the next instruction. */
export function jump(code: number, k: number, jt: number, jf: number): Instruction {
  return { code, jt, jf, k: k >>> 0 };
}

function invalid(message: string, details: Record<string, unknown> = {}): SeccompError {
  return new SeccompError('ERR_SECCOMP_INVALID_PROGRAM', `invalid BPF program: ${message}`, details);
}

function invalidAt(pc: number, code: number, k: number, why: string): SeccompError {
  return invalid(`instruction ${pc} (code 0x${code.toString(16).padStart(2, '0')}): ${why}`, { pc, code, k });
}

const hostOrder: ByteOrder = endianness();

/**
 * Splits bytes into instructions without judging them, so that even programs the kernel
 * would refuse can be disassembled. The buffer is in the byte order of the machine that
 * exported it, which is this one unless said otherwise.
 */
export function decodeInstructions(bytes: Uint8Array, byteOrder: ByteOrder = hostOrder): Instruction[] {
  if (bytes.length % INSTRUCTION_SIZE !== 0) {
    throw invalid(`length ${bytes.length} is not a multiple of ${INSTRUCTION_SIZE} bytes`, { length: bytes.length });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = byteOrder === 'LE';
  const out: Instruction[] = [];
  for (let off = 0; off < bytes.length; off += INSTRUCTION_SIZE) {
    out.push({
      code: view.getUint16(off, le),
      jt: view.getUint8(off + 2),
      jf: view.getUint8(off + 3),
      k: view.getUint32(off + 4, le),
    });
  }
  return out;
}

/** The inverse of {@link decodeInstructions}: what the addon would export for these instructions. */
export function encodeProgram(program: readonly Instruction[], byteOrder: ByteOrder = hostOrder): Buffer {
  const bytes = Buffer.alloc(program.length * INSTRUCTION_SIZE);
  const le = byteOrder === 'LE';
  program.forEach((insn, pc) => {
    checkFields(insn, pc);
    const off = pc * INSTRUCTION_SIZE;
    if (le) bytes.writeUInt16LE(insn.code, off); else bytes.writeUInt16BE(insn.code, off);
    bytes.writeUInt8(insn.jt, off + 2);
    bytes.writeUInt8(insn.jf, off + 3);
    if (le) bytes.writeUInt32LE(insn.k, off + 4); else bytes.writeUInt32BE(insn.k, off + 4);
  });
  return bytes;
}

function isUint(value: unknown, bits: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 2 ** bits;
}

// Hand-built instruction arrays can hold anything; bytes from a Buffer always fit.
function checkFields(insn: Instruction, pc: number): void {
  if (!isUint(insn.code, 16) || !isUint(insn.jt, 8) || !isUint(insn.jf, 8) || !isUint(insn.k, 32)) {
    throw invalid(`instruction ${pc} has a field out of range (code u16, jt/jf u8, k u32)`, { pc });
  }
}

/**
 * Throws a {@link SeccompError} unless the kernel would load this program as a seccomp
 * filter. Beyond the opcode list, the rules that matter: every jump lands inside the program
 * (jumps only go forward, so every run terminates), the last instruction returns, and no
 * scratch slot is read on a path that has not written it.
 */
export function validateProgram(program: readonly Instruction[]): void {
  checkProgram(program, true);
}

/** validateProgram; `checkRanges` false for instructions decoded from bytes, whose fields always fit. */
function checkProgram(program: readonly Instruction[], checkRanges: boolean): void {
  const n = program.length;
  if (n < 1 || n > MAX_INSTRUCTIONS) {
    throw invalid(`${n} instructions; a filter has 1 to ${MAX_INSTRUCTIONS}`, { length: n });
  }
  for (let pc = 0; pc < n; pc++) {
    const insn = program[pc];
    if (checkRanges) checkFields(insn, pc);
    const { code, k } = insn;
    // Common opcodes first: this runs on every instruction of every program lockdown loads.
    if (code === OP.JEQ_K || code === OP.JGT_K || code === OP.JGE_K || code === OP.JSET_K) {
      if (pc + insn.jt + 1 >= n || pc + insn.jf + 1 >= n) {
        throw invalidAt(pc, code, k, `jump to ${pc + 1 + Math.max(insn.jt, insn.jf)} is past the end`);
      }
      continue;
    }
    if (code === OP.RET_K || code === OP.AND_K) continue;
    if (code === OP.LD_W_ABS && k < SECCOMP_DATA_SIZE && k % 4 === 0) continue;
    const at = (why: string): SeccompError => invalidAt(pc, code, k, why);
    if (!ACCEPTED.has(code)) throw at('opcode not allowed in seccomp filters');
    switch (code) {
      case OP.LD_W_ABS:
        // seccomp_data is read a whole aligned word at a time, never past its end.
        if (k >= SECCOMP_DATA_SIZE || k % 4 !== 0) throw at(`load offset ${k} is not an aligned word of seccomp_data`);
        break;
      case OP.DIV_K: case OP.MOD_K:
        if (k === 0) throw at('division by constant zero');
        break;
      case OP.LSH_K: case OP.RSH_K:
        if (k >= 32) throw at(`shift by ${k} (must be below 32)`);
        break;
      case OP.LD_MEM: case OP.LDX_MEM: case OP.ST: case OP.STX:
        if (k >= MEM_WORDS) throw at(`scratch slot ${k} (there are ${MEM_WORDS})`);
        break;
      case OP.JA:
        if (k >= n - pc - 1) throw at(`jump to ${pc + 1 + k} is past the end`);
        break;
      default:
        if (isConditionalJump(code) && (pc + insn.jt + 1 >= n || pc + insn.jf + 1 >= n)) {
          throw at(`jump to ${pc + 1 + Math.max(insn.jt, insn.jf)} is past the end`);
        }
    }
  }
  const last = program[n - 1].code;
  if (last !== OP.RET_K && last !== OP.RET_A) {
    throw invalid(`the last instruction (${n - 1}) is not a return; execution could run off the end`, { pc: n - 1 });
  }
  checkScratchUse(program);
}

/**
 * The kernel's check_load_and_stores: one bit per scratch slot, cleared where some path
 * reaches an instruction without having stored that slot. The instruction after a jump is
 * reachable only through jumps, hence the reset to "all valid" there. Like the kernel, no
 * reset follows a return, so a few harmless programs are refused; we refuse them too.
 */
function checkScratchUse(program: readonly Instruction[]): void {
  const masks = new Array<number>(program.length).fill(0xffff);
  let valid = 0;
  program.forEach(({ code, jt, jf, k }, pc) => {
    valid &= masks[pc];
    if (code === OP.ST || code === OP.STX) {
      valid |= 1 << k;
    } else if (code === OP.LD_MEM || code === OP.LDX_MEM) {
      if ((valid & (1 << k)) === 0) {
        throw invalid(`instruction ${pc} reads scratch slot M[${k}] before any store to it`, { pc, k });
      }
    } else if (code === OP.JA) {
      masks[pc + 1 + k] &= valid;
      valid = 0xffff;
    } else if (isConditionalJump(code)) {
      masks[pc + 1 + jt] &= valid;
      masks[pc + 1 + jf] &= valid;
      valid = 0xffff;
    }
  });
}

// Programs that passed validation; frozen, so they cannot change after the check.
const validated = new WeakSet<readonly Instruction[]>();

/**
 * Decodes (when given bytes) and validates a program. The result is frozen and remembered,
 * so passing it to the emulator repeatedly does not re-run the checks.
 */
export function parseProgram(input: ProgramInput, byteOrder: ByteOrder = hostOrder): readonly Instruction[] {
  if (!(input instanceof Uint8Array) && validated.has(input)) return input;
  const fromBytes = input instanceof Uint8Array;
  const insns = fromBytes ? decodeInstructions(input, byteOrder) : input;
  checkProgram(insns, !fromBytes);
  // Instructions decoded here are this function's own: frozen as they are, not copied.
  const program = Object.freeze(fromBytes
    ? insns.map((i) => Object.freeze(i))
    : insns.map((i) => Object.freeze({ code: i.code, jt: i.jt, jf: i.jf, k: i.k })));
  validated.add(program);
  return program;
}
