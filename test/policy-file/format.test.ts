/**
 * formatPolicy writes a Policy back out; parsing the text gives the same Policy.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPolicy, parsePolicy, parsePolicyFile } from '../../src/policy-file';
import { defaultProfileGroups, expandEntries } from '../../src/groups';
import { binding } from '../../src/native';
import type { Action, Condition, Policy, Rule } from '../../src/policy';
import { argWidth } from '../../src/syscall-args';
import * as path from 'node:path';

const roundTrip = (policy: Policy) => parsePolicy(formatPolicy(policy), { arch: 'x86_64' });

describe('formatPolicy', () => {
  it('writes minijail spellings where they exist', () => {
    expect(formatPolicy({ defaultAction: 'kill-process', rules: [
      { syscall: 'read', action: 'allow' },
      { syscall: 'open', action: { errno: 'ENOENT' } },
      { syscall: 'socket', action: 'allow', conditions: [{ arg: 0, op: 'eq', value: '2' }] },
      { syscall: 'mmap', action: 'allow', conditions: [{ arg: 2, op: 'masked-eq', mask: '4', value: '0' }] },
    ] })).toBe('read: 1\nopen: return ENOENT\nsocket: arg0 == 2\nmmap: arg2 & 0x4 == 0\n');
  });

  it('writes the extensions for the rest', () => {
    expect(formatPolicy({ defaultAction: { errno: 1 }, rules: [
      { syscall: 'write', action: 'log', conditions: [{ arg: 0, op: 'ge', value: '3', width: 32 }, { arg: 1, op: 'ne', value: '-1' }] },
      { syscall: 'getpid', action: 'kill-process' },
      { syscall: 'clone', action: 'trap', conditions: [{ arg: 0, op: 'masked-eq', mask: '-1', value: '0', width: 64 }] },
    ] })).toBe('@default errno 1\nwrite: arg0:32 >= 3 && arg1 != -1 => log\ngetpid: kill\nclone: arg0:64 & -1 == 0 => trap\n');
  });

  it.each([
    ['a syscall name that is not a name', { syscall: 'read write', action: 'allow' }],
    ['an argument index out of range', { syscall: 'read', action: 'allow', conditions: [{ arg: 6, op: 'eq', value: '1' }] }],
    ['a value that is not an integer', { syscall: 'read', action: 'allow', conditions: [{ arg: 0, op: 'eq', value: '1.5' }] }],
    ['an unknown operator', { syscall: 'read', action: 'allow', conditions: [{ arg: 0, op: 'like', value: '1' }] }],
    ['an unknown action', { syscall: 'read', action: 'kill-thread' }],
    ['an errno that is not a name', { syscall: 'read', action: { errno: 'E PERM' } }],
    ['$pid in a range comparison', { syscall: 'tgkill', action: 'allow', conditions: [{ arg: 0, op: 'lt', value: '$pid' }] }],
  ])('refuses %s', (_, rule) => {
    expect(() => formatPolicy({ defaultAction: 'kill-process', rules: [rule as Rule] }))
      .toThrow(expect.objectContaining({ code: 'ERR_SECCOMP_INVALID_OPTION' }));
  });
});

describe('parse(format(policy)) deep-equals policy', () => {
  it('for the built-in groups and the default profile', () => {
    for (const entries of [...defaultProfileGroups().map((g) => [g]), ['@process'], defaultProfileGroups()]) {
      const policy: Policy = { defaultAction: { errno: 'EPERM' }, rules: expandEntries(entries) };
      expect(roundTrip(policy)).toEqual(policy);
    }
  });

  it('for a parsed minijail policy', () => {
    const policy = parsePolicyFile(path.resolve(__dirname, '../fixtures/policies/daemon.policy'), { arch: 'x86_64' });
    expect(roundTrip(policy)).toEqual(policy);
  });

  it('for any policy made of representable constructs', () => {
    const errnoNames = Object.keys(binding!.errnos);
    const errno = fc.oneof(fc.constantFrom(...errnoNames), fc.integer({ min: 0, max: 4095 }));
    const action: fc.Arbitrary<Action> = fc.oneof(
      fc.constantFrom<Action>('allow', 'kill-process', 'trap', 'log'), errno.map((e) => ({ errno: e })));
    const syscall = fc.oneof(fc.constantFrom('read', 'socket', 'mmap', 'clone', 'ioctl', 'openat'),
      fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/));
    const condition = (name: string): fc.Arbitrary<Condition> =>
      fc.tuple(fc.integer({ min: 0, max: 5 }), fc.constantFrom<32 | 64 | undefined>(32, 64, undefined))
        .chain(([arg, width]) => {
          const bits = BigInt(width ?? argWidth(name, arg));
          const any = fc.bigInt({ min: -(1n << (bits - 1n)), max: (1n << bits) - 1n });
          const unsigned = fc.bigInt({ min: 0n, max: (1n << bits) - 1n });
          const w = width === undefined ? {} : { width };
          return fc.oneof(
            fc.tuple(fc.constantFrom('eq', 'ne', 'lt', 'le', 'gt', 'ge') as fc.Arbitrary<Condition['op']>, any)
              .map(([op, v]): Condition => ({ arg, op, value: String(v), ...w })),
            fc.tuple(unsigned, unsigned)
              .map(([mask, v]): Condition => ({ arg, op: 'masked-eq', mask: String(mask), value: String(v & mask), ...w })),
          );
        });
    const rule: fc.Arbitrary<Rule> = syscall.chain((name) => fc.record({
      action, conditions: fc.option(fc.array(condition(name), { minLength: 1, maxLength: 4 }), { nil: undefined }),
    }).map(({ action: a, conditions }) => ({ syscall: name, action: a, ...(conditions ? { conditions } : {}) })));
    const policy = fc.record({ defaultAction: action, rules: fc.array(rule, { maxLength: 12 }) });
    fc.assert(fc.property(policy, (p) => { expect(roundTrip(p)).toEqual(p); }), { numRuns: 500 });
  });
});
