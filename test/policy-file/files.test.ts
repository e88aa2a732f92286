/**
 * Policy files on disk: @include (relative paths, cycles, errors inside included files),
 * [arch] sections across includes, and checkPolicyFile's compiler errors with locations.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPolicyFile, parsePolicy, parsePolicyFile } from '../../src/policy-file';
import { SeccompError } from '../../src/errors';
import { binding } from '../../src/native';

const dir = path.resolve(__dirname, '../fixtures/policies');
const fixture = (name: string) => path.join(dir, name);
const k = binding!.constants;
const COMMON = ['read', 'write', 'close', 'fstat', 'brk', 'rt_sigreturn', 'restart_syscall', 'exit_group'];

function failure(run: () => unknown): SeccompError {
  try { run(); } catch (error) {
    expect(error).toBeInstanceOf(SeccompError);
    return error as SeccompError;
  }
  throw new Error('no error');
}

describe('a minijail-style daemon policy', () => {
  const policy = parsePolicyFile(fixture('daemon.policy'), { arch: 'x86_64' });

  it('loads with its include first, in file order', () => {
    expect(policy.defaultAction).toBe('kill-process');
    const names = [...new Set(policy.rules.map((r) => r.syscall))];
    expect(names).toEqual([...COMMON, 'socket', 'connect', 'sendto', 'recvfrom', 'setsockopt', 'openat', 'open',
      'fcntl', 'mmap', 'mprotect', 'munmap', 'clone', 'ioctl', 'prctl']);
  });

  it('means what minijail means', () => {
    const of = (name: string) => policy.rules.filter((r) => r.syscall === name);
    expect(of('socket').map((r) => r.action)).toEqual(['allow', 'allow', { errno: 'EAFNOSUPPORT' }]);
    expect(of('setsockopt').map((r) => r.conditions)).toEqual([
      [{ arg: 1, op: 'eq', value: String(k.SOL_SOCKET) }, { arg: 2, op: 'eq', value: '7' }],
      [{ arg: 1, op: 'eq', value: String(k.IPPROTO_TCP) }],
    ]);
    expect(of('open')).toEqual([{ syscall: 'open', action: { errno: 'ENOENT' } }]);
    expect(of('fcntl')).toHaveLength(4);
    expect(of('mmap')[0].conditions).toEqual([{ arg: 2, op: 'masked-eq', value: '0',
      mask: String(0xffffffff - (k.PROT_READ | k.PROT_WRITE)) }]);
    expect(of('clone')[0].conditions).toEqual([{ arg: 0, op: 'masked-eq', mask: String(k.CLONE_THREAD), value: String(k.CLONE_THREAD) }]);
    expect(of('ioctl')).toEqual([
      { syscall: 'ioctl', action: 'allow', conditions: [{ arg: 1, op: 'eq', value: String(k.TCGETS) }] },
      { syscall: 'ioctl', action: { errno: 'ENOTTY' }, conditions: [{ arg: 1, op: 'ne', value: String(k.TCGETS) }] },
    ]);
  });

  it('compiles for x86_64 and aarch64 (where open(2) does not exist)', () => {
    const x86 = checkPolicyFile(fixture('daemon.policy'), { arch: 'x86_64' });
    expect(x86.skipped).toEqual([]);
    expect(x86.notes).toEqual([expect.stringContaining('daemon.policy:4: @frequency')]);
    expect(x86.locations[x86.policy.rules.findIndex((r) => r.syscall === 'socket')])
      .toEqual({ file: fixture('daemon.policy'), line: 7, column: 1 });
    expect(x86.locations[0]).toEqual({ file: path.join(dir, 'common.policy'), line: 2, column: 1 });
    expect(checkPolicyFile(fixture('daemon.policy'), { arch: 'aarch64' }).skipped).toEqual(['open']);
  });
});

describe('@include', () => {
  it('is relative to the including file, at any depth', () => {
    const policy = parsePolicyFile(fixture('nested-root.policy'));
    expect(policy.rules.map((r) => r.syscall)).toEqual([...COMMON, 'futex', 'getpid']);
  });

  it('accepts absolute paths, and from text is relative to options.file or the working directory', () => {
    expect(parsePolicy(`@include ${fixture('common.policy')}`).rules).toHaveLength(COMMON.length);
    expect(parsePolicy('@include sub/nested.policy', { file: fixture('x.policy') }).rules).toHaveLength(COMMON.length + 1);
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      expect(parsePolicy('@include common.policy').rules).toHaveLength(COMMON.length);
    } finally { process.chdir(cwd); }
  });

  it('refuses cycles, naming the files in it', () => {
    const error = failure(() => parsePolicyFile(fixture('cycle-a.policy')));
    expect(error.code).toBe('ERR_SECCOMP_POLICY_SYNTAX');
    const b = path.join(dir, 'cycle-b.policy');
    expect(error.details).toMatchObject({ file: b, line: 2, column: 10 });
    expect(error.message).toBe(`${b}:2:10: @include cycle: ${fixture('cycle-a.policy')} -> ${b} -> ${fixture('cycle-a.policy')}`);
    expect(failure(() => parsePolicyFile(fixture('self.policy'))).details).toMatchObject({ line: 2, column: 10 });
  });

  it('reports errors in the included file at their place in it', () => {
    const error = failure(() => parsePolicyFile(fixture('includes-broken.policy')));
    expect(error.message).toBe(`${path.join(dir, 'broken.policy')}:4:16: unknown constant "STDOUT"`);
    expect(error.details).toMatchObject({ file: path.join(dir, 'broken.policy'), line: 4, column: 16 });
  });

  it('reports a file that cannot be read at the path in the @include line', () => {
    const error = failure(() => parsePolicyFile(fixture('missing-include.policy')));
    expect(error.message).toBe(`${fixture('missing-include.policy')}:2:12: cannot read "does-not-exist.policy": ENOENT`);
    const dirError = failure(() => parsePolicy('@include .', { file: fixture('x.policy') }));
    expect(dirError.message).toBe(`${fixture('x.policy')}:1:10: cannot read ".": not a regular file`);
  });

  it('a missing top-level file is a file error, with its errno', () => {
    const error = failure(() => parsePolicyFile(fixture('nope.policy')));
    expect(error.code).toBe('ERR_SECCOMP_POLICY_FILE');
    expect(error.details.errno).toBe('ENOENT');
    expect(error.message).toContain('nope.policy": ENOENT');
  });

  it('names included files relative to how the first file was named', () => {
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      const error = failure(() => parsePolicyFile('includes-broken.policy'));
      expect(error.details.file).toBe('broken.policy');
      expect(error.message.startsWith('broken.policy:4:16: ')).toBe(true);
    } finally { process.chdir(cwd); }
  });
});

describe('[arch] sections across files', () => {
  it('an include inside a section applies only there, but is always parsed', () => {
    expect(parsePolicyFile(fixture('arch.policy'), { arch: 'x86_64' }).rules.map((r) => r.syscall))
      .toEqual(['read', ...COMMON, 'arch_prctl', 'getpid']);
    expect(parsePolicyFile(fixture('arch.policy'), { arch: 'aarch64' })).toEqual({
      defaultAction: 'trap', rules: [{ syscall: 'read', action: 'allow' }, { syscall: 'getpid', action: 'allow' }] });
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-'));
    try {
      fs.writeFileSync(path.join(tmp, 'bad.policy'), 'read: arg0 = 1\n');
      const error = failure(() => parsePolicy('[arch s390x]\n@include bad.policy\n', { file: path.join(tmp, 'main.policy'), arch: 'x86_64' }));
      expect(error.details).toMatchObject({ file: path.join(tmp, 'bad.policy'), line: 1, column: 12 });
    } finally { fs.rmSync(tmp, { recursive: true }); }
  });

  it('a section in an included file ends with that file', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-'));
    try {
      fs.writeFileSync(path.join(tmp, 'arm.policy'), '[arch arm]\nwrite: 1\n');
      expect(parsePolicy('@include arm.policy\nread: 1\n', { file: path.join(tmp, 'main.policy'), arch: 'x86_64' }).rules)
        .toEqual([{ syscall: 'read', action: 'allow' }]);
    } finally { fs.rmSync(tmp, { recursive: true }); }
  });
});

describe('checkPolicyFile', () => {
  it('reports unknown system calls at the line that names them, with a suggestion', () => {
    const file = fixture('unknown-syscall.policy');
    const error = failure(() => checkPolicyFile(file, { arch: 'x86_64' }));
    expect(error.code).toBe('ERR_SECCOMP_UNKNOWN_SYSCALL');
    expect(error.details).toMatchObject({ file, line: 4, column: 3, syscall: 'opne', suggestion: 'open' });
    expect(error.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:4:3: unknown system call "opne"; did you mean "open"\\?`));
  });

  it('reports rule conflicts at the first rule for the call', () => {
    const error = failure(() => checkPolicyFile(fixture('conflict.policy'), { arch: 'x86_64' }));
    expect(error.code).toBe('ERR_SECCOMP_RULE_CONFLICT');
    expect(error.details).toMatchObject({ line: 1, column: 1, syscall: 'read' });
  });

  it('checks for the native architecture by default', () => {
    expect(checkPolicyFile(fixture('common.policy')).policy.rules).toHaveLength(COMMON.length);
  });
});

describe('@default belongs to the top-level file (issue 9, item 8)', () => {
  // An app policy that kills by default includes a file that says "@default allow": on
  // today's main the included line became the app's default, and ptrace was allowed.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-default-'));
  fs.mkdirSync(path.join(tmp, 'lib'));
  fs.writeFileSync(path.join(tmp, 'lib', 'permissive.policy'), 'read: 1\n@default allow\n');
  fs.writeFileSync(path.join(tmp, 'lib', 'middle.policy'), 'write: 1\n@include permissive.policy\n');
  fs.writeFileSync(path.join(tmp, 'app.policy'), '@default kill\n@include lib/middle.policy\nclose: 1\n');
  fs.writeFileSync(path.join(tmp, 'plain.policy'), '@include lib/permissive.policy\n');

  it('in an included file it is an error naming the include chain, however deep', () => {
    const e = failure(() => parsePolicyFile(path.join(tmp, 'app.policy'), { arch: 'x86_64' }));
    expect(e.code).toBe('ERR_SECCOMP_POLICY_SYNTAX');
    expect(e.message).toBe(`${path.join(tmp, 'lib', 'permissive.policy')}:2:1: @default in an included file ` +
      `(${path.join(tmp, 'app.policy')} -> ${path.join(tmp, 'lib', 'middle.policy')} -> ${path.join(tmp, 'lib', 'permissive.policy')}): ` +
      'only the top-level policy sets the default action. Move it there, or remove it');
    // also when the top-level file sets no default of its own
    expect(failure(() => parsePolicyFile(path.join(tmp, 'plain.policy'), { arch: 'x86_64' })).message).toMatch(/@default in an included file/);
  });

  it('in the top-level file it sets the default, before or after its includes', () => {
    fs.writeFileSync(path.join(tmp, 'lib', 'permissive.policy'), 'read: 1\n');
    const { defaultAction } = parsePolicyFile(path.join(tmp, 'app.policy'), { arch: 'x86_64' });
    expect(defaultAction).toBe('kill-process');
    fs.writeFileSync(path.join(tmp, 'last.policy'), '@include lib/middle.policy\n@default errno EPERM\n');
    expect(parsePolicyFile(path.join(tmp, 'last.policy'), { arch: 'x86_64' }).defaultAction).toEqual({ errno: 'EPERM' });
  });
});
