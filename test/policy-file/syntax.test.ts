/**
 * Every construct of the policy file format, and what Policy each one becomes.
 */
import { describe, expect, it } from 'vitest';
import { parsePolicy, parsePolicyWithLocations } from '../../src/policy-file';
import { binding } from '../../src/native';
import { expandEntries } from '../../src/groups';

const k = binding!.constants;
const parse = (text: string) => parsePolicy(text, { arch: 'x86_64' });
const rules = (text: string) => parse(text).rules;
const U32 = 0xffffffffn;
const U64 = (1n << 64n) - 1n;

describe('lines', () => {
  it('ignores comments and blank lines, allows indentation and CRLF', () => {
    expect(parse('# a comment\n\n   \n\tread: 1   # allow reads\r\n  write: 1\r\n')).toEqual({
      defaultAction: 'kill-process',
      rules: [{ syscall: 'read', action: 'allow' }, { syscall: 'write', action: 'allow' }],
    });
  });

  it('an empty file is an empty policy that kills on every call', () => {
    expect(parse('')).toEqual({ defaultAction: 'kill-process', rules: [] });
  });

  it('records where each rule was written', () => {
    const { locations } = parsePolicyWithLocations('read: 1\n\n  write: arg0 == 1 || arg0 == 2\n', { file: 'x.policy' });
    expect(locations).toEqual([
      { file: 'x.policy', line: 1, column: 1 },
      { file: 'x.policy', line: 3, column: 3 },
      { file: 'x.policy', line: 3, column: 3 },
    ]);
  });
});

describe('actions', () => {
  it.each([
    ['1', 'allow'], ['allow', 'allow'], ['kill', 'kill-process'], ['kill-process', 'kill-process'],
    ['trap', 'trap'], ['log', 'log'], ['errno EPERM', { errno: 'EPERM' }], ['errno 13', { errno: 13 }],
    ['return EACCES', { errno: 'EACCES' }], ['return 1', { errno: 1 }], ['errno 0', { errno: 0 }], ['return 0', { errno: 0 }],
  ])('"%s"', (text, action) => {
    expect(rules(`open: ${text}`)).toEqual([{ syscall: 'open', action }]);
  });

  it('@default sets the action for calls no rule matches', () => {
    expect(parse('@default errno ENOSYS').defaultAction).toEqual({ errno: 'ENOSYS' });
    expect(parse('@default log').defaultAction).toBe('log');
    expect(parse('@default kill').defaultAction).toBe('kill-process');
  });
});

describe('expressions', () => {
  it.each([
    ['==', 'eq'], ['!=', 'ne'], ['<', 'lt'], ['<=', 'le'], ['>', 'gt'], ['>=', 'ge'],
  ])('argN %s VALUE', (op, name) => {
    expect(rules(`lseek: arg2 ${op} 1`)).toEqual([{ syscall: 'lseek', action: 'allow', conditions: [{ arg: 2, op: name, value: '1' }] }]);
  });

  it('$pid: the pid of the process that loads the filter, compared with == or !=', () => {
    expect(rules('tgkill: arg0 == $pid')).toEqual([{ syscall: 'tgkill', action: 'allow', conditions: [{ arg: 0, op: 'eq', value: '$pid' }] }]);
    expect(rules('tgkill: arg0 != $pid => errno EPERM')).toEqual([
      { syscall: 'tgkill', action: { errno: 'EPERM' }, conditions: [{ arg: 0, op: 'ne', value: '$pid' }] }]);
    // the negation for "; return" keeps the symbol
    expect(rules('tkill: arg0:32 == $pid; return EPERM')).toEqual([
      { syscall: 'tkill', action: 'allow', conditions: [{ arg: 0, op: 'eq', value: '$pid', width: 32 }] },
      { syscall: 'tkill', action: { errno: 'EPERM' }, conditions: [{ arg: 0, op: 'ne', value: '$pid', width: 32 }] }]);
  });

  it('&& binds tighter than ||: one rule per alternative', () => {
    expect(rules('setsockopt: arg1 == 1 && arg2 == 7 || arg1 == 6')).toEqual([
      { syscall: 'setsockopt', action: 'allow', conditions: [{ arg: 1, op: 'eq', value: '1' }, { arg: 2, op: 'eq', value: '7' }] },
      { syscall: 'setsockopt', action: 'allow', conditions: [{ arg: 1, op: 'eq', value: '6' }] },
    ]);
  });

  it('argN & MASK == VALUE is a masked comparison, != its negation (one rule per bit)', () => {
    expect(rules('openat: arg2 & O_ACCMODE == O_RDONLY')).toEqual([{ syscall: 'openat', action: 'allow',
      conditions: [{ arg: 2, op: 'masked-eq', mask: String(k.O_ACCMODE), value: String(k.O_RDONLY) }] }]);
    expect(rules('openat: arg2 & 3 != 1')).toEqual([
      { syscall: 'openat', action: 'allow', conditions: [{ arg: 2, op: 'masked-eq', mask: '1', value: '0' }] },
      { syscall: 'openat', action: 'allow', conditions: [{ arg: 2, op: 'masked-eq', mask: '2', value: '2' }] },
    ]);
  });

  it('argN & MASK is true when any bit of MASK is set (minijail): one rule per bit', () => {
    expect(rules('clone: arg0 & CLONE_THREAD')).toEqual([{ syscall: 'clone', action: 'allow',
      conditions: [{ arg: 0, op: 'masked-eq', mask: String(k.CLONE_THREAD), value: String(k.CLONE_THREAD) }] }]);
    expect(rules('mmap: arg3 & 0x12').map((r) => r.conditions)).toEqual([
      [{ arg: 3, op: 'masked-eq', mask: '2', value: '2' }],
      [{ arg: 3, op: 'masked-eq', mask: '16', value: '16' }],
    ]);
    expect(rules('mmap: arg3 & 0')).toEqual([]); // never true
  });

  it('argN in MASK: no bit outside MASK is set, complemented at the argument width', () => {
    // mmap's prot (arg2) is a C int: 32 bits. clone's flags (arg0) are 64 bits.
    const prot = BigInt(k.PROT_READ | k.PROT_WRITE);
    expect(rules('mmap: arg2 in PROT_READ|PROT_WRITE')[0].conditions)
      .toEqual([{ arg: 2, op: 'masked-eq', mask: String(U32 ^ prot), value: '0' }]);
    expect(rules('clone: arg0 in 0xff')[0].conditions)
      .toEqual([{ arg: 0, op: 'masked-eq', mask: String(U64 ^ 0xffn), value: '0' }]);
    // minijail's idiom for "never PROT_EXEC"
    expect(rules('mprotect: arg2 in ~PROT_EXEC')[0].conditions)
      .toEqual([{ arg: 2, op: 'masked-eq', mask: String(k.PROT_EXEC), value: '0' }]);
  });

  it('argN:32 and argN:64 choose the width explicitly', () => {
    expect(rules('ioctl: arg2:32 == 1 && arg1:64 in ~0xff')[0].conditions).toEqual([
      { arg: 2, op: 'eq', value: '1', width: 32 },
      { arg: 1, op: 'masked-eq', mask: '255', value: '0', width: 64 },
    ]);
  });
});

describe('values', () => {
  const value = (text: string, syscall = 'lseek', arg = 1) =>
    rules(`${syscall}: arg${arg} == ${text}`)[0].conditions![0].value;

  it.each([
    ['42', '42'], ['0x2A', '42'], ['052', '42'], ['0', '0'], ['-1', '-1'], ['-0x10', '-16'],
    ['AF_INET6', String(k.AF_INET6)], ['EPERM', String(binding!.errnos.EPERM)],
    ['O_CREAT|O_EXCL|O_WRONLY', String(k.O_CREAT | k.O_EXCL | k.O_WRONLY)],
    ['(1|2)|4', '7'], ['~0', String(U64)], ['~(0xf0|0x0f)', String(U64 ^ 0xffn)],
    ['18446744073709551615', String(U64)],
  ])('%s', (text, expected) => {
    expect(value(text)).toBe(expected);
  });

  it('~ complements at the width of the argument', () => {
    expect(value('~0', 'socket', 0)).toBe(String(U32));
    expect(value('-1', 'socket', 0)).toBe('-1'); // two's complement, left to the compiler
  });
});

describe('; return ERRNO (minijail): allow what matches, fail the rest', () => {
  it('adds rules for the negation of the expression', () => {
    expect(rules('socket: arg0 == AF_INET || arg0 == AF_UNIX; return EAFNOSUPPORT')).toEqual([
      { syscall: 'socket', action: 'allow', conditions: [{ arg: 0, op: 'eq', value: String(k.AF_INET) }] },
      { syscall: 'socket', action: 'allow', conditions: [{ arg: 0, op: 'eq', value: String(k.AF_UNIX) }] },
      { syscall: 'socket', action: { errno: 'EAFNOSUPPORT' }, conditions: [
        { arg: 0, op: 'ne', value: String(k.AF_INET) }, { arg: 0, op: 'ne', value: String(k.AF_UNIX) }] },
    ]);
  });

  it('negates conjunctions into alternatives and masks into bits', () => {
    expect(rules('x: arg0 < 5 && arg1 & 6 == 2; return 1').slice(1)).toEqual([
      { syscall: 'x', action: { errno: 1 }, conditions: [{ arg: 0, op: 'ge', value: '5' }] },
      { syscall: 'x', action: { errno: 1 }, conditions: [{ arg: 1, op: 'masked-eq', mask: '2', value: '0' }] },
      { syscall: 'x', action: { errno: 1 }, conditions: [{ arg: 1, op: 'masked-eq', mask: '4', value: '4' }] },
    ]);
    expect(rules('mprotect: arg2 in ~PROT_EXEC; return EPERM')[1]).toEqual({ syscall: 'mprotect', action: { errno: 'EPERM' },
      conditions: [{ arg: 2, op: 'masked-eq', mask: String(k.PROT_EXEC), value: String(k.PROT_EXEC) }] });
  });

  it('an expression that is never true fails every call', () => {
    expect(rules('x: arg0 & 0; return EPERM')).toEqual([{ syscall: 'x', action: { errno: 'EPERM' } }]);
  });
});

describe('=> ACTION (extension): the action when the expression holds', () => {
  it('replaces allow, and combines with ; return', () => {
    expect(rules('write: arg0 == 2 => log')).toEqual([
      { syscall: 'write', action: 'log', conditions: [{ arg: 0, op: 'eq', value: '2' }] }]);
    expect(rules('kill: arg1 == SIGTERM => errno EPERM; return ESRCH')).toEqual([
      { syscall: 'kill', action: { errno: 'EPERM' }, conditions: [{ arg: 1, op: 'eq', value: String(k.SIGTERM) }] },
      { syscall: 'kill', action: { errno: 'ESRCH' }, conditions: [{ arg: 1, op: 'ne', value: String(k.SIGTERM) }] },
    ]);
  });
});

describe('groups (extension)', () => {
  it('@allow and a group line expand like lockdown() does, each group once', () => {
    expect(rules('@allow @signal, @dns')).toEqual(expandEntries(['@signal', '@dns']));
    expect(rules('@net-client\n@net-server')).toEqual(expandEntries(['@net-server']));
  });

  it('the rules are copies: changing them leaves the group table alone', () => {
    const first = rules('@node');
    first[0].syscall = 'changed';
    first.find((r) => r.conditions)!.conditions![0].value = '12345';
    expect(rules('@node')).toEqual(expandEntries(['@node']));
  });
});

describe('[arch] sections (extension)', () => {
  const text = 'read: 1\n[arch x86_64]\narch_prctl: 1\n[arch aarch64, arm]\n@default trap\nwrite: 1\n[arch *]\ngetpid: 1\n';
  it('select rules by the target architecture', () => {
    expect(parsePolicy(text, { arch: 'x86_64' })).toEqual({ defaultAction: 'kill-process', rules: [
      { syscall: 'read', action: 'allow' }, { syscall: 'arch_prctl', action: 'allow' }, { syscall: 'getpid', action: 'allow' }] });
    expect(parsePolicy(text, { arch: 'arm' })).toEqual({ defaultAction: 'trap', rules: [
      { syscall: 'read', action: 'allow' }, { syscall: 'write', action: 'allow' }, { syscall: 'getpid', action: 'allow' }] });
    expect(parsePolicy(text, { arch: 'riscv64' }).rules.map((r) => r.syscall)).toEqual(['read', 'getpid']);
  });

  it('default to the native architecture', () => {
    // process.arch in the names policy files use, for every architecture the package knows
    const names: Record<string, 'x86_64' | 'aarch64' | 'arm' | 'riscv64' | 'ppc64le' | 's390x'> = {
      x64: 'x86_64', arm64: 'aarch64', arm: 'arm', riscv64: 'riscv64', ppc64: 'ppc64le', s390x: 's390x',
    };
    const native = names[process.arch];
    if (native === undefined) {
      // a machine the package does not support: the default is refused, never guessed
      expect(() => parsePolicy(text)).toThrow(expect.objectContaining({ code: 'ERR_SECCOMP_UNSUPPORTED' }));
      return;
    }
    expect(parsePolicy(text)).toEqual(parsePolicy(text, { arch: native }));
    // and the sections made a difference: another architecture's reading is not the same
    const other = native === 'arm' ? 'x86_64' : 'arm';
    expect(parsePolicy(text)).not.toEqual(parsePolicy(text, { arch: other }));
  });

  it('@default may be given once per architecture', () => {
    const twice = '[arch x86_64]\n@default log\n[arch aarch64]\n@default trap\n';
    expect(parsePolicy(twice, { arch: 'x86_64' }).defaultAction).toBe('log');
    expect(parsePolicy(twice, { arch: 'aarch64' }).defaultAction).toBe('trap');
  });

  it('an unknown arch option is refused', () => {
    expect(() => parsePolicy('', { arch: 'vax' as 'x86_64' })).toThrow(expect.objectContaining({ code: 'ERR_SECCOMP_UNKNOWN_ARCH' }));
  });
});
