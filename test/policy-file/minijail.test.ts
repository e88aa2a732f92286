/**
 * minijail compatibility (issue 17), construct by construct: each one's meaning is checked
 * by compiling the parsed policy and running the BPF program in the emulator, whose
 * verdicts match the kernel's (emulator-kernel.test.ts).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeAction, runFilter } from '../../src/bpf/emulator';
import { SeccompError } from '../../src/errors';
import { Filter } from '../../src/filter';
import { binding } from '../../src/native';
import { parsePolicyWithLocations, type ParsedPolicy } from '../../src/policy-file';
import { syscallNumber } from '../../src/syscalls';

const k = binding!.constants;
const X86_64 = 0xc000003e;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-minijail-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Writes files into the test directory; returns the path of the first. */
function files(contents: Record<string, string>): string {
  for (const [name, text] of Object.entries(contents)) fs.writeFileSync(path.join(dir, name), text);
  return path.join(dir, Object.keys(contents)[0]);
}

function parsed(text: string, arch: 'x86_64' | 'aarch64' = 'x86_64'): ParsedPolicy {
  return parsePolicyWithLocations(text, { file: path.join(dir, 'app.policy'), arch });
}

/** What the compiled filter does with syscall(args), in words: "allow", "errno EBADF", "kill-process"... */
function verdicts(text: string) {
  const program = Filter.fromPolicy(parsed(text).policy).exportBpf({ arch: 'x86_64' });
  const errnoNames = Object.fromEntries(Object.entries(binding!.errnos).map(([name, n]) => [n, name]));
  return (syscall: string, ...args: (number | bigint)[]): string => {
    const { action, data } = decodeAction(runFilter(program, { nr: syscallNumber(syscall, 'x86_64')!, arch: X86_64, args: args.map(BigInt) }));
    return action === 'errno' ? `errno ${errnoNames[data]}` : action;
  };
}

function syntaxError(text: string): SeccompError {
  try {
    parsed(text);
  } catch (error) {
    expect(error).toBeInstanceOf(SeccompError);
    expect((error as SeccompError).code).toBe('ERR_SECCOMP_POLICY_SYNTAX');
    return error as SeccompError;
  }
  throw new Error('expected a syntax error');
}

describe('line continuation with "\\" (minijail0(5); both implementations)', () => {
  it('joins a statement across lines', () => {
    const v = verdicts('write: arg0 == 1 || \\\n   arg0 == 2\nread: \\\n  1\r\nclose: \\\r\n 1\n');
    expect([v('write', 1), v('write', 2), v('write', 3), v('read', 0), v('close', 0)])
      .toEqual(['allow', 'allow', 'kill-process', 'allow', 'allow']);
  });

  it('reports a mistake at its own line and column, and where each rule starts', () => {
    const e = syntaxError('read: 1\nwrite: arg0 == 1 || \\\n    arg0 = 2\n');
    expect([e.details.line, e.details.column, e.details.suggestion]).toEqual([3, 10, '==']);
    expect(parsed('read: 1\nwrite: \\\n arg0 == 1\n').locations.map((l) => l.line)).toEqual([1, 2]);
  });

  it('refuses what the two implementations read differently, or both drop silently', () => {
    // minijail0 continues the comment, the Python compiler reads "read: 1" as a rule
    expect(syntaxError('# allow reads \\\nread: 1\n').message).toMatch(/:1:\d+: a comment ends in "\\"/);
    expect(syntaxError('write: 1 # and \\\nread: 1\n').details.line).toBe(1);
    // both minijail implementations drop a last statement that ends in "\"
    expect(syntaxError('read: 1\nptrace: return EPERM \\\n').message).toMatch(/:2:\d+: the last line ends in "\\"/);
    expect(syntaxError('read: 1\nptrace: return EPERM \\').details.line).toBe(2);
  });
});

describe('@denylist (Python compiler)', () => {
  it('allows every call it does not list, and refuses the ones it lists', () => {
    const v = verdicts('@denylist\n# a runtime default: no BPF programs\nbpf: return EPERM\nptrace: kill\n');
    expect([v('bpf', 0), v('ptrace', 0), v('read', 0), v('socket', k.AF_NETLINK)]).toEqual(['errno EPERM', 'kill-process', 'allow', 'allow']);
  });

  it('refuses an allow rule (it would do nothing) and a second default', () => {
    expect(syntaxError('@denylist\nbpf: return EPERM\nread: 1\n').message).toMatch(/:3:7: this rule allows, and a @denylist policy/);
    expect(syntaxError('@denylist\nwrite: arg0 == 1; allow\n').details.line).toBe(2);
    expect(syntaxError('@default kill\n@denylist\n').message).toMatch(/@denylist conflicts with @default at .*:1: both set the default/);
  });

  it('an included file may say @denylist only inside a denylist policy', () => {
    files({ 'deny.policy': '@denylist\nbpf: return EPERM\n' });
    expect(verdicts('@denylist\n@include ./deny.policy\n')('bpf', 0)).toBe('errno EPERM');
    expect(syntaxError('@include ./deny.policy\nread: 1\n').message)
      .toMatch(/deny\.policy:1:1: @denylist in an included file \(.*app\.policy -> .*deny\.policy\) of a policy that is not a @denylist/);
  });
});

describe('@frequency FILE (Python compiler; minijail0 skips it): checked, not used', () => {
  it('reads a valid file, says its counts are not used, and changes nothing in the filter', () => {
    files({ 'app.frequency': '# counts\nread: 120\nwrite: 0x20\n{close, futex}: 3\nfutex[arch=x86_64]: \\\n  7\n' });
    const with_ = parsed('@frequency ./app.frequency\nread: 1\nwrite: 1\n');
    expect(with_.notes).toEqual([expect.stringMatching(/app\.policy:1: @frequency \.\/app\.frequency: 4 counts checked and not used/)]);
    const without = parsed('read: 1\nwrite: 1\n');
    expect(Filter.fromPolicy(with_.policy).exportBpf({ arch: 'x86_64' })).toEqual(Filter.fromPolicy(without.policy).exportBpf({ arch: 'x86_64' }));
  });

  it.each([
    ['', /cannot read "\.\/nofile\.frequency": ENOENT/, 'nofile'],
    ['read\n', /app\.frequency:1:5: expected ":" after the system call name, found end of line/],
    ['read foo\n', /expected ":" after the system call name, found "foo"/],
    ['read:\n', /expected a count \(a whole number, 0 or more\), found end of line/],
    ['read: foo\n', /expected a count .*, found "foo"/],
    ['read: -1\n', /expected a count .*, found "-1"/],
    ['read: 1 2\n', /expected end of line after the count, found "2"/],
    ['raed: 1\n', /unknown system call "raed"; did you mean "read"\?/],
  ])('refuses a missing or malformed file: %j', (text, message, name = 'app') => {
    files({ 'app.frequency': text });
    expect(syntaxError(`read: 1\n@frequency ./${name}.frequency\n`).message).toMatch(message);
  });
});

describe('system call lists and per-architecture rules (Python compiler)', () => {
  it('{read, write}: gives each call the rule, read with its own argument widths', () => {
    const v = verdicts('{read, write}: arg0 == 1\n{lseek, close}: arg1 == ~0 || arg0 == 5\n');
    expect([v('read', 1), v('write', 1), v('read', 2), v('write', (1n << 32n) | 1n)]).toEqual(['allow', 'allow', 'kill-process', 'allow']);
    // lseek's offset is 64-bit: ~0 is all 64 bits there; close has one int argument, arg0 still decides
    expect([v('lseek', 0, (1n << 64n) - 1n), v('lseek', 0, 0xffffffffn), v('close', 5)]).toEqual(['allow', 'kill-process', 'allow']);
  });

  it('read[arch=...] applies only on the architectures listed (minijail\'s names too)', () => {
    const v = verdicts('read[arch=x86_64]: 1\nwrite[arch=aarch64]: 1\nclose[arch=arm64,x86]: 1\n{getpid, gettid[arch=aarch64]}: 1\n');
    expect([v('read'), v('write'), v('close'), v('getpid'), v('gettid')]).toEqual(['allow', 'kill-process', 'kill-process', 'allow', 'kill-process']);
    expect(parsed('write[arch=aarch64]: 1\nclose[arch=arm64]: 1\n', 'aarch64').policy.rules.map((r) => r.syscall)).toEqual(['write', 'close']);
    expect(parsed('read[arch=loong64]: 1\n').policy.rules).toEqual([]); // an architecture seccomp-node does not build for
  });

  it('refuses what it would otherwise have to ignore', () => {
    expect(syntaxError('read[ach=x86_64]: 1\n').message).toMatch(/unknown key "ach": "arch" is the only one.*did you mean "arch"\?/);
    expect(syntaxError('read[arch=x86-64]: 1\n').details.column).toBe(11);
    expect(syntaxError('read[arch=x86_46]: 1\n').message).toMatch(/unknown architecture "x86_46"; did you mean "x86_64"\?/);
    expect(syntaxError('read[arch=x86_64; arch=aarch64]: 1\n').message).toMatch(/"arch" is given twice/);
    expect(syntaxError('{read, write: 1\n').message).toMatch(/expected "," or "}" in the system call list, found ":"/);
    expect(syntaxError('io@libc: 1\n').message).toMatch(/"io@libc" is a syscall group of minijail's Python compiler/);
  });
});

describe('filter lists { F, F } (Python compiler): the first filter that matches decides', () => {
  it('reads each filter in order, then the default', () => {
    const v = verdicts('read: { arg0 == 0, arg0 == 1; return ENOSYS, trap }\nwrite: { arg0 < 10, arg0 < 20; return EPERM }\n');
    expect([v('read', 0), v('read', 1), v('read', 2), v('read', (1n << 32n) | 1n)]).toEqual(['allow', 'errno ENOSYS', 'trap', 'errno ENOSYS']);
    expect([v('write', 5), v('write', 15), v('write', 25)]).toEqual(['allow', 'errno EPERM', 'kill-process']);
  });

  it('an earlier filter wins where two match, with any action form', () => {
    const v = verdicts('ioctl: { arg1 == TCGETS && arg0 == 0, arg1 == TCGETS => errno ENOTTY, arg1 == FIONREAD; log }\n' +
      'fcntl: { arg1 == F_GETFL, arg1 < 10; return EINVAL, return EPERM }\n');
    expect([v('ioctl', 0, k.TCGETS), v('ioctl', 1, k.TCGETS), v('ioctl', 1, k.FIONREAD), v('ioctl', 2, 0)])
      .toEqual(['allow', 'errno ENOTTY', 'log', 'kill-process']);
    expect([v('fcntl', 0, k.F_GETFL), v('fcntl', 0, k.F_SETFL), v('fcntl', 0, 1000)]).toEqual(['allow', 'errno EINVAL', 'errno EPERM']);
  });

  it('refuses an unconditional filter before others, and "return" without an errno', () => {
    expect(syntaxError('read: { kill, arg0 == 0 }\n').message).toMatch(/1:15: this filter can never apply/);
    expect(syntaxError('read: { arg0 == 0; return }\n').message).toMatch(/expected an errno name/);
    expect(syntaxError('read: { arg0 == 0 \n').message).toMatch(/expected "," or "}" in the filter list, found end of line/);
  });
});

describe('"; return" and "; ACTION"', () => {
  it('EXPR; return ERRNO keeps minijail0\'s meaning: allowed when EXPR holds, ERRNO otherwise', () => {
    const v = verdicts('read: arg0 == 0; return EBADF\n');
    expect([v('read', 0), v('read', 1)]).toEqual(['allow', 'errno EBADF']);
  });

  it('EXPR; return without an errno (minijail0\'s C parser): the default action for the rest', () => {
    const v = verdicts('write: arg0 == 0; return\n');
    expect([v('write', 0), v('write', 1)]).toEqual(['allow', 'kill-process']);
    expect(verdicts('@default trap\nwrite: arg0 == 0; return\n')('write', 1)).toBe('trap');
    const alone = parsed('read: return\nwrite: 1\n');
    expect(alone.policy.rules).toEqual([{ syscall: 'write', action: 'allow' }]);
    expect(alone.notes).toEqual([expect.stringMatching(/app\.policy:1: "return" without an errno means the default action/)]);
  });

  it('EXPR; ACTION (Python compiler): ACTION when EXPR holds', () => {
    const v = verdicts('write: arg0 == 2; log\nread: arg0 == 0; allow\nclose: arg0 == 3; return EBADF\n');
    expect([v('write', 2), v('write', 1), v('read', 0), v('read', 1)]).toEqual(['log', 'kill-process', 'allow', 'kill-process']);
  });

  it('warns when a file written for the Python compiler uses EXPR; return ERRNO, and only then', () => {
    expect(parsed('read: arg0 == 0; return EBADF\n').warnings).toEqual([]);
    for (const sign of ['@denylist\nbpf: return EPERM', '{getpid, gettid}: 1', 'getpid[arch=x86_64]: 1', 'getpid: { arg0 == 1 }', 'getpid: arg0 == 1; log']) {
      const { warnings } = parsed(`${sign}\nread: arg0 == 0; return EBADF\n`);
      expect(warnings, sign).toEqual([expect.stringMatching(/app\.policy:\d: "EXPR; return ERRNO" is read as minijail0 reads it: allowed when EXPR holds, EBADF|ERRNO otherwise\. This policy uses .*, a construct of minijail's Python compiler/)]);
    }
  });
});

describe('double complement', () => {
  it('~~VALUE is refused, as both minijail implementations refuse it; ~(~VALUE) is fine', () => {
    expect(syntaxError('read: arg0 == ~~0\n').message).toMatch(/1:16: a double complement "~~" is refused/);
    expect(verdicts('read: arg0 == ~(~5)\n')('read', 5)).toBe('allow');
  });
});

describe('seccomp-node check', () => {
  it('prints the warning and the notes with the file', () => {
    const file = files({ 'python.policy': '{read, write}: 1\nclose: arg0 == 3; return EBADF\nopen: return\n' });
    const bin = path.resolve(__dirname, '../../bin/seccomp-node.js');
    const r = spawnSync(process.execPath, [bin, 'check', '--arch', 'x86_64', file], { encoding: 'utf8', input: '' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^${file}: note: ${file}:3: "return" without an errno`, 'm'));
    expect(r.stderr).toMatch(new RegExp(`^${file}: warning: ${file}:2: "EXPR; return ERRNO" is read as minijail0 reads it`, 'm'));
  });
});
