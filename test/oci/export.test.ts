/**
 * toOciProfile(), stringifyOciProfile(), parseOciProfile(), and round trips through
 * fromOciProfile(): a round trip must give the very filter the original policy gives.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOCKER_PROFILE } from '../helpers/child';
import type { ArchName } from '../../src/arch';
import { compile } from '../../src/compiler';
import { SeccompError } from '../../src/errors';
import { expandEntries } from '../../src/groups';
import type { Policy } from '../../src/policy';
import { argWidth } from '../../src/syscall-args';
import { fromOciProfile, parseOciProfile, stringifyOciProfile, toOciProfile } from '../../src/oci';
import { bindSelfPid } from '../../src/self-pid';

const DOCKER = JSON.parse(fs.readFileSync(DOCKER_PROFILE, 'utf8')) as unknown;

/** The native rules the compiler makes, in a canonical order. */
function filterOf(policy: Policy, arch: ArchName = 'x86_64'): string[] {
  const { spec } = compile(policy, { arch, report: false, optimize: 2 });
  return spec.rules.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).sort();
}

function thrown(fn: () => unknown): SeccompError {
  try { fn(); } catch (error) { expect(error).toBeInstanceOf(SeccompError); return error as SeccompError; }
  throw new Error('expected a SeccompError');
}

describe('toOciProfile', () => {
  it('writes actions, architectures and groups of sorted names', () => {
    const { profile, notes } = toOciProfile({
      defaultAction: { errno: 'EPERM' },
      rules: [
        { syscall: 'write', action: 'allow' }, { syscall: 'read', action: 'allow' }, { syscall: 'read', action: 'allow' },
        { syscall: 'clone3', action: { errno: 'ENOSYS' } }, { syscall: 'ptrace', action: 'kill-process' },
        { syscall: 'getpid', action: 'log' }, { syscall: 'uname', action: 'trap' }, { syscall: 'io_uring_setup', action: { errno: 38 } },
      ],
    }, { arches: ['x86_64', 'aarch64'] });
    expect(notes).toEqual([]);
    expect(profile).toEqual({
      defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1,
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_AARCH64'],
      syscalls: [
        { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
        { names: ['clone3', 'io_uring_setup'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
        { names: ['ptrace'], action: 'SCMP_ACT_KILL_PROCESS' },
        { names: ['getpid'], action: 'SCMP_ACT_LOG' },
        { names: ['uname'], action: 'SCMP_ACT_TRAP' },
      ],
    });
    expect(toOciProfile({ defaultAction: 'kill-process', rules: [] }, { arches: ['riscv64'] }).profile)
      .toEqual({ defaultAction: 'SCMP_ACT_KILL_PROCESS', architectures: ['SCMP_ARCH_RISCV64'], syscalls: [] });
  });

  it('writes 64-bit equalities as they are, 64-bit ranges as masked blocks, and 32-bit comparisons as masked comparisons of the low half', () => {
    const { profile } = toOciProfile({ defaultAction: 'kill-process', rules: [
      { syscall: 'mmap', action: 'allow', conditions: [{ arg: 2, op: 'le', value: '3', width: 64 }, { arg: 1, op: 'eq', value: '-1', width: 64 }] },
      { syscall: 'clone', action: 'allow', conditions: [{ arg: 0, op: 'masked-eq', mask: String(0x7e020000), value: '0', width: 64 }] },
      { syscall: 'socket', action: 'allow', conditions: [{ arg: 0, op: 'eq', value: '2' }] }, // int by the syscall table
      { syscall: 'openat', action: 'allow', conditions: [{ arg: 0, op: 'eq', value: '-100', width: 32 }] },
    ] }, { arches: ['x86_64'] });
    expect(profile.syscalls.map((s) => [s.names, s.args])).toEqual([
      // arg2 <= 3 is the block of values whose bits above the lowest two are zero: the
      // compiler never hands libseccomp a 64-bit range (GHSA-4q85-33p6-j5g6)
      [['mmap'], [{ index: 1, value: 18446744073709551615n, op: 'SCMP_CMP_EQ' },
        { index: 2, value: 18446744073709551612n, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]],
      [['clone'], [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]],
      [['socket'], [{ index: 0, value: 0xffffffff, valueTwo: 2, op: 'SCMP_CMP_MASKED_EQ' }]],
      [['openat'], [{ index: 0, value: 0xffffffff, valueTwo: 0xffffff9c, op: 'SCMP_CMP_MASKED_EQ' }]],
    ]);
  });

  it('writes a 32-bit ne as alternatives that together cover every other low half', () => {
    const { profile } = toOciProfile({ defaultAction: 'kill-process', rules: [
      { syscall: 'rt_sigaction', action: 'allow', conditions: [{ arg: 0, op: 'ne', value: '31', width: 32 }] }] }, { arches: ['x86_64'] });
    const blocks = profile.syscalls.map((s) => s.args![0]);
    expect(blocks.every((a) => a.op === 'SCMP_CMP_MASKED_EQ' && BigInt(a.value) <= 0xffffffffn)).toBe(true);
    const matches = (x: bigint) => blocks.some((a) => (x & BigInt(a.value)) === BigInt(a.valueTwo!));
    for (const x of [0n, 1n, 30n, 32n, 0xffffffffn, 0x1234_0000_001fn]) expect(matches(x), String(x)).toBe((x & 0xffffffffn) !== 31n);
    expect(matches(31n)).toBe(false);
    expect(matches(0xffffffff_0000001fn)).toBe(false); // upper-half garbage cannot dodge it
  });

  it('refuses what the compiler refuses, and bad options', () => {
    expect(thrown(() => toOciProfile({ defaultAction: 'allow', rules: [{ syscall: 'reed', action: 'kill-process' , conditions: [{ arg: 0, op: 'eq', value: '1' }] }] })).code)
      .toBe('ERR_SECCOMP_UNKNOWN_SYSCALL');
    expect(thrown(() => toOciProfile({ defaultAction: 'allow', rules: [{ syscall: 'socket', action: 'kill-process', conditions: [{ arg: 0, op: 'eq', value: String(2 ** 33) }] }] })).code)
      .toBe('ERR_SECCOMP_VALUE_OUT_OF_RANGE');
    expect(thrown(() => toOciProfile({ defaultAction: 'allow', rules: [] }, { arches: [] })).code).toBe('ERR_SECCOMP_INVALID_OPTION');
    expect(thrown(() => toOciProfile({ defaultAction: 'allow', rules: [] }, { arches: ['sparc' as ArchName] })).code).toBe('ERR_SECCOMP_UNKNOWN_ARCH');
    expect(thrown(() => toOciProfile({ defaultAction: { errno: 'EPREM' }, rules: [] })).code).toBe('ERR_SECCOMP_UNKNOWN_ERRNO');
  });
});

describe('round trips', () => {
  it('policy → profile → policy gives the same filter, for @node and @net-server', () => {
    const symbolic: Policy = { defaultAction: 'kill-process', rules: expandEntries(['@node', '@net-server']) };
    // @node compares tgkill's pid with $pid: an export names the process that will load it
    expect(thrown(() => toOciProfile(symbolic)).code).toBe('ERR_SECCOMP_UNBOUND_PID');
    const { profile, notes } = toOciProfile(symbolic, { arches: ['x86_64', 'aarch64'], pid: 4242 });
    const policy = bindSelfPid(symbolic, 4242);
    expect(profile.syscalls).toContainEqual({ names: expect.arrayContaining(['tgkill']), action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: 0xffffffff, valueTwo: 4242, op: 'SCMP_CMP_MASKED_EQ' }] });
    expect(notes).toEqual([]);
    const back = fromOciProfile(JSON.parse(stringifyOciProfile(profile)), { arch: 'x86_64' });
    expect(back.notes).toEqual([]);
    expect(back.policy.defaultAction).toBe('kill-process');
    const pairs = (p: Policy) => [...new Set(p.rules.map((r) => `${r.syscall} ${JSON.stringify(r.action)}`))].sort();
    expect(pairs(back.policy)).toEqual(pairs(policy));
    // unconditional rules and 32-bit equalities come back verbatim
    const plain = policy.rules.filter((r) => !r.conditions);
    expect(back.policy.rules).toEqual(expect.arrayContaining(plain));
    expect(back.policy.rules).toContainEqual({ syscall: 'ioctl', action: 'allow', conditions: [{ arg: 1, op: 'eq', value: '21537', width: 32 }] });
    expect(filterOf(back.policy)).toEqual(filterOf(policy));
    expect(filterOf(fromOciProfile(profile, { arch: 'aarch64' }).policy, 'aarch64')).toEqual(filterOf(policy, 'aarch64'));
  });

  it('Docker profile → policy → profile → policy gives the same filter, with either argument width', () => {
    for (const argWidths of ['per-argument', 'runc'] as const) {
      const first = fromOciProfile(DOCKER, { arch: 'x86_64', kernel: '6.8', argWidths }).policy;
      const second = fromOciProfile(toOciProfile(first, { arches: ['x86_64'] }).profile, { arch: 'x86_64', argWidths }).policy;
      // Range comparisons come back as the masked blocks the compiler lowers them to (Docker's
      // socket family < 38 or > 40); every other rule comes back verbatim.
      const ranged = (r: Policy['rules'][number]) => r.conditions?.some((c) => ['lt', 'le', 'gt', 'ge'].includes(c.op)) ?? false;
      // A width spelt out where the argument table gives the same one means the same.
      const plain = (rules: Policy['rules']) => rules.map((r) => ({ ...r, ...(r.conditions ? {
        conditions: r.conditions.map(({ width, ...c }) => (width === undefined || width === argWidth(r.syscall, c.arg) ? c : { ...c, width })),
      } : {}) }));
      expect(first.rules.some(ranged)).toBe(true);
      expect(second.defaultAction).toEqual(first.defaultAction);
      expect(plain(second.rules)).toEqual(expect.arrayContaining(plain(first.rules.filter((r) => !ranged(r)))));
      expect(filterOf(second)).toEqual(filterOf(first));
    }
  });
});

describe('stringifyOciProfile / parseOciProfile', () => {
  const profile = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mmap'], action: 'SCMP_ACT_ERRNO',
    args: [{ index: 1, value: 18446744073709551615n, op: 'SCMP_CMP_EQ' }, { index: 2, value: 7, op: 'SCMP_CMP_EQ' }] }] };

  it('writes uint64 values as exact integer literals and reads them back exactly', () => {
    const text = stringifyOciProfile(profile);
    expect(text).toContain('"value": 18446744073709551615,');
    expect(() => JSON.parse(text)).not.toThrow(); // valid JSON, though JSON.parse would round it
    const parsed = parseOciProfile(text) as typeof profile;
    expect(parsed.syscalls[0].args[0].value).toBe('18446744073709551615');
    expect(parsed.syscalls[0].args[1].value).toBe(7);
    expect(fromOciProfile(parsed, { arch: 'x86_64' }).policy.rules[0].conditions![0].value).toBe('18446744073709551615');
    expect(parseOciProfile('{"comment": "12345678901234567890 \\" 98765432109876543210", "n": -1.5e3}'))
      .toEqual({ comment: '12345678901234567890 " 98765432109876543210', n: -1500 });
  });
});
