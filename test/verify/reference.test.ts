/**
 * The reference interpreter against the documented semantics, with the expected actions
 * written out by hand (README: Conditions, Rule semantics, Actions, Violation report).
 */
import { describe, expect, it } from 'vitest';
import type { Policy } from '../../src/policy';
import { syscallNumber } from '../../src/syscalls';
import { referenceModel } from '../../src/verify';

const X86_64 = 0xc000003e;
const ALLOW = 0x7fff0000, KILL = 0x80000000, TRAP = 0x00030000, LOG = 0x7ffc0000;
const ERRNO = (n: number) => 0x00050000 + n;
const nr = (name: string) => syscallNumber(name, 'x86_64')!;

function verdicts(policy: Policy, report = false) {
  const model = referenceModel(policy, { arch: 'x86_64', report });
  return (name: string, args: bigint[] = [], arch = X86_64, number = nr(name)) => model.verdict({ nr: number, arch, args });
}

describe('the reference interpreter', () => {
  it('compares int arguments on their low half, 64-bit ones on all of it; negatives are two\'s complement', () => {
    const v = verdicts({ defaultAction: 'allow', rules: [
      { syscall: 'close', action: { errno: 'EPERM' }, conditions: [{ arg: 0, op: 'eq', value: '-100' }] },
      { syscall: 'lseek', action: { errno: 'EPERM' }, conditions: [{ arg: 1, op: 'eq', value: '-1' }] },
      { syscall: 'dup', action: { errno: 'EPERM' }, conditions: [{ arg: 0, op: 'gt', value: '1000', width: 64 }] },
    ] });
    expect(v('close', [0xffffff9cn])).toBe(ERRNO(1));
    expect(v('close', [0xdeadbeef_ffffff9cn])).toBe(ERRNO(1)); // upper half ignored
    expect(v('close', [0xffffff9dn])).toBe(ALLOW);
    expect(v('lseek', [0n, 0xffffffffffffffffn])).toBe(ERRNO(1));
    expect(v('lseek', [0n, 0xffffffffn])).toBe(ALLOW); // -1 at 64 bits is not 0xffffffff
    expect(v('dup', [0x1_00000000n])).toBe(ERRNO(1)); // arg64 explicitly: the upper half counts
    expect(v('dup', [1000n])).toBe(ALLOW);
  });

  it('every operator, unsigned, and masked-eq literally: (arg & mask) == value', () => {
    const ops = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
    for (const op of ops) {
      const v = verdicts({ defaultAction: 'allow', rules: [{ syscall: 'lseek', action: 'log', conditions: [{ arg: 1, op, value: '5' }] }] });
      const got = [4n, 5n, 6n, 0xffffffffffffffffn].map((x) => v('lseek', [0n, x]) === LOG);
      expect(got, op).toEqual({ eq: [false, true, false, false], ne: [true, false, true, true], lt: [true, false, false, false],
        le: [true, true, false, false], gt: [false, false, true, true], ge: [false, true, true, true] }[op]);
    }
    const v = verdicts({ defaultAction: 'allow', rules: [
      { syscall: 'openat', action: 'log', conditions: [{ arg: 2, op: 'masked-eq', mask: '3', value: '1' }] },
      { syscall: 'socket', action: 'log', conditions: [{ arg: 0, op: 'masked-eq', mask: '255', value: '272' }] },
    ] });
    expect(v('openat', [0n, 0n, 0x41n])).toBe(LOG);
    expect(v('openat', [0n, 0n, 0x42n])).toBe(ALLOW);
    for (const x of [0x10n, 0x110n]) expect(v('socket', [x])).toBe(ALLOW); // 0x110 has bits outside 0xff: never
  });

  it('ANDs a rule\'s conditions, ORs rules, and falls back to the default', () => {
    const v = verdicts({ defaultAction: { errno: 'ENOSYS' }, rules: [
      { syscall: 'socket', action: 'allow', conditions: [{ arg: 0, op: 'eq', value: '1' }, { arg: 1, op: 'eq', value: '1' }] },
      { syscall: 'socket', action: 'allow', conditions: [{ arg: 0, op: 'eq', value: '2' }] },
      { syscall: 'getpid', action: 'trap' },
    ] });
    expect(v('socket', [1n, 1n])).toBe(ALLOW);
    expect(v('socket', [1n, 2n])).toBe(ERRNO(38));
    expect(v('socket', [2n, 7n])).toBe(ALLOW);
    expect(v('getpid')).toBe(TRAP);
    expect(v('getppid')).toBe(ERRNO(38));
  });

  it('kills other architectures and x32 calls; the skip number -1 is an ordinary call', () => {
    const v = verdicts({ defaultAction: 'allow', rules: [{ syscall: 'read', action: 'allow' }] });
    expect(v('read', [], 0x40000003)).toBe(KILL); // i386
    expect(v('read', [], 0xc00000b7)).toBe(KILL); // aarch64
    expect(v('read', [], X86_64, nr('read') | 0x40000000)).toBe(KILL); // x32
    expect(v('read', [], X86_64, 0xffffffff)).toBe(ALLOW);
  });

  it('report mode: kill-process becomes trap, bad architectures trap, and the reporter may write to fd 2', () => {
    const policy: Policy = { defaultAction: 'kill-process', rules: [{ syscall: 'read', action: 'allow' }] };
    const v = verdicts(policy, true);
    expect(v('getpid')).toBe(TRAP);
    expect(v('read', [], 0x40000003)).toBe(TRAP);
    expect(v('write', [0xdeadbeef_00000002n])).toBe(ALLOW); // fd 2, int: upper half ignored
    expect(v('write', [1n])).toBe(TRAP);
    expect(v('gettid')).toBe(ALLOW);
    const quiet = verdicts(policy, false);
    expect(quiet('write', [2n])).toBe(KILL);
    // A policy that kills nothing has nothing to report: no trap, no extra rules.
    const errnoOnly = verdicts({ defaultAction: { errno: 'EPERM' }, rules: [] }, true);
    expect(errnoOnly('write', [2n])).toBe(ERRNO(1));
    expect(errnoOnly('read', [], 0x40000003)).toBe(KILL);
    // The policy's own word on write stands.
    const own = verdicts({ defaultAction: 'kill-process', rules: [{ syscall: 'write', action: { errno: 'EBADF' } }] }, true);
    expect(own('write', [2n])).toBe(ERRNO(9));
  });

  it('skips names that do not exist on the target, and says when rules disagree', () => {
    const v = verdicts({ defaultAction: 'allow', rules: [
      { syscall: 'socketcall', action: 'kill-process' }, // i386 only
      { syscall: 'getpid', action: 'log' }, { syscall: 'getpid', action: 'trap' },
    ] });
    expect(v('getpid')).toEqual([LOG, TRAP]);
    const i386 = referenceModel({ defaultAction: 'allow', rules: [{ syscall: 'socketcall', action: 'kill-process' }] }, { arch: 'i386', report: false });
    expect(i386.verdict({ nr: syscallNumber('socketcall', 'i386')!, arch: 0x40000003 })).toBe(KILL);
    expect(referenceModel({ defaultAction: 'allow', rules: [{ syscall: 'socketcall', action: 'kill-process' }] }, { arch: 'x86_64', report: false }).rules).toEqual([]);
  });
});
