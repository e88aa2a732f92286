/**
 * The public API without loading any filter: exports, validation and error codes,
 * and what the compiler hands to libseccomp. Nothing here changes the test process.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index';
import { arg, arg32, arg64, constants, Filter, SeccompError, SELF_PID, sandbox } from '../src/index';
import { decodeAction, runFilter } from '../src/bpf/emulator';
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

describe('$pid: the pid of the process that loads the filter', () => {
  const nr = (name: string) => syscallNumber(name, 'x86_64')!;
  const verdict = (program: Buffer, name: string, ...args: bigint[]) =>
    decodeAction(runFilter(program, { nr: nr(name), arch: constants.AUDIT_ARCH_X86_64, args })).action;

  it('is written arg(n).eq(SELF_PID) and stays a symbol in the policy data', () => {
    expect(arg(0).eq(SELF_PID)).toEqual({ arg: 0, op: 'eq', value: '$pid' });
    expect(arg32(0).ne(SELF_PID)).toEqual({ arg: 0, op: 'ne', value: '$pid', width: 32 });
    expect(new Filter().allow('@node').toPolicy().rules).toContainEqual({ syscall: 'tgkill', action: 'allow', conditions: [{ arg: 0, op: 'eq', value: '$pid' }] });
    expect(Filter.fromPolicy({ defaultAction: 'kill-process', rules: [{ syscall: 'tkill', action: 'allow', conditions: [{ arg: 0, op: 'ne', value: '$pid' }] }] }).toPolicy().rules[0].conditions)
      .toEqual([{ arg: 0, op: 'ne', value: '$pid' }]);
    expect(codeOf(() => Filter.fromPolicy({ defaultAction: 'kill-process', rules: [{ syscall: 'tkill', action: 'allow', conditions: [{ arg: 0, op: 'lt', value: '$pid' }] }] })))
      .toBe('ERR_SECCOMP_INVALID_CONDITION');
  });

  it('an export names the process that will load the program; without one it is refused', () => {
    const f = new Filter().allow('@node');
    const error = errorOf(() => f.exportBpf());
    expect(error.code).toBe('ERR_SECCOMP_UNBOUND_PID');
    expect(error.message).toMatch(/tgkill.*\$pid.*exportBpf\(\{ pid \}\)/);
    expect(codeOf(() => f.exportPfc())).toBe('ERR_SECCOMP_UNBOUND_PID');
    expect(codeOf(() => f.exportBpf({ pid: 0 }))).toBe('ERR_SECCOMP_INVALID_OPTION');
    expect(codeOf(() => f.exportBpf({ pid: 1.5 }))).toBe('ERR_SECCOMP_INVALID_OPTION');
    const program = f.exportBpf({ pid: 4242 });
    // its own threads (compared on the int's low 32 bits), no other process
    expect(verdict(program, 'tgkill', 4242n, 4243n, 10n)).toBe('allow');
    expect(verdict(program, 'tgkill', (0xdeadn << 32n) | 4242n, 4242n, 10n)).toBe('allow');
    expect(verdict(program, 'tgkill', 4241n, 4241n, 10n)).toBe('kill-process');
    expect(verdict(program, 'tkill', 4242n, 10n)).toBe('allow');
    expect(verdict(program, 'tkill', 4243n, 10n)).toBe('kill-process');
    expect(verdict(program, 'rt_tgsigqueueinfo', 4242n, 4250n, 10n, 0x1000n)).toBe('allow');
    expect(verdict(program, 'rt_tgsigqueueinfo', 1n, 1n, 10n, 0x1000n)).toBe('kill-process');
    // and no descriptor can be set to signal another process
    expect(verdict(program, 'fcntl', 3n, BigInt(constants.F_SETOWN), 1n)).toBe('errno');
    expect(verdict(program, 'fcntl', 3n, BigInt(constants.F_SETOWN_EX), 0x1000n)).toBe('errno');
    expect(verdict(program, 'fcntl', 3n, BigInt(constants.F_SETFL), 0n)).toBe('allow');
    // policies without $pid export as before
    expect(codeOf(() => new Filter().allow('read').exportBpf())).toBeUndefined();
  });
});

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
    // Which addon loaded, in node-gyp-build's order (src/addon-path.ts): the directory SECCOMP_NODE_PREBUILD
    // names (npm run test:asan: the sanitized build); with PREBUILDS_ONLY (npm run
    // test:prebuild) the prebuild; otherwise the local build when there is one, else the prebuild.
    const release = path.join(PACKAGE_ROOT, 'build', 'Release', 'seccomp_node.node');
    const prebuilds = path.join(PACKAGE_ROOT, 'prebuilds', `linux-${process.arch}`);
    const chosen = process.env.SECCOMP_NODE_PREBUILD;
    if (chosen) expect(status.addon).toBe(path.join(chosen, 'build', 'Release', 'seccomp_node.node'));
    else if (process.env.PREBUILDS_ONLY || !fs.existsSync(release)) expect(path.dirname(status.addon!)).toBe(prebuilds);
    else expect(status.addon).toBe(release);
  });

  it('the shipped addon offers no raw system call, and the package ships no test addon', () => {
    // Any JS can require() the addon by its path (status().addon); what it exports is what
    // an attacker with only JavaScript gets. A raw-syscall primitive must not be among it.
    // The supervisor's functions act only on a channel they create (launcherChannel) or are
    // handed, and on the listeners a launcher sends over it; exitBySignal ends this process;
    // onMainThread only tells which thread calls.
    const addon = require(sandbox.status().addon!) as Record<string, unknown>;
    expect(Object.keys(addon).sort()).toEqual([
      'allowTracer', 'applyLandlock', 'beginPrimeRuntime', 'buildFilter', 'constants', 'errnos', 'execPrepared', 'exitBySignal', 'landlockAbi',
      'launcherChannel', 'libraryInfo', 'loadProgram', 'notifySupport', 'onMainThread', 'prepareExec', 'primeLibc', 'primeRuntime',
      'releaseSupervision', 'resolveSyscall', 'supervise', 'supervisionEvents', 'supervisionListener', 'supervisionRecords', 'syscallNames',
    ]);
    const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'],
      { cwd: PACKAGE_ROOT, encoding: 'utf8' })) as { files: { path: string }[] }[];
    const files = packed[0].files.map((f) => f.path);
    expect(files).toContain('native/filter.cc');
    // the launcher's sources (the installed package builds it with the addon)
    expect(files).toEqual(expect.arrayContaining(['native/launcher.c', 'native/landlock_ruleset.c', 'native/launcher_protocol.h']));
    expect(files.filter((f) => f.startsWith('test/') || f.includes('probes'))).toEqual([]);
  });

  it('the addon needs nothing newer than glibc 2.28 (what Node 22+ itself needs)', () => {
    const symbols = execFileSync('objdump', ['-T', sandbox.status().addon!], { encoding: 'utf8' });
    const versions = [...symbols.matchAll(/GLIBC_(\d+)\.(\d+)/g)].map((m) => Number(m[1]) * 1000 + Number(m[2]));
    expect(versions.length).toBeGreaterThan(0);
    expect(Math.max(...versions)).toBeLessThanOrEqual(2028);
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

  it('constants and errnos cannot be changed: they are the tables the package itself reads', () => {
    for (const table of [constants, api.errnos]) {
      expect(Object.isFrozen(table)).toBe(true);
      expect(() => { (table as Record<string, number>).AF_INET = 99; }).toThrow(TypeError);
    }
    expect(constants.AF_INET).toBe(2);
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
    expect(codeOf(() => new Filter().errno('ptrace', 4096).exportBpf())).toBe('ERR_SECCOMP_UNKNOWN_ERRNO');
    expect(codeOf(() => new Filter().errno('ptrace', -1).exportBpf())).toBe('ERR_SECCOMP_UNKNOWN_ERRNO');
  });

  it('errno 0: the call is skipped and returns 0 (SECCOMP_RET_ERRNO with data 0)', () => {
    const program = new Filter({ defaultAction: 'allow' }).errno('ptrace', 0).exportBpf();
    expect(decodeAction(runFilter(program, { nr: syscallNumber('ptrace', 'x86_64')!, arch: constants.AUDIT_ARCH_X86_64, args: [] }))).toEqual({ action: 'errno', data: 0 });
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
        .allow('@dns').allow('@signal').exportBpf({ arch, pid: 4242 });
      expect(program.length / 8).toBeGreaterThan(100);
      expect(program.length / 8).toBeLessThan(4096);
    }
  });
});
