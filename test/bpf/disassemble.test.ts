/**
 * The listing format, on a hand-written program covering every opcode, on malformed input,
 * and on real programs, where the printed jump targets are checked against the emulator.
 */
import { describe, expect, it } from 'vitest';
import { SeccompError } from '../../src/errors';
import { Filter, arg } from '../../src/index';
import { actionName, disassemble, fieldName } from '../../src/bpf/disassemble';
import { traceFilter } from '../../src/bpf/emulator';
import { OP, encodeProgram, jump, stmt } from '../../src/bpf/program';

describe('disassemble', () => {
  it('prints every opcode class', () => {
    const program = [
      stmt(OP.LD_W_ABS, 4), jump(OP.JEQ_K, 0xc000003e, 0, 21), stmt(OP.LD_W_ABS, 0), jump(OP.JEQ_K, 1, 0, 1),
      stmt(OP.RET_K, 0x00050001), stmt(OP.LD_W_ABS, 16), stmt(OP.LD_W_ABS, 12), stmt(OP.LD_W_LEN), stmt(OP.LDX_W_LEN),
      stmt(OP.LD_IMM, 255), stmt(OP.LDX_IMM, 2), stmt(OP.ST, 0), stmt(OP.STX, 15), stmt(OP.LD_MEM, 0), stmt(OP.LDX_MEM, 15),
      stmt(OP.ADD_K, 16), stmt(OP.MOD_X), stmt(OP.NEG), stmt(OP.TAX), stmt(OP.TXA),
      jump(OP.JSET_X, 0, 1, 0), stmt(OP.JA, 1), stmt(OP.RET_A), stmt(OP.RET_K, 0x80000000),
    ];
    expect(disassemble(program, { syscallName: (nr) => (nr === 1 ? 'write' : undefined) })).toBe([
      ' 0: ld   [4]                           ; arch',
      ' 1: jeq  #0xc000003e  jt 2  jf 23      ; x86_64',
      ' 2: ld   [0]                           ; nr',
      ' 3: jeq  #0x1  jt 4  jf 5              ; write',
      ' 4: ret  ERRNO(1)',
      ' 5: ld   [16]                          ; args[0] lo',
      ' 6: ld   [12]                          ; instruction_pointer hi',
      ' 7: ld   #len                          ; sizeof(seccomp_data) = 64',
      ' 8: ldx  #len                          ; sizeof(seccomp_data) = 64',
      ' 9: ld   #0xff',
      '10: ldx  #0x2',
      '11: st   M[0]',
      '12: stx  M[15]',
      '13: ld   M[0]',
      '14: ldx  M[15]',
      '15: add  #0x10',
      '16: mod  x',
      '17: neg',
      '18: tax',
      '19: txa',
      '20: jset x  jt 22  jf 21',
      '21: ja   23',
      '22: ret  a',
      '23: ret  KILL_PROCESS',
    ].join('\n'));
  });

  it('names a syscall only while A still holds nr', () => {
    const program = [
      stmt(OP.LD_W_ABS, 0), stmt(OP.TAX), stmt(OP.ST, 0), jump(OP.JEQ_K, 1, 0, 0),
      stmt(OP.ADD_K, 0), jump(OP.JEQ_K, 1, 0, 0), stmt(OP.RET_A),
    ];
    const lines = disassemble(program, { syscallName: (nr) => (nr === 1 ? 'write' : undefined) }).split('\n');
    expect(lines[3]).toMatch(/; write$/);
    expect(lines[5]).not.toMatch(/;/);
  });

  it('reads bytes as exported', () => {
    const bytes = encodeProgram([stmt(OP.LD_W_ABS, 24), stmt(OP.RET_K, 0x7fff0000)]);
    expect(disassemble(bytes)).toBe('0: ld   [24]                          ; args[1] lo\n1: ret  ALLOW');
    expect(() => disassemble(bytes.subarray(0, 12))).toThrow(SeccompError);
  });

  it('names seccomp_data words by byte order, inferred from the arch compared against', () => {
    expect(fieldName(20)).toBe('args[0] hi');
    expect(fieldName(20, 'BE')).toBe('args[0] lo');
    expect(fieldName(60)).toBe('args[5] hi');
    expect(fieldName(8, 'BE')).toBe('instruction_pointer hi');
    expect(fieldName(64)).toBeUndefined();
    expect(fieldName(2)).toBeUndefined();
    const s390x = [stmt(OP.LD_W_ABS, 4), jump(OP.JEQ_K, 0x80000016, 0, 1), stmt(OP.LD_W_ABS, 16), stmt(OP.RET_A)];
    expect(disassemble(s390x).split('\n')[2]).toMatch(/ld {3}\[16\] +; args\[0\] hi$/);
    expect(disassemble(s390x, { dataByteOrder: 'LE' }).split('\n')[2]).toMatch(/; args\[0\] lo$/);
  });

  it('decodes return values', () => {
    expect(actionName(0x7fff0000)).toBe('ALLOW');
    expect(actionName(0x80000000)).toBe('KILL_PROCESS');
    expect(actionName(0)).toBe('KILL_THREAD');
    expect(actionName(0x00050000)).toBe('ERRNO(0)');
    expect(actionName(0x00030000)).toBe('TRAP');
    expect(actionName(0x00030009)).toBe('TRAP(9)');
    expect(actionName(0x7ff00005)).toBe('TRACE(5)');
    expect(actionName(0x7fc00000)).toBe('USER_NOTIF');
    expect(actionName(0x7ffc0000)).toBe('LOG');
    expect(actionName(0x12340000)).toBeUndefined();
  });

  it('lists programs the kernel would refuse, saying why', () => {
    const lines = disassemble([
      stmt(OP.LD_W_ABS, 6), stmt(0x28, 2), jump(OP.JGT_K, 0, 9, 0), stmt(OP.RET_K, 0x12340000),
      stmt(OP.DIV_K, 0), stmt(OP.LD_MEM, 16),
    ]).split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^0: ld {3}\[6\] +; not an aligned word of seccomp_data/);
    expect(lines[1]).toMatch(/^1: \.insn code=0x28 jt=0 jf=0 k=0x2 +; opcode not allowed/);
    expect(lines[2]).toMatch(/^2: jgt  #0x0  jt 12\? {2}jf 3 +; jump past the end/);
    expect(lines[3]).toMatch(/^3: ret  #0x12340000 +; unknown action: the kernel kills the process$/);
    expect(lines[4]).toMatch(/; division by zero: refused by the kernel; unreachable$/);
    expect(lines[5]).toMatch(/; no such scratch slot.*; the last instruction must return.*; unreachable$/);
  });
});

describe('disassemble on exported programs', () => {
  const filter = new Filter().allow('read').allow('write', arg(0).eq(1)).errno('ptrace', 'EPERM');

  for (const optimize of [1, 2] as const) {
    it(`numbers lines and names targets consistently with execution (optimize ${optimize})`, () => {
      const bytes = filter.exportBpf({ arch: 'x86_64', optimize });
      const lines = disassemble(bytes).split('\n');
      expect(lines).toHaveLength(bytes.length / 8);
      lines.forEach((line, i) => expect(line).toMatch(new RegExp(`^ *${i}: `)));
      expect(lines[0]).toMatch(/ld {3}\[4\] +; arch$/);
      expect(lines[1]).toMatch(/jeq  #0xc000003e .*; x86_64$/);
      expect(lines.some((l) => /ld {3}\[0\] +; nr$/.test(l))).toBe(true);
      expect(lines.some((l) => /ld {3}\[16\] +; args\[0\] lo$/.test(l))).toBe(true);
      for (const action of ['ALLOW', 'KILL_PROCESS', 'ERRNO\\(1\\)']) {
        expect(lines.some((l) => new RegExp(`: ret {2}${action}$`).test(l))).toBe(true);
      }
      // Syscall names go on comparisons of nr only, also where nr reaches them through jumps.
      const names: Record<number, string> = { 0: 'read', 1: 'write', 101: 'ptrace' };
      const named = disassemble(bytes, { syscallName: (nr) => names[nr] }).split('\n');
      expect(named.filter((l) => /jeq  #0x65 .*; ptrace$/.test(l))).toHaveLength(1);
      expect(named.filter((l) => /jeq  #0x1 .*; write$/.test(l))).toHaveLength(1);
      expect(named.filter((l) => /jeq  #0x1 /.test(l))).toHaveLength(2); // the other is args[0] == 1
      // Wherever a run passes a jump, the next executed line is one the listing printed.
      for (const call of [{ nr: 0 }, { nr: 1, args: [1n] }, { nr: 1, args: [2n] }, { nr: 101 }, { nr: 39 }]) {
        const { path } = traceFilter(bytes, { arch: 0xc000003e, ...call });
        for (let step = 0; step + 1 < path.length; step++) {
          const m = /jt (\d+) {2}jf (\d+)|ja {3}(\d+)/.exec(lines[path[step]]);
          const next = path[step + 1];
          if (m) expect([m[1], m[2], m[3]].map(Number)).toContain(next);
          else expect(next).toBe(path[step] + 1);
        }
      }
    });
  }
});
