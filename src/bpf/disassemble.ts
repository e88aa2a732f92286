/**
 * A readable listing of a seccomp filter: one numbered line per instruction, jump targets as
 * absolute line numbers, seccomp_data loads named, return values decoded. It decodes without
 * validating, so a program the kernel would refuse can still be inspected; lines that the
 * kernel would object to carry a comment saying why.
 */
import { archName } from '../arch';
import { SECCOMP_RET, SECCOMP_RET_ACTION_FULL, decodeAction } from './emulator';
import {
  MEM_WORDS, OP, SECCOMP_DATA_SIZE, decodeInstructions, isConditionalJump,
  type ByteOrder, type Instruction, type ProgramInput,
} from './program';

export interface DisassembleOptions {
  /** Byte order of the program bytes; defaults to this machine's. */
  byteOrder?: ByteOrder;
  /**
   * Byte order of seccomp_data, which decides whether [16] is the low or high word of
   * args[0]. By default taken from the AUDIT_ARCH tokens the program compares against
   * (little-endian unless all of them are big-endian).
   */
  dataByteOrder?: ByteOrder;
  /** Names syscall numbers compared against `nr`, e.g. `(nr) => syscallTable('x86_64')[nr]`. */
  syscallName?: (nr: number) => string | undefined;
}

const ALU: ReadonlyMap<number, string> = new Map([
  [OP.ADD_K, 'add'], [OP.ADD_X, 'add'], [OP.SUB_K, 'sub'], [OP.SUB_X, 'sub'],
  [OP.MUL_K, 'mul'], [OP.MUL_X, 'mul'], [OP.DIV_K, 'div'], [OP.DIV_X, 'div'],
  [OP.MOD_K, 'mod'], [OP.MOD_X, 'mod'], [OP.AND_K, 'and'], [OP.AND_X, 'and'],
  [OP.OR_K, 'or'], [OP.OR_X, 'or'], [OP.XOR_K, 'xor'], [OP.XOR_X, 'xor'],
  [OP.LSH_K, 'lsh'], [OP.LSH_X, 'lsh'], [OP.RSH_K, 'rsh'], [OP.RSH_X, 'rsh'],
]);
const JUMPS: ReadonlyMap<number, string> = new Map([
  [OP.JEQ_K, 'jeq'], [OP.JEQ_X, 'jeq'], [OP.JGT_K, 'jgt'], [OP.JGT_X, 'jgt'],
  [OP.JGE_K, 'jge'], [OP.JGE_X, 'jge'], [OP.JSET_K, 'jset'], [OP.JSET_X, 'jset'],
]);

const KNOWN_ACTIONS = new Set<number>(Object.values(SECCOMP_RET));

const hex = (n: number): string => `0x${n.toString(16)}`;
// The X variants of ALU and jump opcodes have bit 0x08 set.
const usesX = (code: number): boolean => (code & 0x08) !== 0;

/** The seccomp_data field behind an aligned word offset, e.g. 16 → "args[0] lo". */
export function fieldName(offset: number, dataByteOrder: ByteOrder = 'LE'): string | undefined {
  if (offset % 4 !== 0 || offset < 0 || offset >= SECCOMP_DATA_SIZE) return undefined;
  if (offset === 0) return 'nr';
  if (offset === 4) return 'arch';
  const firstWord = offset % 8 === 0;
  const half = firstWord === (dataByteOrder === 'LE') ? 'lo' : 'hi';
  return offset < 16 ? `instruction_pointer ${half}` : `args[${(offset - 16) >> 3}] ${half}`;
}

/** A return value as its action, e.g. ALLOW, ERRNO(1); undefined for an action the kernel does not know. */
export function actionName(value: number): string | undefined {
  if (!KNOWN_ACTIONS.has((value & SECCOMP_RET_ACTION_FULL) >>> 0)) return undefined;
  const { action, data } = decodeAction(value);
  const name = action.toUpperCase().replace('-', '_');
  const alwaysShowData = action === 'errno';
  const hasData = action === 'errno' || action === 'trap' || action === 'trace';
  return hasData && (alwaysShowData || data !== 0) ? `${name}(${data})` : name;
}

/**
 * What A holds before each instruction: the seccomp_data offset it was loaded from, null when
 * it is anything else (or differs between paths), undefined when unreachable. Jumps only go
 * forward, so one pass in order sees every predecessor first.
 */
export function trackA(program: readonly Instruction[]): (number | null | undefined)[] {
  const before: (number | null | undefined)[] = new Array(program.length).fill(undefined);
  if (program.length > 0) before[0] = null;
  const flow = (target: number, value: number | null): void => {
    if (target >= program.length) return;
    const seen = before[target];
    before[target] = seen === undefined || seen === value ? value : null;
  };
  program.forEach(({ code, jt, jf, k }, pc) => {
    const a = before[pc];
    if (a === undefined) return;
    if (code === OP.RET_K || code === OP.RET_A) return;
    if (code === OP.JA) return flow(pc + 1 + k, a);
    if (isConditionalJump(code)) {
      flow(pc + 1 + jt, a);
      return flow(pc + 1 + jf, a);
    }
    const keepsA = code === OP.ST || code === OP.STX || code === OP.TAX ||
      code === OP.LDX_IMM || code === OP.LDX_MEM || code === OP.LDX_W_LEN;
    flow(pc + 1, code === OP.LD_W_ABS ? k : keepsA ? a : null);
  });
  return before;
}

function inferDataOrder(program: readonly Instruction[], aBefore: (number | null | undefined)[]): ByteOrder {
  const tokens = program.filter((insn, pc) => insn.code === OP.JEQ_K && aBefore[pc] === 4).map((i) => i.k);
  const bigEndian = tokens.length > 0 && tokens.every((t) => (t & 0x40000000) === 0);
  return bigEndian ? 'BE' : 'LE';
}

/** The listing of a program (bytes as exported, or decoded instructions), lines joined by "\n". */
export function disassemble(program: ProgramInput, options: DisassembleOptions = {}): string {
  const insns = program instanceof Uint8Array ? decodeInstructions(program, options.byteOrder) : program;
  const aBefore = trackA(insns);
  const order = options.dataByteOrder ?? inferDataOrder(insns, aBefore);
  const width = String(Math.max(insns.length - 1, 0)).length;
  let pastEnd = false;
  const target = (t: number): string => {
    if (t < insns.length) return String(t);
    pastEnd = true;
    return `${t}?`;
  };

  return insns.map((insn, pc) => {
    const { code, jt, jf, k } = insn;
    const notes: string[] = [];
    pastEnd = false;
    let text: string;
    const alu = ALU.get(code), jmp = JUMPS.get(code);
    if (code === OP.LD_W_ABS) {
      text = `ld   [${k}]`;
      notes.push(fieldName(k, order) ?? 'not an aligned word of seccomp_data: refused by the kernel');
    } else if (code === OP.LD_W_LEN || code === OP.LDX_W_LEN) {
      text = `${code === OP.LD_W_LEN ? 'ld ' : 'ldx'}  #len`;
      notes.push(`sizeof(seccomp_data) = ${SECCOMP_DATA_SIZE}`);
    } else if (code === OP.LD_IMM || code === OP.LDX_IMM) {
      text = `${code === OP.LD_IMM ? 'ld ' : 'ldx'}  #${hex(k)}`;
    } else if (code === OP.LD_MEM || code === OP.LDX_MEM || code === OP.ST || code === OP.STX) {
      const op = code === OP.LD_MEM ? 'ld ' : code === OP.LDX_MEM ? 'ldx' : code === OP.ST ? 'st ' : 'stx';
      text = `${op}  M[${k}]`;
      if (k >= MEM_WORDS) notes.push(`no such scratch slot: refused by the kernel`);
    } else if (alu !== undefined) {
      text = `${alu.padEnd(4)} ${usesX(code) ? 'x' : `#${hex(k)}`}`;
      if ((code === OP.DIV_K || code === OP.MOD_K) && k === 0) notes.push('division by zero: refused by the kernel');
      if ((code === OP.LSH_K || code === OP.RSH_K) && k >= 32) notes.push('shift of 32 or more: refused by the kernel');
    } else if (code === OP.NEG) {
      text = 'neg';
    } else if (code === OP.TAX || code === OP.TXA) {
      text = code === OP.TAX ? 'tax' : 'txa';
    } else if (code === OP.JA) {
      text = `ja   ${target(pc + 1 + k)}`;
    } else if (jmp !== undefined) {
      text = `${jmp.padEnd(4)} ${usesX(code) ? 'x' : `#${hex(k)}`}  jt ${target(pc + 1 + jt)}  jf ${target(pc + 1 + jf)}`;
      const field = aBefore[pc];
      if (!usesX(code) && field === 4) notes.push(archName(k) ?? 'unknown arch');
      // Only equality names a syscall; a jgt/jge bound is just a point in the number range.
      if (code === OP.JEQ_K && field === 0) {
        const name = options.syscallName?.(k);
        if (name !== undefined) notes.push(name);
      }
    } else if (code === OP.RET_K) {
      const name = actionName(k);
      text = `ret  ${name ?? `#${hex(k)}`}`;
      if (name === undefined) notes.push('unknown action: the kernel kills the process');
    } else if (code === OP.RET_A) {
      text = 'ret  a';
    } else {
      text = `.insn code=${hex(code)} jt=${jt} jf=${jf} k=${hex(k)}`;
      notes.push('opcode not allowed in seccomp filters');
    }
    if (pastEnd) notes.push('jump past the end: refused by the kernel');
    if (pc === insns.length - 1 && code !== OP.RET_K && code !== OP.RET_A) {
      notes.push('the last instruction must return: refused by the kernel');
    }
    if (aBefore[pc] === undefined && pc > 0) notes.push('unreachable');
    const line = `${String(pc).padStart(width)}: ${text}`;
    return notes.length === 0 ? line : `${line.padEnd(width + 36)} ; ${notes.join('; ')}`;
  }).join('\n');
}
