/**
 * runSandboxed(), its node:test assertions and its vitest matchers, on real filters in
 * child processes, both ways: what the policy allows runs and returns, what it forbids is
 * stopped and named.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AssertionError } from 'node:assert';
import { beforeAll, describe, expect, it } from 'vitest';
import '../../src/testing/vitest.mts';
import {
  assertBlockedBySeccomp, assertExitedCleanly, assertFailedWithErrno, assertReturned, describeResult, parseViolation, runSandboxed,
} from '../../src/testing';
import { PROBES_ADDON } from '../helpers/probes';
import { Filter } from '../../src/filter';
import { reportLine } from '../helpers/report-line';

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
/**
 * For children expected to live: @node plus read-only opens. glibc's malloc reads
 * /proc/sys/vm/overcommit_memory once, lazily, from the first thread that shrinks its arena,
 * which can happen after lockdown (most often while threads wind down at exit); under @node
 * alone that rare open is a violation.
 */
const RUNTIME = ['@node', '@fs-read'];
let dir = '';

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-testing-'));
  fs.writeFileSync(path.join(dir, 'data.txt'), 'forty-two\n');
  fs.writeFileSync(path.join(dir, 'reader.js'),
    'exports.read = (file) => require("fs").readFileSync(file, "utf8").trim();\n' +
    'exports.add = async (a, b) => a + b;\n');
  fs.writeFileSync(path.join(dir, 'reader.mjs'), 'import fs from "node:fs";\nexport default (file) => fs.readFileSync(file, "utf8").trim();\n');
});

describe('functions', () => {
  it('a read that the policy forbids is blocked, and the report line names it', async () => {
    const r = await runSandboxed(() => require('fs').readFileSync('/etc/passwd'), { allow: ['@node'] });
    expect(r.outcome).toBe('blocked');
    expect(r.signal).toBe('SIGSYS');
    expect(r.blocked).toBe(true);
    expect(r.syscall).toBe('openat');
    expect(r.arch).toBe('x86_64');
    expect(r.mainThread).toBe(true);
    expect(r.syscallSource).toBe('report');
    expect(r.value).toBeUndefined();
    // the package's parser (public API) and the test's own pattern read the same line
    expect(parseViolation(r.stderr)?.syscall).toBe('openat');
    expect(reportLine(r.stderr)).toMatchObject({ syscall: 'openat', arch: 'x86_64', main: true });
  });

  it('the same read with @fs-read runs, and its value comes back', async () => {
    const r = await runSandboxed((file: string) => require('fs').readFileSync(file, 'utf8'),
      { allow: ['@node', '@fs-read'], args: [path.join(dir, 'data.txt')] });
    expect(r.outcome).toBe('returned');
    expect(r.code).toBe(0);
    expect(r.signal).toBeNull();
    expect(r.value).toBe('forty-two\n');
    expect(r.syscall).toBeUndefined();
  });

  it('arguments and values are structured clones; async functions are awaited', async () => {
    const r = await runSandboxed(async (m: Map<string, bigint>) => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      return { total: [...m.values()].reduce((a, b) => a + b, 0n), when: new Date(0), set: new Set([1, 2]) };
    }, { allow: RUNTIME, args: [new Map([['a', 1n], ['b', 2n]])] });
    expect(r.outcome).toBe('returned');
    expect(r.value).toEqual({ total: 3n, when: new Date(0), set: new Set([1, 2]) });
  });

  it('what the function throws comes back as `error`, with its code', async () => {
    const r = await runSandboxed(() => { const e = new Error('nope') as NodeJS.ErrnoException; e.code = 'E_NOPE'; throw e; }, { allow: RUNTIME });
    expect(r.outcome).toBe('threw');
    expect(r.code).toBe(1);
    expect(r.error).toMatchObject({ name: 'Error', message: 'nope', code: 'E_NOPE' });
  });

  it('the function has no closure: outer variables are a ReferenceError in the child (pass them as args)', async () => {
    const outer = 5;
    const r = await runSandboxed(() => outer + 1, { allow: RUNTIME });
    expect(r.outcome).toBe('threw');
    expect(r.error?.name).toBe('ReferenceError');
  });

  it('a call blocked on a thread-pool thread is reported from that thread', async () => {
    const r = await runSandboxed(() => require('fs').promises.readFile('/etc/hostname'), { allow: ['@node'] });
    expect(r.outcome).toBe('blocked');
    expect(r.syscall).toBe('openat');
    expect(r.mainThread).toBe(false);
    expect(r.thread).toBeGreaterThan(0);
  });

  it('names the groups that would allow the blocked call, in the result and its description', async () => {
    const fsync = await runSandboxed(() => require('fs').fsyncSync(1), { allow: ['@node'] });
    expect(fsync).toMatchObject({ outcome: 'blocked', syscall: 'fsync', groups: ['@fs-write'] });
    expect(describeResult(fsync)).toContain('\n@fs-write would allow it');
    const mount = await runSandboxed({ command: process.execPath, args: ['-e', `require(${JSON.stringify(PROBES_ADDON)}).rawSyscall('native', 165, 0, 0, 0, 0, 0)`] },
      { allow: ['@node', '@exec-start'] });
    expect(mount).toMatchObject({ outcome: 'blocked', syscall: 'mount', groups: [] });
    expect(describeResult(mount)).toContain('\nno built-in group allows it');
  });

  it('with report off, it still dies by SIGSYS but the call is not named', async () => {
    const r = await runSandboxed(() => require('fs').readFileSync('/etc/passwd'), { allow: ['@node'], report: false });
    expect(r.outcome).toBe('blocked');
    expect(r.syscall).toBeUndefined();
  });

  it('without a policy option, the default daemon profile applies: files yes, exec no', async () => {
    const ok = await runSandboxed((file: string) => require('fs').readFileSync(file, 'utf8').length, { args: [path.join(dir, 'data.txt')] });
    expect(ok.value).toBe(10);
    const exec = await runSandboxed(() => require('child_process').execFileSync('/bin/true'));
    expect(exec.outcome).toBe('blocked');
    expect(['clone', 'clone3', 'fork', 'vfork', 'execve']).toContain(exec.syscall);
  });

  it('takes a Filter, a policy object, a policy file, and defaultAction', async () => {
    const filter = new Filter().allow('@node').errno('openat', 'EACCES');
    const r1 = await runSandboxed(() => require('fs').readFileSync('/etc/hostname'), { policy: filter });
    expect(r1.outcome).toBe('threw');
    expect(r1.error?.code).toBe('EACCES');
    const file = path.join(dir, 'app.policy');
    fs.writeFileSync(file, '@node\nopenat: return ENOENT\n');
    const r2 = await runSandboxed(() => require('fs').readFileSync('/etc/hostname'), { policy: file });
    expect(r2.error?.code).toBe('ENOENT');
    const r3 = await runSandboxed(() => require('fs').readFileSync('/etc/hostname', 'utf8').length > 0,
      { policy: { defaultAction: 'kill-process', rules: filter.toPolicy().rules }, defaultAction: { errno: 'EPERM' } });
    expect(r3.error?.code).toBe('EACCES');
    const r4 = await runSandboxed(() => require('fs').mkdirSync('/tmp/never'), { allow: ['@node'], defaultAction: { errno: 'EROFS' } });
    expect(r4.error?.code).toBe('EROFS');
  });

  it('a function that never settles is killed after the timeout', async () => {
    // "Timed out" is a clock's verdict. The child reaches the function within a second even on
    // two loaded cores; 5 s leave a margin a busy machine does not use up, and what the
    // function printed shows it was running (not still starting) when it was killed.
    const r = await runSandboxed(() => { process.stdout.write('waiting for ever\n'); return new Promise(() => setInterval(() => {}, 1000)); },
      { allow: RUNTIME, timeoutMs: 5000 });
    expect(r.stdout).toBe('waiting for ever\n');
    expect(r.outcome).toBe('timed-out');
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGKILL');
  });

  it('stdout, stderr, stdin and env reach the child', async () => {
    const r = await runSandboxed(() => {
      process.stdout.write(`out ${process.env.SANDBOX_TEST}\n`);
      process.stderr.write('err\n');
      return require('fs').readFileSync(0, 'utf8');
    }, { allow: RUNTIME, env: { SANDBOX_TEST: 'yes' }, input: 'from stdin' });
    expect(r.stdout).toBe('out yes\n');
    expect(r.stderr).toBe('err\n');
    expect(r.value).toBe('from stdin');
  });

  it('wrong requests reject in the caller, before any child', async () => {
    await expect(runSandboxed(() => 1, { allow: ['@node', 'opnat'] })).rejects.toMatchObject({ code: 'ERR_SECCOMP_UNKNOWN_SYSCALL' });
    await expect(runSandboxed(() => 1, { nope: true } as never)).rejects.toMatchObject({ code: 'ERR_SECCOMP_INVALID_OPTION' });
    await expect(runSandboxed(() => 1, { allow: ['@node'], policy: { defaultAction: 'allow', rules: [] } })).rejects.toMatchObject({ code: 'ERR_SECCOMP_INVALID_OPTION' });
    await expect(runSandboxed(Math.max as never)).rejects.toMatchObject({ code: 'ERR_SECCOMP_INVALID_OPTION' });
    await expect(runSandboxed({ module: path.join(dir, 'missing.js') })).rejects.toMatchObject({ code: 'ERR_SECCOMP_INVALID_OPTION' });
    await expect(runSandboxed({ command: '/no/such/program' })).rejects.toMatchObject({ code: 'ERR_SECCOMP_EXEC_FAILED' });
  });
});

describe('modules', () => {
  it('loads the module before the filter, then calls the export under it (CommonJS and ESM)', async () => {
    const file = path.join(dir, 'data.txt');
    const blocked = await runSandboxed({ module: path.join(dir, 'reader.js'), export: 'read' }, { allow: ['@node'], args: [file] });
    expect(blocked.outcome).toBe('blocked');
    expect(blocked.syscall).toBe('openat');
    const read = await runSandboxed({ module: path.join(dir, 'reader.js'), export: 'read' }, { allow: ['@node', '@fs-read'], args: [file] });
    expect(read.value).toBe('forty-two');
    const add = await runSandboxed({ module: 'reader.js', export: 'add' }, { allow: RUNTIME, args: [2, 3], cwd: dir });
    expect(add.value).toBe(5);
    const esm = await runSandboxed({ module: path.join(dir, 'reader.mjs') }, { allow: ['@node', '@fs-read'], args: [file] });
    expect(esm.value).toBe('forty-two');
  });
});

describe('commands', () => {
  it('runs a program under the policy from its first instruction', async ({ annotate }) => {
    const file = path.join(dir, 'data.txt');
    const cat = await runSandboxed({ command: 'cat', args: [file] }, { allow: ['@exec-start', '@node', '@fs-read'] });
    expect(cat.outcome).toBe('exited');
    expect(cat.code).toBe(0);
    expect(cat.stdout).toBe('forty-two\n');
    const touch = await runSandboxed({ command: 'touch', args: [path.join(dir, 'new-file')] }, { allow: ['@exec-start', '@node', '@fs-read'] });
    expect(touch.outcome).toBe('blocked');
    expect(fs.existsSync(path.join(dir, 'new-file'))).toBe(false);
    // The report line is lost at exec; the supervisor names the call from its notification,
    // whatever this process may read of the kernel log.
    expect(touch.pid).toBeGreaterThan(0);
    // touch creates the missing file with openat(O_CREAT); the policy allows read-only opens
    expect(touch).toMatchObject({ syscall: 'openat', nr: 257, arch: 'x86_64', syscallSource: 'notification', groups: ['@fs-write'], mainThread: true });
    const flags = BigInt(touch.args![2]);
    expect(flags & BigInt(fs.constants.O_CREAT)).not.toBe(0n);
    await annotate(`named from the notification: openat(${touch.args!.slice(0, 3).join(', ')})`);
  });

  it('without allow or policy, commands get the daemon profile plus @exec-start', async () => {
    const node = await runSandboxed({ command: process.execPath, args: ['-e', 'console.log(6 * 7)'] });
    expect(node.code).toBe(0);
    expect(node.stdout.trim()).toBe('42');
    const sh = await runSandboxed({ command: '/bin/sh', args: ['-c', '/bin/true'] });
    expect(sh.outcome).toBe('blocked');
  });
});

describe('assertions for node:test (plain assert)', () => {
  it('pass and throw AssertionError both ways, with how the child ended in the message', async () => {
    const blocked = await runSandboxed(() => require('fs').readFileSync('/etc/passwd'), { allow: ['@node'] });
    const returned = await runSandboxed(() => 7, { allow: RUNTIME });
    const failed = await runSandboxed(() => require('fs').readFileSync('/etc/passwd'), { allow: ['@node', '@fs-read'], fail: { openat: 'EIO' } });

    assertBlockedBySeccomp(blocked);
    assertBlockedBySeccomp(blocked, 'openat');
    expect(() => assertBlockedBySeccomp(blocked, 'connect')).toThrow(AssertionError);
    expect(() => assertBlockedBySeccomp(returned)).toThrow(/expected the sandboxed child to be blocked by seccomp\n.*exited with status 0/);

    assertExitedCleanly(returned);
    expect(() => assertExitedCleanly(blocked)).toThrow(/died by SIGSYS[\s\S]*blocked system call: openat/);

    assertReturned(returned);
    assertReturned(returned, 7);
    expect(() => assertReturned(returned, 8)).toThrow(AssertionError);

    assertFailedWithErrno(failed, 'EIO');
    expect(() => assertFailedWithErrno(failed, 'ENOENT')).toThrow(/to fail with ENOENT[\s\S]*EIO/);
    expect(() => assertFailedWithErrno(returned, 'EIO')).toThrow(AssertionError);
  });

  it('work under `node --test`: a passing and a failing test file', () => {
    const testing = JSON.stringify(path.join(PACKAGE_ROOT, 'lib', 'testing'));
    const good = path.join(dir, 'good.test.js');
    fs.writeFileSync(good, `
      const test = require('node:test');
      const assert = require('node:assert');
      const { runSandboxed, assertBlockedBySeccomp, assertExitedCleanly } = require(${testing});
      test('blocked', async () => {
        const r = await runSandboxed(() => require('fs').readFileSync('/etc/passwd'), { allow: ['@node'] });
        assert.equal(r.signal, 'SIGSYS');
        assert.equal(r.syscall, 'openat');
        assertBlockedBySeccomp(r, 'openat');
      });
      test('allowed', async () => {
        assertExitedCleanly(await runSandboxed(() => require('fs').readFileSync('/etc/passwd'), { allow: ['@node', '@fs-read'] }));
      });`);
    const bad = path.join(dir, 'bad.test.js');
    fs.writeFileSync(bad, `
      const test = require('node:test');
      const { runSandboxed, assertBlockedBySeccomp } = require(${testing});
      test('expects a block that does not happen', async () => {
        assertBlockedBySeccomp(await runSandboxed(() => 1, { allow: ['@node', '@fs-read'] }), 'openat');
      });`);
    const passing = spawnSync(process.execPath, ['--test', '--test-reporter=tap', good], { encoding: 'utf8' });
    expect(passing.status, passing.stdout + passing.stderr).toBe(0);
    expect(passing.stdout).toMatch(/# pass 2/);
    const failing = spawnSync(process.execPath, ['--test', '--test-reporter=tap', bad], { encoding: 'utf8' });
    expect(failing.status).not.toBe(0);
    expect(failing.stdout).toMatch(/expected the sandboxed child to be blocked by seccomp on openat/);
  });
});

describe('vitest matchers', () => {
  it('take a result or its promise, and work with .not', async () => {
    const forbidden = () => require('fs').readFileSync('/etc/passwd');
    await expect(runSandboxed(forbidden, { allow: ['@node'] })).toBeBlockedBySeccomp('openat');
    await expect(runSandboxed(forbidden, { allow: ['@node'] })).toBeBlockedBySeccomp();
    await expect(runSandboxed(forbidden, { allow: ['@node'] })).not.toBeBlockedBySeccomp('connect');
    await expect(runSandboxed(forbidden, { allow: ['@node', '@fs-read'] })).not.toBeBlockedBySeccomp();
    const ok = await runSandboxed((a: number, b: number) => a * b, { allow: RUNTIME, args: [6, 7] });
    await expect(ok).toExitCleanly();
    await expect(ok).toReturnInSandbox(42);
    await expect(ok).toReturnInSandbox();
    await expect(ok).not.toReturnInSandbox(41);
    await expect(runSandboxed(forbidden, { allow: ['@node'] })).not.toExitCleanly();
    await expect(runSandboxed(forbidden, { fail: { openat: 'EIO' } })).toFailWithErrno('EIO');
    await expect(runSandboxed(forbidden, { fail: { openat: 'EIO' } })).not.toFailWithErrno('ENOENT');
  });

  it('register from a setup file (test.setupFiles), and fail a test that expects the wrong thing', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-vitest-'));
    const testing = JSON.stringify(path.join(PACKAGE_ROOT, 'lib', 'testing', 'index.js'));
    fs.writeFileSync(path.join(root, 'vitest.config.mjs'),
      `export default { test: { include: ['*.test.mjs'], setupFiles: [${JSON.stringify(path.join(PACKAGE_ROOT, 'lib', 'testing', 'vitest.mjs'))}] } };\n`);
    fs.writeFileSync(path.join(root, 'a.test.mjs'), `
      import { expect, it } from 'vitest';
      import { runSandboxed } from ${testing};
      const read = () => require('fs').readFileSync('/etc/passwd');
      it('blocked', async () => { await expect(runSandboxed(read, { allow: ['@node'] })).toBeBlockedBySeccomp('openat'); });
      it('wrongly expected', async () => { await expect(runSandboxed(read, { allow: ['@node', '@fs-read'] })).toBeBlockedBySeccomp(); });`);
    const r = spawnSync(process.execPath, [path.join(PACKAGE_ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', root],
      { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    const output = r.stdout + r.stderr;
    expect(r.status, output).toBe(1);
    expect(output).toMatch(/1 failed \| 1 passed/);
    expect(output).toContain('expected the sandboxed child to be blocked by seccomp');
  });

  it('fail with a message that says how the child ended', async () => {
    const ok = await runSandboxed(() => 1, { allow: RUNTIME });
    await expect(expect(ok).toBeBlockedBySeccomp('openat')).rejects.toThrow(/blocked by seccomp on openat[\s\S]*exited with status 0/);
    const blocked = await runSandboxed(() => require('fs').readFileSync('/etc/passwd'), { allow: ['@node'] });
    await expect(expect(blocked).toExitCleanly()).rejects.toThrow(/died by SIGSYS[\s\S]*seccomp-node: blocked system call openat/);
    await expect(expect({ not: 'a result' }).toExitCleanly()).rejects.toThrow(/expects the result of runSandboxed/);
  });
});
