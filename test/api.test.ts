/**
 * The public API without loading any filter: exports, validation and error codes,
 * and what the compiler hands to libseccomp. Nothing here changes the test process.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index';
import { arg, arg32, arg64, constants, Filter, SeccompError, sandbox } from '../src/index';
import { runFilter } from '../src/bpf/emulator';
import { syscallNumber } from '../src/syscalls';
import { PACKAGE_ROOT } from './helpers/child';

function codeOf(fn: () => unknown): string | undefined {
  try { fn(); } catch (error) {
    expect(error).toBeInstanceOf(SeccompError);
    return (error as SeccompError).code;
  }
  return undefined;
}

function errorOf(fn: () => unknown): SeccompError {
  try { fn(); } catch (error) { return error as SeccompError; }
  throw new Error('expected a SeccompError');
}

describe('packaging', () => {
  it('require() and import give the same module instance with the documented names', () => {
    const script = `
      const cjs = require(${JSON.stringify(PACKAGE_ROOT)});
      import(${JSON.stringify(PACKAGE_ROOT + '/lib/index.mjs')}).then((esm) => {
        const names = ['sandbox', 'Filter', 'arg', 'arg32', 'arg64', 'constants', 'errnos', 'SeccompError', 'groups', 'defaultDaemonProfile', 'Filter'];
        console.log(JSON.stringify(names.map((n) => [n, typeof esm[n], esm[n] === cjs[n]])));
      });`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as [string, string, boolean][];
    for (const [name, type, same] of out) {
      expect(type, name).not.toBe('undefined');
      expect(same, name).toBe(true);
    }
  });

  it('the package exports map resolves both entry points', () => {
    const pkg = JSON.parse(fs.readFileSync(`${PACKAGE_ROOT}/package.json`, 'utf8')) as { exports: Record<string, Record<string, { default: string; types: string }>> };
    for (const condition of ['import', 'require']) {
      const entry = pkg.exports['.'][condition];
      expect(fs.existsSync(`${PACKAGE_ROOT}/${entry.default}`), entry.default).toBe(true);
      expect(fs.existsSync(`${PACKAGE_ROOT}/${entry.types}`), entry.types).toBe(true);
    }
  });

  it('isSupported() and status() describe this machine without changing it', () => {
    expect(sandbox.isSupported()).toBe(true);
    const status = sandbox.status();
    expect(status).toMatchObject({ supported: true, locked: false, filters: 0, arch: 'x86_64', node: process.version });
    expect(status.libseccomp).toMatch(/^2\.\d+\.\d+$/);
    expect(status.addon).toMatch(/\.node$/);
    // npm run test:prebuild runs the suite with PREBUILDS_ONLY=1
    if (process.env.EXPECT_PREBUILT_ADDON) expect(status.addon).toContain('/prebuilds/linux-x64/');
  });

  it('the shipped addon offers no raw system call, and the package ships no test addon', () => {
    // Any JS can require() the addon by its path (status().addon); what it exports is what
    // an attacker with only JavaScript gets. A raw-syscall primitive must not be among it.
    const addon = require(sandbox.status().addon!) as Record<string, unknown>;
    expect(Object.keys(addon).sort()).toEqual([
      'allowTracer', 'buildFilter', 'constants', 'errnos', 'execPrepared', 'libraryInfo', 'loadProgram', 'prepareExec', 'primeLibc',
      'resolveSyscall', 'syscallNames',
    ]);
    const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'],
      { cwd: PACKAGE_ROOT, encoding: 'utf8' })) as { files: { path: string }[] }[];
    const files = packed[0].files.map((f) => f.path);
    expect(files).toContain('native/filter.cc');
    expect(files.filter((f) => f.startsWith('test/') || f.includes('probes'))).toEqual([]);
  });

  it('constants come from the platform headers', () => {
    expect(constants.AF_INET).toBe(2);
    expect(constants.AF_INET6).toBe(10);
    expect(constants.O_ACCMODE).toBe(3);
    expect(constants.CLONE_THREAD).toBe(0x10000);
    expect(constants.AT_FDCWD).toBe(-100);
    expect(constants.FIONBIO).toBe(0x5421);
    expect(api.errnos.EPERM).toBe(1);
    expect(api.errnos.ENOSYS).toBe(38);
  });
});

describe('bad input gets a stable code and a helpful message', () => {
  it('unknown syscall, with a suggestion', () => {
    const error = errorOf(() => new Filter().allow('opnat').exportBpf());
    expect(error.code).toBe('ERR_SECCOMP_UNKNOWN_SYSCALL');
    expect(error.message).toContain('did you mean "openat"');
    expect(error.details.suggestion).toBe('openat');
  });

  it('names that exist only on another architecture are accepted and left out', () => {
    // socketcall exists on i386 only; open exists on x86_64 but not on aarch64
    const pfc = new Filter().allow('socketcall').allow('open').allow('read').exportPfc();
    expect(pfc).toContain('"open"');
    expect(pfc).not.toContain('socketcall');
    const arm = new Filter().allow('open').allow('openat').exportPfc({ arch: 'aarch64' });
    expect(arm).toContain('"openat"');
    expect(arm).not.toContain('"open"');
  });

  it('bad argument indexes', () => {
    expect(codeOf(() => arg(6))).toBe('ERR_SECCOMP_INVALID_ARGUMENT_INDEX');
    expect(codeOf(() => arg(-1))).toBe('ERR_SECCOMP_INVALID_ARGUMENT_INDEX');
    expect(codeOf(() => arg(1.5))).toBe('ERR_SECCOMP_INVALID_ARGUMENT_INDEX');
  });

  it('values out of range', () => {
    expect(codeOf(() => arg(0).eq(2 ** 60))).toBe('ERR_SECCOMP_VALUE_OUT_OF_RANGE'); // not a safe integer
    expect(codeOf(() => arg(0).eq(1n << 64n))).toBe('ERR_SECCOMP_VALUE_OUT_OF_RANGE');
    expect(codeOf(() => arg(0).eq(1.5))).toBe('ERR_SECCOMP_VALUE_OUT_OF_RANGE');
    // socket's domain is an int: a value above 32 bits can never match, so it is refused
    const error = errorOf(() => new Filter().allow('socket', arg(0).eq(1n << 40n)).exportBpf());
    expect(error.code).toBe('ERR_SECCOMP_VALUE_OUT_OF_RANGE');
    expect(error.message).toContain('arg64()');
    expect(codeOf(() => new Filter().allow('socket', arg64(0).eq(1n << 40n)).exportBpf())).toBeUndefined();
  });

  it('unknown errno names, with a suggestion', () => {
    const error = errorOf(() => new Filter().errno('ptrace', 'EPREM').exportBpf());
    expect(error.code).toBe('ERR_SECCOMP_UNKNOWN_ERRNO');
    expect(error.details.suggestion).toBe('EPERM');
    expect(codeOf(() => new Filter().errno('ptrace', 0).exportBpf())).toBe('ERR_SECCOMP_UNKNOWN_ERRNO');
  });

  it('unknown groups, with a suggestion', () => {
    const error = errorOf(() => new Filter().allow('@net-sever'));
    expect(error.code).toBe('ERR_SECCOMP_UNKNOWN_GROUP');
    expect(error.details.suggestion).toBe('@net-server');
  });

  it('invalid actions; kill-thread is refused with the reason', () => {
    expect(codeOf(() => new Filter({ defaultAction: 'explode' as never }))).toBe('ERR_SECCOMP_INVALID_ACTION');
    const error = errorOf(() => new Filter({ defaultAction: 'kill-thread' as never }));
    expect(error.code).toBe('ERR_SECCOMP_INVALID_ACTION');
    expect(error.message).toContain('hung');
  });

  it('conflicting rules', () => {
    const conflict = errorOf(() => new Filter().allow('socket').errno('socket', 'EPERM', arg(0).eq(constants.AF_PACKET)).exportBpf());
    expect(conflict.code).toBe('ERR_SECCOMP_RULE_CONFLICT');
    const overlap = errorOf(() => new Filter().allow('socket', arg(0).eq(2)).errno('socket', 'EPERM', arg(1).eq(3)).exportBpf());
    expect(overlap.code).toBe('ERR_SECCOMP_RULE_CONFLICT');
    // disjoint conditions with different actions are fine
    expect(codeOf(() => new Filter().allow('socket', arg(0).eq(2)).errno('socket', 'EPERM', arg(0).eq(17)).exportBpf())).toBeUndefined();
  });
});

describe('what the compiler hands to libseccomp', () => {
  // Checked by running the compiled program (the emulator agrees with the kernel, see
  // emulator-kernel.test.ts), not by reading libseccomp's text, which varies by version.
  const X86_64 = 0xc000003e;
  const ALLOW = 0x7fff0000;
  const nr = (name: string) => syscallNumber(name, 'x86_64')!;

  it('compares int arguments on their low 32 bits and 64-bit ones on all bits', () => {
    const program = new Filter().allow('close', arg(0).eq(-100)).allow('lseek', arg(1).eq(5)).exportBpf();
    const verdict = (name: string, ...args: bigint[]) => runFilter(program, { nr: nr(name), arch: X86_64, args });
    for (const upper of [0n, 0xffffffffn, 0xdeadbeefn]) expect(verdict('close', (upper << 32n) | 0xffffff9cn)).toBe(ALLOW);
    expect(verdict('close', 0xffffff9dn)).not.toBe(ALLOW);
    expect(verdict('lseek', 0n, 5n)).toBe(ALLOW);
    expect(verdict('lseek', 0n, (1n << 32n) | 5n)).not.toBe(ALLOW);
  });

  it('a 32-bit ne excludes exactly one value, whatever the upper half holds', () => {
    const program = new Filter().allow('kill', arg32(1).ne(31)).exportBpf();
    const allowed = (v: bigint) => runFilter(program, { nr: nr('kill'), arch: X86_64, args: [0n, v] }) === ALLOW;
    for (const upper of [0n, 0xffffffffn, 0x12345678n]) {
      expect(allowed((upper << 32n) | 31n)).toBe(false);
      for (const v of [0n, 30n, 32n, 64n, 0xffffffffn, 0x80000000n]) expect(allowed((upper << 32n) | v), String(v)).toBe(true);
    }
  });

  it('the Filter builder produces plain, JSON-serialisable policy data', () => {
    const f = new Filter().allow('read').allow('write', arg(0).eq(1)).errno('ptrace', 'EPERM')
      .allow('openat', arg(2).masked(constants.O_ACCMODE).eq(constants.O_RDONLY));
    const policy = JSON.parse(JSON.stringify(f)) as ReturnType<Filter['toPolicy']>;
    expect(policy.rules).toHaveLength(4);
    expect(policy.rules[3]).toEqual({ syscall: 'openat', action: 'allow', conditions: [{ arg: 2, op: 'masked-eq', mask: '3', value: '0' }] });
    expect(Filter.fromPolicy(policy).exportBpf().equals(f.exportBpf())).toBe(true);
  });

  it('BPF programs are refused above the kernel limit of 4096 instructions', () => {
    const f = new Filter();
    for (let v = 0; v < 5000; v++) f.allow('ioctl', arg(1).eq(v * 7 + 1)); // about one instruction each
    const error = errorOf(() => f.exportBpf());
    expect(error.code).toBe('ERR_SECCOMP_FILTER_TOO_LARGE');
  });

  it('the default profile compiles for every architecture it names', () => {
    for (const arch of ['x86_64', 'aarch64'] as const) {
      const program = new Filter().allow('@node').allow('@fs-read').allow('@fs-write').allow('@net-server')
        .allow('@dns').allow('@signal').exportBpf({ arch });
      expect(program.length / 8).toBeGreaterThan(100);
      expect(program.length / 8).toBeLessThan(4096);
    }
  });
});
