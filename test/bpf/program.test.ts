/**
 * Decoding and load-time validation: the kernel's rules, each with a refused case and the
 * nearest accepted one, so that neither an over-strict nor a lax check goes unnoticed.
 */
import { describe, expect, it } from 'vitest';
import { SeccompError } from '../../src/errors';
import {
  OP, decodeInstructions, encodeProgram, jump, parseProgram, stmt, validateProgram, type Instruction,
} from '../../src/bpf/program';

const ALLOW = 0x7fff0000;
const ret = stmt(OP.RET_K, ALLOW);

function expectInvalid(input: Uint8Array | readonly Instruction[], message: RegExp): void {
  let caught: unknown;
  try { parseProgram(input); } catch (e) { caught = e; }
  expect(caught).toBeInstanceOf(SeccompError);
  expect((caught as SeccompError).code).toBe('ERR_SECCOMP_INVALID_PROGRAM');
  expect((caught as SeccompError).message).toMatch(message);
}

describe('decoding', () => {
  it('reads code, jt, jf and k from 8-byte little-endian records', () => {
    const bytes = Buffer.from([0x15, 0x00, 0x02, 0x07, 0x3e, 0x00, 0x00, 0xc0, 0x06, 0x00, 0, 0, 0, 0, 0xff, 0x7f]);
    expect(decodeInstructions(bytes, 'LE')).toEqual([
      { code: OP.JEQ_K, jt: 2, jf: 7, k: 0xc000003e },
      { code: OP.RET_K, jt: 0, jf: 0, k: ALLOW },
    ]);
  });

  it('honours a big-endian program buffer', () => {
    const bytes = Buffer.from([0x00, 0x06, 0, 0, 0x7f, 0xff, 0x00, 0x00]);
    expect(decodeInstructions(bytes, 'BE')).toEqual([{ code: OP.RET_K, jt: 0, jf: 0, k: ALLOW }]);
  });

  it('round-trips through encodeProgram, also from an offset into a larger buffer', () => {
    const program = [stmt(OP.LD_W_ABS, 4), jump(OP.JEQ_K, 0xc000003e, 0, 1), ret, stmt(OP.RET_K, 0x80000000)];
    for (const order of ['LE', 'BE'] as const) {
      const bytes = encodeProgram(program, order);
      expect(bytes.length).toBe(32);
      expect(decodeInstructions(bytes, order)).toEqual(program);
      const shifted = Buffer.concat([Buffer.alloc(3), bytes]).subarray(3);
      expect(decodeInstructions(shifted, order)).toEqual(program);
    }
  });
});

describe('validation', () => {
  it('accepts the boundary cases of every rule', () => {
    const program = parseProgram([
      stmt(OP.LD_W_ABS, 60), // last word of seccomp_data
      stmt(OP.LSH_K, 31), stmt(OP.DIV_K, 1), stmt(OP.ST, 15), stmt(OP.LD_MEM, 15),
      jump(OP.JEQ_K, 0, 1, 2), stmt(OP.JA, 1), stmt(OP.RET_A), ret,
    ]);
    expect(program).toHaveLength(9);
    expect(Object.isFrozen(program)).toBe(true);
    expect(parseProgram(program)).toBe(program); // validated once, remembered
  });

  it('refuses a length that is not a multiple of 8, an empty program and one over 4096', () => {
    expectInvalid(Buffer.alloc(15), /length 15 is not a multiple of 8/);
    expectInvalid(Buffer.alloc(0), /0 instructions/);
    expectInvalid([], /0 instructions/);
    expectInvalid(new Array<Instruction>(4097).fill(ret), /4097 instructions/);
    expect(parseProgram(new Array<Instruction>(4096).fill(ret))).toHaveLength(4096);
  });

  it('refuses opcodes seccomp does not allow', () => {
    for (const code of [0x28 /* ld h abs */, 0x30 /* ld b abs */, 0x40 /* ld ind */, 0xb1 /* ldx msh */,
      0x0e /* ret x */, 0x8c /* neg x */, 0x27 /* misc, stray bit */, 0xffff]) {
      expectInvalid([stmt(code, 0), ret], new RegExp(`instruction 0 \\(code 0x${code.toString(16).padStart(2, '0')}\\): opcode not allowed`));
    }
  });

  it('refuses loads outside seccomp_data or not word-aligned', () => {
    expectInvalid([stmt(OP.LD_W_ABS, 64), ret], /load offset 64/);
    expectInvalid([stmt(OP.LD_W_ABS, 2), ret], /load offset 2/);
    expectInvalid([stmt(OP.LD_W_ABS, 0xfffff000), ret], /load offset/); // packet ancillary area
  });

  it('refuses division by constant zero, shifts of 32 and missing scratch slots', () => {
    expectInvalid([stmt(OP.DIV_K, 0), ret], /division by constant zero/);
    expectInvalid([stmt(OP.MOD_K, 0), ret], /division by constant zero/);
    expectInvalid([stmt(OP.LSH_K, 32), ret], /shift by 32/);
    expectInvalid([stmt(OP.RSH_K, 32), ret], /shift by 32/);
    expectInvalid([stmt(OP.ST, 16), ret], /scratch slot 16/);
    expectInvalid([stmt(OP.LDX_MEM, 16), ret], /scratch slot 16/);
  });

  it('refuses jumps past the end', () => {
    expectInvalid([stmt(OP.JA, 1), ret], /jump to 2 is past the end/);
    expectInvalid([stmt(OP.JA, 0xffffffff), ret], /past the end/);
    expectInvalid([jump(OP.JEQ_K, 0, 1, 0), ret], /jump to 2 is past the end/);
    expectInvalid([jump(OP.JSET_X, 0, 0, 1), ret], /jump to 2 is past the end/);
  });

  it('refuses a program whose last instruction is not a return', () => {
    expectInvalid([ret, stmt(OP.LD_IMM, 1)], /last instruction \(1\) is not a return/);
    expectInvalid([jump(OP.JEQ_K, 0, 0, 0)], /past the end/);
  });

  it('refuses reading a scratch slot some path has not written', () => {
    expectInvalid([stmt(OP.LD_MEM, 3), ret], /reads scratch slot M\[3\] before any store/);
    // Stored on the fall-through path only: the jump to 3 skips the store.
    expectInvalid([jump(OP.JEQ_K, 0, 0, 1), stmt(OP.ST, 3), stmt(OP.LDX_MEM, 3), ret], /M\[3\]/);
    // Stored before the branch: every path has it.
    expect(() => parseProgram([stmt(OP.ST, 3), jump(OP.JEQ_K, 0, 0, 1), stmt(OP.ST, 4), stmt(OP.LDX_MEM, 3), ret])).not.toThrow();
  });

  it('refuses hand-built instructions with fields out of range', () => {
    expectInvalid([{ code: OP.RET_K, jt: 256, jf: 0, k: 0 }], /field out of range/);
    expectInvalid([{ code: OP.RET_K, jt: 0, jf: 0, k: -1 }], /field out of range/);
    expectInvalid([{ code: OP.RET_K, jt: 0, jf: 0, k: 1.5 }], /field out of range/);
    expect(() => validateProgram([{ code: 0x10006, jt: 0, jf: 0, k: 0 }])).toThrow(SeccompError);
  });
});
