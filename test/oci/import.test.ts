/**
 * fromOciProfile(): the real Docker default profile, includes/excludes, actions, conflicts
 * and malformed input. Pure data and compilation: nothing is loaded here.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOCKER_PROFILE } from '../helpers/child';
import { nativeArch } from '../../src/arch';
import { compile as compilePolicy } from '../../src/compiler';
import { SeccompError } from '../../src/errors';
import type { Policy } from '../../src/policy';
import { fromOciProfile } from '../../src/oci';
import { runFilter } from '../../src/bpf/emulator';
import { Filter } from '../../src/filter';
import { syscallNumber } from '../../src/syscalls';

const DOCKER = JSON.parse(fs.readFileSync(DOCKER_PROFILE, 'utf8')) as unknown;
const compile = (policy: Policy, arch = nativeArch()) =>
  compilePolicy(policy, { arch, report: false, optimize: 2 });
const rulesFor = (policy: Policy, syscall: string) => policy.rules.filter((r) => r.syscall === syscall);

function thrown(fn: () => unknown): SeccompError {
  try { fn(); } catch (error) { expect(error).toBeInstanceOf(SeccompError); return error as SeccompError; }
  throw new Error('expected a SeccompError');
}

describe('the Docker default profile', () => {
  const { policy, notes } = fromOciProfile(DOCKER, { arch: 'x86_64', kernel: '6.8.0-45-generic' });

  it('imports for x86_64 without capabilities into a policy the compiler accepts', () => {
    expect(policy.defaultAction).toEqual({ errno: 'EPERM' }); // SCMP_ACT_ERRNO with defaultErrnoRet 1
    expect(policy.rules.length).toBeGreaterThan(300);
    expect(compile(policy, 'x86_64').spec.rules.length).toBeGreaterThan(250);
    expect(compile(fromOciProfile(DOCKER).policy).spec.rules.length).toBeGreaterThan(250); // native, os.release()
  });

  it('keeps the argument rules: clone masked 0x7E020000, personality, socket families', () => {
    expect(rulesFor(policy, 'clone')).toEqual([{ syscall: 'clone', action: 'allow',
      conditions: [{ arg: 0, op: 'masked-eq', mask: String(0x7e020000), value: '0' }] }]);
    expect(rulesFor(policy, 'personality').map((r) => r.conditions![0].value))
      .toEqual(['0', '8', '131072', '131080', '4294967295']);
    expect(rulesFor(policy, 'socket').map((r) => r.conditions![0])).toEqual([
      { arg: 0, op: 'lt', value: '38' }, { arg: 0, op: 'eq', value: '39' },
      { arg: 0, op: 'gt', value: '40' }]);
    expect(rulesFor(policy, 'clone3')).toEqual([{ syscall: 'clone3', action: { errno: 'ENOSYS' } }]);
  });

  it('leaves out what needs capabilities, and reads the s390 clone ordering only there', () => {
    for (const name of ['bpf', 'mount', 'reboot', 'perf_event_open', 'open_by_handle_at', 'chroot']) {
      expect(rulesFor(policy, name), name).toEqual([]);
    }
    const s390 = fromOciProfile(DOCKER, { arch: 's390x', kernel: '6.8' }).policy;
    expect(rulesFor(s390, 'clone').map((r) => r.conditions![0].arg)).toEqual([1]);
  });

  it('honours the arch includes', () => {
    expect(rulesFor(policy, 'arch_prctl')).toHaveLength(1);
    expect(rulesFor(policy, 'modify_ldt')).toHaveLength(1);
    const arm = fromOciProfile(DOCKER, { arch: 'aarch64', kernel: '6.8' }).policy;
    expect(rulesFor(arm, 'arch_prctl')).toEqual([]);
    expect(rulesFor(arm, 'set_tls')).toHaveLength(1);
    compile(arm, 'aarch64');
  });

  it('gives ptrace from kernel 4.8 on, or with CAP_SYS_PTRACE', () => {
    expect(rulesFor(policy, 'ptrace')).toEqual([{ syscall: 'ptrace', action: 'allow' }]);
    const old = fromOciProfile(DOCKER, { arch: 'x86_64', kernel: '4.4.0' }).policy;
    expect(rulesFor(old, 'ptrace')).toEqual([]);
    const traced = fromOciProfile(DOCKER, { arch: 'x86_64', kernel: '4.4.0', capabilities: ['CAP_SYS_PTRACE'] }).policy;
    expect(rulesFor(traced, 'ptrace')).toEqual([{ syscall: 'ptrace', action: 'allow' }]);
    expect(rulesFor(traced, 'kcmp')).toHaveLength(1);
  });

  it('with CAP_SYS_ADMIN: clone, clone3 and bpf unconditional, the clone masks excluded', () => {
    const admin = fromOciProfile(DOCKER, { arch: 'x86_64', kernel: '6.8', capabilities: ['sys_admin'] }).policy;
    expect(rulesFor(admin, 'clone')).toEqual([{ syscall: 'clone', action: 'allow' }]);
    expect(rulesFor(admin, 'clone3')).toEqual([{ syscall: 'clone3', action: 'allow' }]);
    expect(rulesFor(admin, 'bpf')).toEqual([{ syscall: 'bpf', action: 'allow' }]);
    compile(admin, 'x86_64');
    expect(rulesFor(fromOciProfile(DOCKER, { arch: 'x86_64', capabilities: ['CAP_BPF'] }).policy, 'bpf')).toHaveLength(1);
  });

  it('keeps calls newer than the installed libseccomp (mseal, statmount), and notes nothing', () => {
    expect(notes).toEqual([]);
    expect(rulesFor(policy, 'mseal')).toEqual([{ syscall: 'mseal', action: 'allow' }]);
    expect(rulesFor(policy, 'statmount')).toEqual([{ syscall: 'statmount', action: 'allow' }]);
  });

  it('notes names that are no system call on any architecture', () => {
    const profile = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read', 'not_a_syscall'], action: 'SCMP_ACT_ALLOW' }] };
    const imported = fromOciProfile(profile, { arch: 'x86_64' });
    expect(imported.notes).toEqual([expect.stringMatching(/^skipped, being no system call on any architecture \(Linux [\d.]+\): not_a_syscall$/)]);
    expect(imported.policy.rules.map((r) => r.syscall)).toEqual(['read']);
  });

  it('refuses an architecture the profile does not cover', () => {
    const e = thrown(() => fromOciProfile({ ...(DOCKER as object), archMap: [{ architecture: 'SCMP_ARCH_AARCH64' }] }, { arch: 'x86_64' }));
    expect(e.code).toBe('ERR_SECCOMP_UNKNOWN_ARCH');
    expect(e.message).toMatch(/SCMP_ARCH_AARCH64, which does not include x86_64 \(SCMP_ARCH_X86_64\)/);
    expect(thrown(() => fromOciProfile({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86'] }, { arch: 'x86_64' })).code)
      .toBe('ERR_SECCOMP_UNKNOWN_ARCH');
    // sub-architectures count: a 32-bit x86 process under Docker's x86_64 map
    expect(() => fromOciProfile(DOCKER, { arch: 'i386' })).not.toThrow();
  });
});

describe('includes and excludes', () => {
  const profile = (filters: object) => ({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ALLOW', ...filters }],
  });
  const kept = (filters: object, options: object = {}) =>
    fromOciProfile(profile(filters), { arch: 'x86_64', kernel: '5.10.0', ...options }).policy.rules.length === 1;

  it('applies a rule when all includes hold', () => {
    expect(kept({})).toBe(true);
    expect(kept({ includes: {}, excludes: {} })).toBe(true);
    expect(kept({ includes: { arches: ['arm64', 'amd64'] } })).toBe(true);
    expect(kept({ includes: { arches: ['arm64'] } })).toBe(false);
    expect(kept({ includes: { caps: ['CAP_NET_ADMIN', 'CAP_SYS_ADMIN'] } }, { capabilities: ['CAP_NET_ADMIN'] })).toBe(false);
    expect(kept({ includes: { caps: ['CAP_NET_ADMIN', 'CAP_SYS_ADMIN'] } }, { capabilities: ['net_admin', 'CAP_SYS_ADMIN'] })).toBe(true);
    expect(kept({ includes: { minKernel: '5.10' } })).toBe(true);
    expect(kept({ includes: { minKernel: '5.11' } })).toBe(false);
    expect(kept({ includes: { arches: ['amd64'], minKernel: '6.0' } })).toBe(false);
  });

  it('drops a rule when any exclude holds', () => {
    expect(kept({ excludes: { arches: ['s390x', 'amd64'] } })).toBe(false);
    expect(kept({ excludes: { caps: ['CAP_SYS_ADMIN', 'CAP_BPF'] } }, { capabilities: ['CAP_BPF'] })).toBe(false);
    expect(kept({ excludes: { caps: ['CAP_SYS_ADMIN'] } })).toBe(true);
    expect(kept({ excludes: { minKernel: '6.0' } })).toBe(true);
    expect(kept({ excludes: { minKernel: '4.0' } })).toBe(false);
  });

  it('skips a rule it cannot decide unless it is stricter than the default, with a note', () => {
    const r = fromOciProfile({
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [
        { names: ['getpid'], action: 'SCMP_ACT_ALLOW', includes: { someFutureKey: true } },
        { names: ['getppid'], action: 'SCMP_ACT_ALLOW', excludes: { minKernel: 'six' } },
        { names: ['ptrace'], action: 'SCMP_ACT_KILL_PROCESS', includes: { minKernel: '4.8' } },
      ],
    }, { arch: 'x86_64', kernel: 'unknown' });
    expect(r.policy.rules).toEqual([{ syscall: 'ptrace', action: 'kill-process' }]);
    expect(r.notes).toEqual([
      'syscalls[0] (getpid): syscalls[0].includes.someFutureKey is not understood; rule skipped',
      'syscalls[1] (getppid): syscalls[1].excludes.minKernel "six" is not a kernel version; rule skipped',
      'syscalls[2] (ptrace): the kernel version is unknown (pass options.kernel); rule applied, being stricter than the default',
    ]);
    // a decided "no" wins over an undecidable criterion
    expect(kept({ includes: { arches: ['arm64'], someFutureKey: 1 } })).toBe(false);
  });
});

describe('actions', () => {
  const one = (entry: object, top: object = {}) =>
    fromOciProfile({ defaultAction: 'SCMP_ACT_ALLOW', ...top, syscalls: [{ names: ['getpid'], ...entry }] }, { arch: 'x86_64' });

  it.each([
    ['SCMP_ACT_ALLOW', 'allow', false],
    ['SCMP_ACT_LOG', 'log', false],
    ['SCMP_ACT_TRAP', 'trap', false],
    ['SCMP_ACT_KILL_PROCESS', 'kill-process', false],
    ['SCMP_ACT_ERRNO', { errno: 'EPERM' }, false],
    ['SCMP_ACT_KILL', 'kill-process', true],
    ['SCMP_ACT_KILL_THREAD', 'kill-process', true],
    ['SCMP_ACT_TRACE', 'kill-process', true],
    ['SCMP_ACT_NOTIFY', 'kill-process', true],
  ])('%s becomes %j', (name, action, noted) => {
    const r = one({ action: name }, { defaultAction: 'SCMP_ACT_LOG' });
    expect(r.policy.rules[0].action).toEqual(action);
    expect(r.notes.length > 0).toBe(noted);
    if (noted) expect(r.notes[0]).toContain(name);
  });

  it('reads errnoRet and defaultErrnoRet, as names where the platform has one', () => {
    const r = one({ action: 'SCMP_ACT_ERRNO', errnoRet: 38 }, { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 13 });
    expect(r.policy).toEqual({ defaultAction: { errno: 'EACCES' }, rules: [{ syscall: 'getpid', action: { errno: 'ENOSYS' } }] });
    expect(one({ action: 'SCMP_ACT_ALLOW', errnoRet: 1 }).notes).toEqual(['syscalls[0]: errnoRet only applies to SCMP_ACT_ERRNO (or SCMP_ACT_TRACE) and was ignored']);
  });

  it('notes ignored profile fields', () => {
    expect(one({ action: 'SCMP_ACT_LOG' }, { flags: ['SECCOMP_FILTER_FLAG_LOG'], listenerPath: '/run/x.sock' }).notes)
      .toEqual(['flags is not supported and was ignored', 'listenerPath is not supported and was ignored']);
  });

  it('imports legacy single-name entries and merges duplicates', () => {
    const r = fromOciProfile({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [
      { name: 'read', action: 'SCMP_ACT_ALLOW' }, { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' }] }, { arch: 'x86_64' });
    expect(r.policy.rules).toEqual([{ syscall: 'read', action: 'allow' }, { syscall: 'write', action: 'allow' }]);
  });
});

describe('overlapping rules with different actions', () => {
  const socket = (...entries: object[]) => ({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: entries.map((e) => ({ names: ['socket'], ...e })) });
  const arg0 = (op: string, value: number) => ({ args: [{ index: 0, value, op }] });

  it('carves the stricter single comparisons out of an unconditional rule, exactly', () => {
    const r = fromOciProfile(socket({ action: 'SCMP_ACT_ALLOW' }, { action: 'SCMP_ACT_ERRNO', errnoRet: 97, ...arg0('SCMP_CMP_EQ', 16) }), { arch: 'x86_64' });
    expect(r.policy.rules).toEqual([
      { syscall: 'socket', action: 'allow', conditions: [{ arg: 0, op: 'ne', value: '16' }] },
      { syscall: 'socket', action: { errno: 'EAFNOSUPPORT' }, conditions: [{ arg: 0, op: 'eq', value: '16' }] },
    ]);
    expect(r.notes[0]).toMatch(/^socket: rules with actions "allow", "errno\(EAFNOSUPPORT\)" overlap; "allow" now applies only/);
    compile(r.policy, 'x86_64');
  });

  it('an unconditional stricter rule wins outright', () => {
    const r = fromOciProfile(socket({ action: 'SCMP_ACT_KILL_PROCESS' }, { action: 'SCMP_ACT_ALLOW', ...arg0('SCMP_CMP_EQ', 1) }), { arch: 'x86_64' });
    expect(r.policy.rules).toEqual([{ syscall: 'socket', action: 'kill-process' }]);
    expect(r.notes).toHaveLength(1);
  });

  it('otherwise keeps only the strictest rules, unconditional when the default is laxer', () => {
    const closed = fromOciProfile(socket({ action: 'SCMP_ACT_ALLOW', ...arg0('SCMP_CMP_LT', 10) },
      { action: 'SCMP_ACT_KILL_PROCESS', ...arg0('SCMP_CMP_EQ', 5) }), { arch: 'x86_64' });
    expect(closed.policy.rules).toEqual([{ syscall: 'socket', action: 'kill-process', conditions: [{ arg: 0, op: 'eq', value: '5' }] }]);
    // a masked comparison cannot be negated into one comparison, so nothing is carved out
    const open = fromOciProfile({ ...socket({ action: 'SCMP_ACT_LOG' },
      { action: 'SCMP_ACT_KILL_PROCESS', args: [{ index: 0, value: 0xf0, valueTwo: 0x20, op: 'SCMP_CMP_MASKED_EQ' }] }),
      defaultAction: 'SCMP_ACT_ALLOW' }, { arch: 'x86_64' });
    expect(open.policy.rules).toEqual([{ syscall: 'socket', action: 'kill-process' }]);
    expect(open.notes[0]).toMatch(/kept only the strictest, "kill-process", for every call$/);
  });

  it('ranges that exclude each other are carved exactly', () => {
    const r = fromOciProfile({ ...socket({ action: 'SCMP_ACT_LOG' }, { action: 'SCMP_ACT_KILL_PROCESS', ...arg0('SCMP_CMP_GT', 5) }),
      defaultAction: 'SCMP_ACT_ALLOW' }, { arch: 'x86_64' });
    expect(r.policy.rules).toEqual([
      { syscall: 'socket', action: 'log', conditions: [{ arg: 0, op: 'le', value: '5' }] },
      { syscall: 'socket', action: 'kill-process', conditions: [{ arg: 0, op: 'gt', value: '5' }] },
    ]);
  });

  it('leaves same-action rules alone: an unconditional allow subsumes conditional allows', () => {
    const r = fromOciProfile(socket({ action: 'SCMP_ACT_ALLOW' }, { action: 'SCMP_ACT_ALLOW', ...arg0('SCMP_CMP_EQ', 1) }), { arch: 'x86_64' });
    expect(r.policy.rules).toHaveLength(2);
    expect(r.notes).toEqual([]);
    compile(r.policy, 'x86_64');
  });
});

describe('arguments', () => {
  const withArgs = (args: unknown) => fromOciProfile({ defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['mmap'], action: 'SCMP_ACT_ERRNO', args }] }, { arch: 'x86_64' }).policy.rules[0].conditions;

  it('maps every op; MASKED_EQ is (arg & value) == valueTwo', () => {
    const ops = ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT'];
    expect(withArgs(ops.map((op, index) => ({ index, value: 7, op })))!.map((c) => c.op)).toEqual(['ne', 'lt', 'le', 'eq', 'ge', 'gt']);
    expect(withArgs([{ index: 3, value: 0xf0, valueTwo: 0x20, op: 'SCMP_CMP_MASKED_EQ' }]))
      .toEqual([{ arg: 3, op: 'masked-eq', mask: '240', value: '32' }]);
    // exactly the low 32 bits: a 32-bit eq (what toOciProfile writes for one)
    expect(withArgs([{ index: 0, value: 0xffffffff, valueTwo: 5, op: 'SCMP_CMP_MASKED_EQ' }]))
      .toEqual([{ arg: 0, op: 'eq', value: '5', width: 32 }]);
  });

  it('keeps 64-bit values exact given as bigint or decimal strings', () => {
    expect(withArgs([{ index: 1, value: 18446744073709551615n, op: 'SCMP_CMP_EQ' }])![0].value).toBe('18446744073709551615');
    expect(withArgs([{ index: 1, value: '9007199254740993', op: 'SCMP_CMP_EQ' }])![0].value).toBe('9007199254740993');
  });
});

describe('malformed profiles', () => {
  const bad = (profile: unknown) => thrown(() => fromOciProfile(profile, { arch: 'x86_64' }));
  const entry = (e: object) => ({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', ...e }] });

  it('names the problem and where it is', () => {
    expect(bad('{}').code).toBe('ERR_SECCOMP_POLICY_SYNTAX');
    expect(bad({ syscalls: [] }).message).toBe('OCI seccomp profile: defaultAction is missing');
    let e = bad({ defaultAction: 'SCMP_ACT_DENY' });
    expect(e.code).toBe('ERR_SECCOMP_INVALID_ACTION');
    expect(e.message).toMatch(/defaultAction has unknown action "SCMP_ACT_DENY"; known: SCMP_ACT_ALLOW/);
    e = bad(entry({ action: 'allow' }));
    expect(e.message).toMatch(/syscalls\[0\] has unknown action "allow"/);
    e = bad(entry({ args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQUAL' }] }));
    expect([e.code, e.message]).toEqual(['ERR_SECCOMP_POLICY_SYNTAX',
      'OCI seccomp profile: syscalls[0].args[0].op "SCMP_CMP_EQUAL" is unknown; known: SCMP_CMP_NE, SCMP_CMP_LT, ' +
      'SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ']);
    e = bad(entry({ args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }));
    expect([e.code, e.message]).toEqual(['ERR_SECCOMP_INVALID_ARGUMENT_INDEX',
      'OCI seccomp profile: syscalls[0].args[0].index is 6: system calls have arguments 0 to 5']);
    e = bad({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ action: 'SCMP_ACT_ALLOW' }] });
    expect(e.message).toBe('OCI seccomp profile: syscalls[0] names no system call: give "names": ["read", ...]');
    expect(bad(entry({ names: [] })).code).toBe('ERR_SECCOMP_POLICY_SYNTAX');
    expect(bad(entry({ names: 'read' })).message).toMatch(/syscalls\[0\]\.names must be a list of strings/);
    expect(bad(entry({ args: [{ index: 0, value: -1, op: 'SCMP_CMP_EQ' }] })).code).toBe('ERR_SECCOMP_VALUE_OUT_OF_RANGE');
    expect(bad(entry({ args: [{ index: 0, value: 2 ** 60, op: 'SCMP_CMP_EQ' }] })).message).toMatch(/parseOciProfile/);
    expect(bad(entry({ action: 'SCMP_ACT_ERRNO', errnoRet: -1 })).code).toBe('ERR_SECCOMP_UNKNOWN_ERRNO');
    expect(bad(entry({ action: 'SCMP_ACT_ERRNO', errnoRet: 4096 })).code).toBe('ERR_SECCOMP_UNKNOWN_ERRNO');
    expect(bad(entry({ includes: { caps: 'CAP_SYS_ADMIN' } })).message).toMatch(/includes\.caps must be a list of strings/);
    expect(bad({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: {} }).message).toMatch(/syscalls must be a list/);
  });

  it('checks its options', () => {
    expect(thrown(() => fromOciProfile(DOCKER, { arch: 'mips' as never })).code).toBe('ERR_SECCOMP_UNKNOWN_ARCH');
    expect(thrown(() => fromOciProfile(DOCKER, { capabilities: 'CAP_SYS_ADMIN' as never })).code).toBe('ERR_SECCOMP_INVALID_OPTION');
    expect(thrown(() => fromOciProfile(DOCKER, { kernel: 6 as never })).code).toBe('ERR_SECCOMP_INVALID_OPTION');
  });
});

describe('argument widths', () => {
  // A default-allow profile refusing netlink sockets, as issue 9 reproduced it.
  const netlink = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ERRNO',
    args: [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }] }] };
  const X86_64 = 0xc000003e;
  const ALLOW = 0x7fff0000;
  /** The compiled filter's answer to socket(family, SOCK_RAW, 0), through the emulator. */
  const verdict = (policy: Policy, family: bigint) => runFilter(Filter.fromPolicy(policy).exportBpf({ arch: 'x86_64' }),
    { nr: syscallNumber('socket', 'x86_64')!, arch: X86_64, args: [family, 3n, 0n] });

  it('by default compares an int argument on its low 32 bits, so garbage above cannot dodge a deny rule', () => {
    const { policy } = fromOciProfile(netlink, { arch: 'x86_64' });
    expect(policy.rules).toEqual([{ syscall: 'socket', action: { errno: 'EPERM' }, conditions: [{ arg: 0, op: 'eq', value: '16' }] }]);
    for (const upper of [0n, 1n, 0xffffffffn, 0xdeadbeefn]) expect(verdict(policy, (upper << 32n) | 16n)).not.toBe(ALLOW);
    expect(verdict(policy, 2n)).toBe(ALLOW);
    expect(verdict(policy, (1n << 32n) | 2n)).toBe(ALLOW);
  });

  it("keeps runc's 64-bit comparisons when asked", () => {
    const { policy } = fromOciProfile(netlink, { arch: 'x86_64', argWidths: 'runc' });
    expect(policy.rules[0].conditions).toEqual([{ arg: 0, op: 'eq', value: '16', width: 64 }]);
    expect(verdict(policy, 16n)).not.toBe(ALLOW);
    expect(verdict(policy, (1n << 32n) | 16n)).toBe(ALLOW); // what runc does: the dodge works
  });

  it('reads a sign-extended value as the int it extends, and refuses values no int can have', () => {
    const withValue = (value: bigint, extra = {}) => ({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['socket'],
      action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value, op: 'SCMP_CMP_EQ', ...extra }] }] });
    expect(fromOciProfile(withValue(0xffffffffffffff9cn), { arch: 'x86_64' }).policy.rules[0].conditions)
      .toEqual([{ arg: 0, op: 'eq', value: String(0xffffff9c) }]);
    const e = thrown(() => fromOciProfile(withValue(0x100000010n), { arch: 'x86_64' }));
    expect(e.code).toBe('ERR_SECCOMP_VALUE_OUT_OF_RANGE');
    expect(e.message).toMatch(/syscalls\[0\]\.args\[0\]: 0x100000010 is not a 32-bit value, and argument 0 of socket is a C int.*argWidths: 'runc'/);
    // a mask with bits above an int is refused as well; 64-bit arguments keep all their bits
    expect(thrown(() => fromOciProfile(withValue(0x1n, { op: 'SCMP_CMP_MASKED_EQ', value: 0xff00000000n, valueTwo: 0 }),
      { arch: 'x86_64' })).code).toBe('ERR_SECCOMP_VALUE_OUT_OF_RANGE');
    expect(fromOciProfile(withValue(0x100000010n), { arch: 'x86_64', argWidths: 'runc' }).policy.rules).toHaveLength(1);
    const mmap = fromOciProfile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mmap'], action: 'SCMP_ACT_ERRNO',
      args: [{ index: 1, value: 0x100000000n, op: 'SCMP_CMP_GE' }] }] }, { arch: 'x86_64' }).policy;
    expect(mmap.rules[0].conditions).toEqual([{ arg: 1, op: 'ge', value: String(0x100000000) }]);
  });

  it('checks the option', () => {
    const e = thrown(() => fromOciProfile(netlink, { argWidths: '64' as never }));
    expect([e.code, e.message]).toEqual(['ERR_SECCOMP_INVALID_OPTION', 'options.argWidths must be "per-argument" or "runc", not "64"']);
  });
});

describe('unknown keys', () => {
  const bad = (profile: unknown) => thrown(() => fromOciProfile(profile, { arch: 'x86_64' }));

  it('are errors with a did-you-mean, at every level, so that a misspelt key never drops a condition', () => {
    let e = bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ERRNO',
      arg: [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }] }] });
    expect([e.code, e.details.path, e.details.suggestion]).toEqual(['ERR_SECCOMP_INVALID_OPTION', 'syscalls[0].arg', 'args']);
    expect(e.message).toMatch(/^syscalls\[0\]\.arg: unknown key in an OCI syscall rule; did you mean "args"\?/);
    e = bad({ defaultAction: 'SCMP_ACT_ALLOW', syscall: [] });
    expect([e.details.path, e.details.suggestion]).toEqual(['syscall', 'syscalls']);
    e = bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ERRNO',
      args: [{ index: 0, value: 16, valueTow: 1, op: 'SCMP_CMP_EQ' }] }] });
    expect([e.details.path, e.details.suggestion]).toEqual(['syscalls[0].args[0].valueTow', 'valueTwo']);
    e = bad({ defaultAction: 'SCMP_ACT_ALLOW', archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitecture: [] }], syscalls: [] });
    expect(e.details.path).toBe('archMap[0].subArchitecture');
    expect(thrown(() => fromOciProfile(DOCKER, { arhc: 'x86_64' } as never)).details.suggestion).toBe('arch');
  });

  it("accepts Docker's own keys", () => {
    expect(() => fromOciProfile({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, architectures: [], archMap: [],
      flags: [], listenerPath: '', listenerMetadata: '', syscalls: [{ names: ['read'], name: 'write', action: 'SCMP_ACT_ALLOW',
        comment: 'x', includes: {}, excludes: {}, errnoRet: 1, args: [] }] }, { arch: 'x86_64' })).not.toThrow();
  });
});
