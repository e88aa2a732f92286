/**
 * Verified compilation, in process (no filter is loaded here): the compiler's lowering
 * against libseccomp's known bugs, verification catching a program that does not do what
 * the policy says, and libseccomp's own failures coming back coded and naming the rule.
 * The regressions from libseccomp's bugs are in test/verify/regressions.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { decodeAction, runFilter, type SeccompData } from '../../src/bpf/emulator';
import { decodeInstructions, encodeProgram, OP } from '../../src/bpf/program';
import { arg, arg64, Filter, fromOciProfile } from '../../src/index';
import { SeccompError } from '../../src/errors';
import { buildVerified, compileFor, exportBpf } from '../../src/verified-program';
import { binding } from '../../src/native';
import type { Policy } from '../../src/policy';
import { syscallNumber } from '../../src/syscalls';
import { referenceModel, verificationVectors, verifyProgram } from '../../src/verify';

const X86_64 = 0xc000003e;
const LSEEK = syscallNumber('lseek', 'x86_64')!;
const MMAP = syscallNumber('mmap', 'x86_64')!;
const verdict = (program: Buffer, nr: number, args: bigint[]) => decodeAction(runFilter(program, { nr, arch: X86_64, args })).action;

function thrown(fn: () => unknown): SeccompError {
  try { fn(); } catch (error) { expect(error).toBeInstanceOf(SeccompError); return error as SeccompError; }
  throw new Error('expected a SeccompError');
}

describe('the compiler avoids what libseccomp gets wrong', () => {
  it('hands libseccomp no range comparison, and EQ never next to an NE of the same argument', () => {
    const compiled = compileFor({ defaultAction: 'kill-process', rules: [
      { syscall: 'lseek', action: 'allow', conditions: [{ arg: 1, op: 'lt', value: '4294967297' }] },
      { syscall: 'mmap', action: 'allow', conditions: [{ arg: 1, op: 'ne', value: '0' }, { arg: 2, op: 'eq', value: '7' }] },
      { syscall: 'mmap', action: { errno: 'EPERM' }, conditions: [{ arg: 1, op: 'eq', value: '0' }] },
      { syscall: 'mmap', action: { errno: 'EPERM' }, conditions: [{ arg: 1, op: 'masked-eq', mask: '15', value: '8' }, { arg: 2, op: 'ge', value: '8' }] },
    ] });
    const ops = (syscall: string) => new Set(compiled.spec.rules.filter((r) => r.syscall === syscallNumber(syscall, 'x86_64'))
      .flatMap((r) => r.conditions.map((c) => `${c.arg}:${c.op}`)));
    // lseek: masked blocks and a plain EQ (0x100000000); never LT (2), LE, GT, GE
    expect([...ops('lseek')].sort()).toEqual(['1:4', '1:7']);
    // mmap: arg1 has an NE, so its equality is a masked comparison too; arg2 (prot) is an
    // int, compared on its low half with masked comparisons
    expect([...ops('mmap')].sort()).toEqual(['1:1', '1:7', '2:7']);
  });

  it('refuses what cannot be expressed with a coded error naming the rule', () => {
    const tooLarge = thrown(() => new Filter().allow('lseek', arg(0).gt(7), arg(1).gt(3), arg(2).gt(5)).exportBpf());
    expect(tooLarge.code).toBe('ERR_SECCOMP_FILTER_TOO_LARGE');
    expect(tooLarge.message).toContain('rules[0] (lseek: allow if arg0 > 7 && arg1 > 3 && arg2 > 5)');
    const x32 = thrown(() => new Filter().allow('lseek', arg64(1).eq(5)).exportBpf({ arch: 'x32' }));
    expect(x32.code).toBe('ERR_SECCOMP_INVALID_CONDITION');
    expect(x32.message).toContain('x32 filters compare only the low 32 bits');
  });

  it('finds rules of different actions that overlap however they are written, and accepts exclusive ones', () => {
    const overlap = thrown(() => new Filter().allow('mmap', arg64(1).lt(100)).errno('mmap', 'EPERM', arg64(1).masked(0xf0).eq(0x60)).exportBpf());
    expect(overlap.code).toBe('ERR_SECCOMP_RULE_CONFLICT');
    expect(overlap.details.rules).toEqual([0, 1]);
    const program = new Filter().allow('mmap', arg64(1).lt(0x60)).errno('mmap', 'EPERM', arg64(1).masked(0xf0).eq(0x60)).exportBpf();
    expect(verdict(program, MMAP, [0n, 0x5fn])).toBe('allow');
    expect(decodeAction(runFilter(program, { nr: MMAP, arch: X86_64, args: [0n, 0x61n] })).data).toBe(1);
  });

  it('judges overlap on every argument together: rules that meet on each argument alone but never at once are exclusive', () => {
    // Ranges become several blocks per argument, and the rule every combination of them.
    const ranges = (f: Filter) => f.allow('mmap', arg64(1).lt(0x20), arg64(2).ge(0x10), arg64(2).lt(0x30));
    // Meets the allow rule on arg1 (0x10) and on arg2 (0x20), and at once: a conflict.
    const both = thrown(() => ranges(new Filter()).errno('mmap', 'EPERM', arg64(1).eq(0x10), arg64(2).eq(0x20)).exportBpf());
    expect(both.code).toBe('ERR_SECCOMP_RULE_CONFLICT');
    // Meets it on arg1 only (arg2 0x30 is outside): exclusive, whatever arg3 says.
    const program = ranges(new Filter()).errno('mmap', 'EPERM', arg64(1).eq(0x10), arg64(2).eq(0x30), arg64(3).eq(1)).exportBpf();
    expect(verdict(program, MMAP, [0n, 0x10n, 0x2fn])).toBe('allow');
    expect(decodeAction(runFilter(program, { nr: MMAP, arch: X86_64, args: [0n, 0x10n, 0x30n, 1n] })).data).toBe(1);
    // An argument only one rule looks at never separates them.
    const third = thrown(() => ranges(new Filter()).errno('mmap', 'EPERM', arg64(2).eq(0x2f), arg64(4).eq(9)).exportBpf());
    expect(third.code).toBe('ERR_SECCOMP_RULE_CONFLICT');
  });

  it('masked-eq is literal: a value with bits outside the mask never matches', () => {
    const program = new Filter({ defaultAction: 'allow' }).errno('mmap', 'EPERM', arg64(3).masked(0xff).eq(0x110)).exportBpf();
    for (const x of [0x10n, 0x110n, 0xffn]) expect(verdict(program, MMAP, [0n, 0n, 0n, x]), String(x)).toBe('allow');
  });

  it('an OCI MASKED_EQ keeps runc\'s meaning: libseccomp masks valueTwo, and so does the import', () => {
    const { policy, notes } = fromOciProfile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mmap'], action: 'SCMP_ACT_ERRNO',
      args: [{ index: 3, value: 0xff, valueTwo: 0x110, op: 'SCMP_CMP_MASKED_EQ' }] }] }, { arch: 'x86_64' });
    expect(policy.rules).toEqual([{ syscall: 'mmap', action: { errno: 'EPERM' }, conditions: [{ arg: 3, op: 'masked-eq', mask: '255', value: '16' }] }]);
    expect(notes.join('\n')).toContain('valueTwo has bits outside the mask');
    const program = Filter.fromPolicy(policy).exportBpf();
    expect(verdict(program, MMAP, [0n, 0n, 0n, 0x710n])).toBe('errno');
  });
});

describe('verification', () => {
  const policy: Policy = { defaultAction: 'kill-process', rules: [
    { syscall: 'lseek', action: 'allow', conditions: [{ arg: 1, op: 'lt', value: String(0x100000001n) }] },
    { syscall: 'lseek', action: 'allow', conditions: [{ arg: 1, op: 'gt', value: String(0x200000000n) }] },
    { syscall: 'close', action: 'allow', conditions: [{ arg: 0, op: 'eq', value: '3' }] },
  ] };
  const target = { arch: 'x86_64' as const, report: false };

  it('passes the program compiled for the policy', () => {
    const { bytes, verifiedCalls } = buildVerified(compileFor(policy));
    expect(verifiedCalls).toBeGreaterThan(20);
    expect(verifyProgram(policy, target, bytes).vectors).toBe(verifiedCalls);
  });

  it('catches the program libseccomp 2.5.4 builds for the lseek ranges, naming the call', () => {
    // What libseccomp makes of the two range rules when it gets them as LT and GT.
    const bad = binding!.buildFilter({
      arch: X86_64, defaultAction: 0x80000000, badArchAction: 0x80000000, optimize: 2, report: false, tsync: true,
      rules: [
        { syscall: LSEEK, action: 0x7fff0000, conditions: [{ arg: 1, op: 2, a: 0x100000001n, b: 0n }] },
        { syscall: LSEEK, action: 0x7fff0000, conditions: [{ arg: 1, op: 6, a: 0x200000000n, b: 0n }] },
        { syscall: syscallNumber('close', 'x86_64')!, action: 0x7fff0000, conditions: [{ arg: 0, op: 7, a: 0xffffffffn, b: 3n }] },
      ],
    }, 'bpf');
    const error = thrown(() => verifyProgram(policy, target, bad));
    expect(error.code).toBe('ERR_SECCOMP_MISCOMPILED');
    expect(error.details.syscall).toBe('lseek');
    expect(error.message).toMatch(/lseek\(0x[0-9a-f]+, 0x1[0-9a-f]{8}, .*the policy says kill-process, the program answers allow/);
  });

  it('catches a 32-bit comparison that looks at the upper half', () => {
    // The close rule compiled with a plain 64-bit EQ: garbage above fd 3 dodges it.
    const program = decodeInstructions(buildVerified(compileFor(policy)).bytes);
    // libseccomp masks the upper half of fd (args[0] hi, offset 20) away with AND 0
    const mask = program.findIndex((i, pc) => i.code === OP.AND_K && i.k === 0 && program[pc - 1].code === OP.LD_W_ABS && program[pc - 1].k === 20);
    expect(mask).toBeGreaterThan(0);
    const wrong = encodeProgram(program.map((insn, pc) => (pc === mask ? { ...insn, k: 0xffffffff } : insn)));
    const error = thrown(() => verifyProgram(policy, target, wrong));
    expect(error.code).toBe('ERR_SECCOMP_MISCOMPILED');
    expect(error.details.syscall).toBe('close');
  });

  it('refuses to export a program that libseccomp got wrong: nothing comes out', () => {
    const original = binding!.buildFilter;
    const filter = new Filter().allow('close', arg(0).eq(3));
    const good = filter.exportBpf();
    // A libseccomp that answers every call with allow.
    binding!.buildFilter = ((spec: unknown, mode: string) => (mode === 'bpf'
      ? encodeProgram([{ code: OP.RET_K, jt: 0, jf: 0, k: 0x7fff0000 }])
      : original(spec as never, mode as 'pfc'))) as typeof original;
    try {
      for (const exporter of [() => filter.exportBpf(), () => filter.exportPfc()]) {
        expect(thrown(exporter).code).toBe('ERR_SECCOMP_MISCOMPILED');
      }
    } finally {
      binding!.buildFilter = original;
    }
    expect(filter.exportBpf().equals(good)).toBe(true);
  });

  it('a libseccomp refusal comes back coded, naming the policy rule', () => {
    const compiled = compileFor({ defaultAction: 'kill-process', rules: [
      { syscall: 'read', action: 'allow' },
      { syscall: 'mmap', action: 'allow', conditions: [{ arg: 1, op: 'eq', value: '4096' }] },
    ] });
    // Two comparisons of one argument in one native rule, which libseccomp refuses (EINVAL).
    const rule = compiled.spec.rules.findIndex((r) => r.conditions.length === 1);
    compiled.spec.rules[rule].conditions.push({ ...compiled.spec.rules[rule].conditions[0] });
    const error = thrown(() => exportBpf(compiled));
    expect(error.code).toBe('ERR_SECCOMP_NATIVE');
    expect(error.details).toEqual({ rule: 1, errno: 'EINVAL' });
    expect(error.message).toContain('rules[1] (mmap: allow if arg1 == 4096)');
  });

  it('checks x32 numbers, foreign architectures and garbage in the upper half of int arguments', () => {
    const vectors = verificationVectors(referenceModel(policy, target), 'x86_64');
    const close = syscallNumber('close', 'x86_64')!;
    expect(vectors.some((v) => v.nr === (LSEEK | 0x40000000) && v.arch === X86_64)).toBe(true);
    expect(vectors.some((v) => v.arch === 0x40000003)).toBe(true); // i386
    expect(vectors.some((v) => v.arch === 0xc00000b7)).toBe(true); // aarch64
    const fd = (v: SeccompData) => v.args?.[0] ?? 0n;
    expect(vectors.some((v) => v.nr === close && fd(v) >> 32n !== 0n && (fd(v) & 0xffffffffn) === 3n)).toBe(true);
    expect(vectors.some((v) => v.nr === close && fd(v) === 3n)).toBe(true);
    // each constant's neighbours, in both halves of a 64-bit argument
    const offsets = new Set(vectors.filter((v) => v.nr === LSEEK).map((v) => v.args?.[1]));
    for (const x of [0x100000000n, 0x100000001n, 0x100000002n, 0x200000001n, 0x1ffffffffn, 0x300000000n, 0x200000000n]) {
      expect(offsets.has(x), `0x${x.toString(16)}`).toBe(true);
    }
  });
});
