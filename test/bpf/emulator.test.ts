/**
 * The emulator on hand-assembled programs, one opcode class at a time. Expected values are
 * worked out by hand for 32-bit unsigned arithmetic, including the wrap-around edges.
 */
import { describe, expect, it } from 'vitest';
import { SeccompError } from '../../src/errors';
import { OP, jump, stmt, type Instruction } from '../../src/bpf/program';
import { decodeAction, runFilter, traceFilter, type SeccompData } from '../../src/bpf/emulator';

const X86_64 = 0xc000003e;
const S390X = 0x80000016; // big-endian: no AUDIT_ARCH_LE flag
const ALLOW = 0x7fff0000;
const KILL = 0x80000000;
const data: SeccompData = { nr: 0, arch: X86_64 };

const run = (program: Instruction[], d: SeccompData = data): number => runFilter(program, d);

describe('loads', () => {
  const fields: SeccompData = {
    nr: 231, arch: X86_64, instructionPointer: 0x11223344_55667788n,
    args: [0xaaaaaaaa_00000001n, 2n, 3n, 4n, 5n, 0xdeadbeef_cafef00dn],
  };
  const load = (k: number, d: SeccompData): number => run([stmt(OP.LD_W_ABS, k), stmt(OP.RET_A)], d);

  it('reads each word of seccomp_data on a little-endian arch', () => {
    expect(load(0, fields)).toBe(231);
    expect(load(4, fields)).toBe(X86_64);
    expect(load(8, fields)).toBe(0x55667788);
    expect(load(12, fields)).toBe(0x11223344);
    expect(load(16, fields)).toBe(1);
    expect(load(20, fields)).toBe(0xaaaaaaaa);
    expect(load(24, fields)).toBe(2);
    expect(load(28, fields)).toBe(0);
    expect(load(56, fields)).toBe(0xcafef00d);
    expect(load(60, fields)).toBe(0xdeadbeef);
  });

  it('puts the high word first on a big-endian arch', () => {
    const be = { ...fields, arch: S390X };
    expect(load(4, be)).toBe(S390X);
    expect(load(8, be)).toBe(0x11223344);
    expect(load(16, be)).toBe(0xaaaaaaaa);
    expect(load(20, be)).toBe(1);
  });

  it('treats missing args as 0, negative numbers as two\'s complement', () => {
    expect(load(40, { nr: 0, arch: X86_64, args: [1n] })).toBe(0);
    expect(load(0, { nr: -1, arch: X86_64 })).toBe(0xffffffff);
    expect(load(20, { nr: 0, arch: X86_64, args: [-100n] })).toBe(0xffffffff);
    expect(load(16, { nr: 0, arch: X86_64, args: [-100n] })).toBe(0xffffff9c);
  });

  it('refuses malformed seccomp_data', () => {
    expect(() => load(0, { nr: 1.5, arch: X86_64 })).toThrow(SeccompError);
    expect(() => load(0, { nr: 2 ** 32, arch: X86_64 })).toThrow(/nr must be a 32-bit integer/);
    expect(() => load(0, { nr: 0, arch: X86_64, args: [0n, 0n, 0n, 0n, 0n, 0n, 0n] })).toThrow(/at most 6 args/);
    expect(() => load(0, { nr: 0, arch: X86_64, args: [1 as unknown as bigint] })).toThrow(/args\[0\] must be a bigint/);
  });

  it('loads the length, immediates and scratch memory', () => {
    expect(run([stmt(OP.LD_W_LEN), stmt(OP.RET_A)])).toBe(64);
    expect(run([stmt(OP.LDX_W_LEN), stmt(OP.TXA), stmt(OP.RET_A)])).toBe(64);
    expect(run([stmt(OP.LD_IMM, 0xfeedface), stmt(OP.RET_A)])).toBe(0xfeedface);
    expect(run([stmt(OP.LDX_IMM, 7), stmt(OP.TXA), stmt(OP.RET_A)])).toBe(7);
    // A -> M[2], X -> M[9], then read them back crosswise.
    expect(run([
      stmt(OP.LD_IMM, 11), stmt(OP.LDX_IMM, 22), stmt(OP.ST, 2), stmt(OP.STX, 9),
      stmt(OP.LD_MEM, 9), stmt(OP.LDX_MEM, 2), stmt(OP.SUB_X), stmt(OP.RET_A),
    ])).toBe(11);
    expect(run([stmt(OP.LD_IMM, 5), stmt(OP.TAX), stmt(OP.LD_IMM, 0), stmt(OP.TXA), stmt(OP.RET_A)])).toBe(5);
  });
});

describe('ALU', () => {
  // [name, K opcode, X opcode, A, operand, expected A]
  const cases: [string, number, number, number, number, number][] = [
    ['add wraps', OP.ADD_K, OP.ADD_X, 0xffffffff, 2, 1],
    ['sub wraps', OP.SUB_K, OP.SUB_X, 1, 2, 0xffffffff],
    ['mul keeps the low 32 bits', OP.MUL_K, OP.MUL_X, 0xffffffff, 0xffffffff, 1],
    ['mul overflows to 0', OP.MUL_K, OP.MUL_X, 0x10000, 0x10000, 0],
    ['div is unsigned', OP.DIV_K, OP.DIV_X, 0xfffffffe, 2, 0x7fffffff],
    ['div truncates', OP.DIV_K, OP.DIV_X, 0xffffffff, 0xfffffffe, 1],
    ['mod is unsigned', OP.MOD_K, OP.MOD_X, 0x80000001, 0x10, 1],
    ['and', OP.AND_K, OP.AND_X, 0xff00ff00, 0x0ff00ff0, 0x0f000f00],
    ['or', OP.OR_K, OP.OR_X, 0xf0000000, 0x0000000f, 0xf000000f],
    ['xor', OP.XOR_K, OP.XOR_X, 0xffff0000, 0xff00ff00, 0x00ffff00],
    ['lsh into the sign bit', OP.LSH_K, OP.LSH_X, 3, 31, 0x80000000],
    ['rsh is logical', OP.RSH_K, OP.RSH_X, 0x80000000, 31, 1],
  ];
  for (const [name, opK, opX, a, b, expected] of cases) {
    it(`${name} (K and X)`, () => {
      expect(run([stmt(OP.LD_IMM, a), stmt(opK, b), stmt(OP.RET_A)])).toBe(expected);
      expect(run([stmt(OP.LD_IMM, a), stmt(OP.LDX_IMM, b), stmt(opX), stmt(OP.RET_A)])).toBe(expected);
    });
  }

  it('neg is two\'s complement', () => {
    expect(run([stmt(OP.LD_IMM, 1), stmt(OP.NEG), stmt(OP.RET_A)])).toBe(0xffffffff);
    expect(run([stmt(OP.LD_IMM, 0), stmt(OP.NEG), stmt(OP.RET_A)])).toBe(0);
    expect(run([stmt(OP.LD_IMM, 0x80000000), stmt(OP.NEG), stmt(OP.RET_A)])).toBe(0x80000000);
  });

  it('masks a shift count in X to 5 bits', () => {
    expect(run([stmt(OP.LD_IMM, 1), stmt(OP.LDX_IMM, 33), stmt(OP.LSH_X), stmt(OP.RET_A)])).toBe(2);
    expect(run([stmt(OP.LD_IMM, 8), stmt(OP.LDX_IMM, 32), stmt(OP.RSH_X), stmt(OP.RET_A)])).toBe(8);
  });

  it('ends the program with 0 (KILL_THREAD) on division by X = 0', () => {
    for (const op of [OP.DIV_X, OP.MOD_X]) {
      expect(run([stmt(OP.LD_IMM, 10), stmt(OP.LDX_IMM, 0), stmt(op), stmt(OP.RET_K, ALLOW)])).toBe(0);
      expect(run([stmt(OP.LD_IMM, 10), stmt(OP.LDX_IMM, 3), stmt(op), stmt(OP.RET_K, ALLOW)])).toBe(ALLOW);
    }
  });
});

describe('jumps and returns', () => {
  // A = nr; one conditional jump; 1 when taken, 2 when not.
  const branch = (op: number, k: number, nr: number, x = 0): number =>
    run([stmt(OP.LDX_IMM, x), stmt(OP.LD_W_ABS, 0), jump(op, k, 1, 0), stmt(OP.RET_K, 2), stmt(OP.RET_K, 1)], { nr, arch: X86_64 });

  // [name, K opcode, operand, nr, expected, decoy]. The X form of each opcode is the K form
  // | 0x08; it runs with the operand in X and the decoy in K, which gives the other answer.
  const cases: [string, number, number, number, number, number][] = [
    ['jeq equal', OP.JEQ_K, 5, 5, 1, 6],
    ['jeq different', OP.JEQ_K, 5, 6, 2, 6],
    ['jgt greater, unsigned', OP.JGT_K, 1, -1, 1, 0xffffffff],
    ['jgt equal', OP.JGT_K, 5, 5, 2, 0],
    ['jge equal', OP.JGE_K, 5, 5, 1, 6],
    ['jge smaller, unsigned', OP.JGE_K, 0x80000000, 0x7fffffff, 2, 0],
    ['jset shared bit', OP.JSET_K, 0x40000000, 0x40000001, 1, 0x80000000],
    ['jset no shared bit', OP.JSET_K, 0x40000000, 0x3fffffff, 2, 1],
  ];
  for (const [name, opK, operand, nr, expected, decoy] of cases) {
    it(`${name} (K and X)`, () => {
      expect(branch(opK, operand, nr)).toBe(expected);
      expect(branch(opK, decoy, nr)).toBe(3 - expected);
      expect(branch(opK | 0x08, decoy, nr, operand)).toBe(expected);
    });
  }

  it('ja skips forward by k', () => {
    expect(run([stmt(OP.JA, 2), stmt(OP.RET_K, 1), stmt(OP.RET_K, 2), stmt(OP.RET_K, 3)])).toBe(3);
    expect(run([stmt(OP.JA, 0), stmt(OP.RET_K, 1)])).toBe(1);
  });

  it('returns K or A', () => {
    expect(run([stmt(OP.RET_K, 0x00050001)])).toBe(0x00050001);
    expect(run([stmt(OP.LD_IMM, 0x7ffc0000), stmt(OP.RET_A)])).toBe(0x7ffc0000);
  });

  it('traces the instructions it runs', () => {
    const program = [stmt(OP.LD_W_ABS, 0), jump(OP.JEQ_K, 7, 0, 2), stmt(OP.LD_IMM, ALLOW), stmt(OP.RET_A), stmt(OP.RET_K, KILL)];
    expect(traceFilter(program, { nr: 7, arch: X86_64 })).toEqual({ result: ALLOW, path: [0, 1, 2, 3] });
    expect(traceFilter(program, { nr: 8, arch: X86_64 })).toEqual({ result: KILL, path: [0, 1, 4] });
  });

  it('accepts the program as bytes and refuses invalid ones', () => {
    const bytes = Buffer.alloc(8);
    bytes.writeUInt16LE(OP.RET_K, 0);
    bytes.writeUInt32LE(ALLOW, 4);
    expect(runFilter(bytes, data)).toBe(ALLOW);
    expect(() => runFilter(bytes.subarray(0, 7), data)).toThrow(SeccompError);
    expect(() => runFilter([stmt(OP.LD_IMM, 0)], data)).toThrow(/not a return/);
  });
});

describe('decodeAction', () => {
  it('names each action and keeps the data bits', () => {
    expect(decodeAction(0x80000000)).toEqual({ action: 'kill-process', data: 0 });
    expect(decodeAction(0x00000000)).toEqual({ action: 'kill-thread', data: 0 });
    expect(decodeAction(0x00030007)).toEqual({ action: 'trap', data: 7 });
    expect(decodeAction(0x00050001)).toEqual({ action: 'errno', data: 1 });
    expect(decodeAction(0x7fc00000)).toEqual({ action: 'user-notif', data: 0 });
    expect(decodeAction(0x7ff0002a)).toEqual({ action: 'trace', data: 42 });
    expect(decodeAction(0x7ffc0000)).toEqual({ action: 'log', data: 0 });
    expect(decodeAction(0x7fff0000)).toEqual({ action: 'allow', data: 0 });
  });

  it('uses the full 16-bit action field, so near misses are unknown and kill the process', () => {
    expect(decodeAction(0x7fff0001)).toEqual({ action: 'allow', data: 1 });
    expect(decodeAction(0x7ffe0000)).toEqual({ action: 'kill-process', data: 0 });
    expect(decodeAction(0x00040000)).toEqual({ action: 'kill-process', data: 0 });
    expect(decodeAction(0xffff0000)).toEqual({ action: 'kill-process', data: 0 });
  });
});
