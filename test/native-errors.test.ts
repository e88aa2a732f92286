/**
 * What libseccomp refuses reaches the user as a SeccompError with a documented code, naming
 * the policy rule and the file and line it was written at, through every path that builds a
 * program: the command line (compile, dump), Filter#exportBpf/exportPfc and lockdown(). A
 * fake libseccomp.so.2 (test/fixtures/fake-libseccomp.c) plays a library that refuses a rule
 * or cannot build at all; every case runs in a child that loads it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describe as describeChild, PACKAGE_ROOT, runChild } from './helpers/child';
import { buildFakeLibseccomp } from './helpers/fake-libseccomp';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'seccomp-node.js');
const libs = { refusesRead: '', cannotBuild: '', missing: '' };
let dir = '';
let policy = '';

beforeAll(() => {
  // A 2.5.4 that refuses every rule for syscall 0 (read, on x86_64) with EINVAL.
  libs.refusesRead = buildFakeLibseccomp(['FAKE_MINOR=5', 'FAKE_MICRO=4', 'REFUSE_NR=0']);
  // A 2.5.4 whose seccomp_init fails: the addon's own coded refusal.
  libs.cannotBuild = buildFakeLibseccomp(['FAKE_MINOR=5', 'FAKE_MICRO=4']);
  libs.missing = buildFakeLibseccomp(['EMPTY']);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-native-errors-'));
  policy = path.join(dir, 'app.policy');
  fs.writeFileSync(policy, '# line 1\nwrite: 1\nread: arg0 == 3\n');
});

function cli(lib: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', input: '', env: { ...process.env, LD_LIBRARY_PATH: lib } });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

const TRY = `
  const attempt = (what, f) => { try { f(); report({ what, ok: true }); } catch (e) {
    report({ what, seccompError: e instanceof seccomp.SeccompError, code: e.code, message: e.message, details: e.details }); } };`;

describe('libseccomp refuses a rule', () => {
  it('compile and dump name the policy rule at its file and line, with ERR_SECCOMP_NATIVE, exit status 1', () => {
    for (const command of ['compile', 'dump']) {
      const r = cli(libs.refusesRead, command, '--pid', '1', 'app.policy');
      expect(r.status, r.err).toBe(1);
      expect(r.err).toContain('app.policy:3:1: libseccomp refused rules[1] (read: allow if arg0 == 3, app.policy:3) (EINVAL)');
      expect(r.err).toContain('[ERR_SECCOMP_NATIVE]');
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });

  it('Filter#exportBpf, exportPfc and lockdown() throw a located SeccompError, and nothing is loaded', async () => {
    const r = await runChild(`${TRY}
      const filter = seccomp.Filter.fromFile(${JSON.stringify(policy)});
      attempt('exportBpf', () => filter.exportBpf());
      attempt('exportPfc', () => filter.exportPfc());
      attempt('lockdown', () => seccomp.sandbox.lockdown({ policy: ${JSON.stringify(policy)} }));
      report(seccomp.sandbox.status().locked);`, { env: { LD_LIBRARY_PATH: libs.refusesRead } });
    expect(r.code, describeChild(r)).toBe(0);
    const [bpf, pfc, lockdown, locked] = r.reports as Record<string, unknown>[];
    for (const result of [bpf, pfc, lockdown]) {
      expect(result, JSON.stringify(result)).toMatchObject({
        seccompError: true, code: 'ERR_SECCOMP_NATIVE', details: { file: policy, line: 3, column: 1, errno: 'EINVAL' },
      });
      expect(result.message).toContain('(read: allow if arg0 == 3, ');
    }
    expect(locked).toBe(false);
  });
});

describe('libseccomp cannot build at all, or is missing', () => {
  it('a coded refusal from the addon itself is a SeccompError too, not a plain Error', async () => {
    const r = await runChild(`${TRY}
      attempt('exportBpf', () => new seccomp.Filter().allow('read').exportBpf());`, { env: { LD_LIBRARY_PATH: libs.cannotBuild } });
    expect(r.code, describeChild(r)).toBe(0);
    expect(r.reports[0]).toMatchObject({ seccompError: true, code: 'ERR_SECCOMP_NATIVE' });
    expect((r.reports[0] as { message: string }).message).toContain('libseccomp could not build the filter: seccomp_init failed');
  });

  it('checking a policy without libseccomp is ERR_SECCOMP_UNSUPPORTED, not an uncoded error', async () => {
    const r = await runChild(`${TRY}
      attempt('native', () => seccomp.checkPolicyFile(${JSON.stringify(policy)}));
      attempt('x86_64', () => seccomp.checkPolicyFile(${JSON.stringify(policy)}, { arch: 'x86_64' }));`, { env: { LD_LIBRARY_PATH: libs.missing } });
    expect(r.code, describeChild(r)).toBe(0);
    const [native, named] = r.reports as { message: string }[];
    expect(native).toMatchObject({ seccompError: true, code: 'ERR_SECCOMP_UNSUPPORTED' });
    expect(native.message).toContain('the native architecture is unknown without libseccomp: libseccomp.so.2 lacks');
    expect(named).toMatchObject({ seccompError: true, code: 'ERR_SECCOMP_UNSUPPORTED' });
    expect(named.message).toContain('compiling a filter needs libseccomp');
  });
});

describe('the compiler\'s own errors name the file and line too, on every path', () => {
  it('a conflict in a policy file, through Filter.fromFile and exportBpf', async () => {
    const { Filter } = await import('../src/filter');
    const file = path.join(dir, 'conflict.policy');
    fs.writeFileSync(file, '@node\nread: 1\nsocket: 1\nsocket: arg0 == 2 => errno EPERM\n');
    let caught: { code?: string; message?: string; details?: Record<string, unknown> } = {};
    try { Filter.fromFile(file).exportBpf({ pid: 1 }); } catch (e) { caught = e as typeof caught; }
    expect(caught.code).toBe('ERR_SECCOMP_RULE_CONFLICT');
    expect(caught.details).toMatchObject({ file, line: 3, column: 1 });
    // both rules named, each with its line
    expect(caught.message).toMatch(new RegExp(`^${file}:3:1: .*conflict\\.policy:3\\).*conflict\\.policy:4\\)`));
  });
});
