/**
 * One set of policy strings everywhere (src/policy-spec.ts): how a string is read, decided
 * by its text alone, and the same forms accepted by lockdown(), spawn/execFile,
 * runSandboxed() and `seccomp-node run --policy`, each checked with a real filter in a
 * child, both ways.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { SeccompError } from '../src/errors';
import { parsePolicy } from '../src/policy-file';
import { policySpecKind, readPolicySpec } from '../src/policy-spec';
import { profile } from '../src/children/presets';
import { execFile } from '../src/children/spawn';
import { runSandboxed } from '../src/testing';
import { PACKAGE_ROOT, runChild } from './helpers/child';

let dir = '';

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-policy-spec-'));
  // A file named like a preset, holding a policy unlike it.
  fs.writeFileSync(path.join(dir, 'compute'), 'read: 1\n');
  fs.writeFileSync(path.join(dir, 'data.txt'), 'forty-two\n');
});

function failure(run: () => unknown): SeccompError {
  try { run(); } catch (error) {
    expect(error).toBeInstanceOf(SeccompError);
    return error as SeccompError;
  }
  throw new Error('no error');
}

describe('reading a policy string', () => {
  it('decides the form by the text alone, in a documented order', () => {
    expect(policySpecKind('{"rules":[]}')).toBe('json');
    expect(policySpecKind('@node')).toBe('list');
    expect(policySpecKind('@node,@net-server')).toBe('list');
    expect(policySpecKind('read, write')).toBe('list');
    expect(policySpecKind('read write')).toBe('list');
    expect(policySpecKind('compute')).toBe('preset');
    expect(policySpecKind('file-reader')).toBe('preset');
    expect(policySpecKind('./compute')).toBe('file');
    expect(policySpecKind('compute.policy')).toBe('file');
    expect(policySpecKind('fetchr')).toBe('file');
    expect(policySpecKind('dir/a,b.policy')).toBe('file');
    expect(policySpecKind('/etc/app.policy')).toBe('file');
  });

  it('a list is a policy file with one entry a line, Landlock needs of its groups included', () => {
    const source = readPolicySpec('@node, @dns,fsync');
    expect(source.kind).toBe('list');
    expect(source.policy).toEqual(parsePolicy('@node\n@dns\nfsync: 1\n'));
    expect(source.policy.landlock?.needs?.fs?.read).toContain('?/etc/resolv.conf');
  });

  it('a preset is profile(name); a file named like one is reached with a slash', () => {
    expect(readPolicySpec('compute', { cwd: dir }).policy).toEqual(profile('compute'));
    expect(readPolicySpec('./compute', { cwd: dir }).policy).toEqual(parsePolicy('read: 1\n'));
    expect(readPolicySpec(path.join(dir, 'compute')).kind).toBe('policy-file');
  });

  it('a misspelt preset is a missing file that names the preset it may mean', () => {
    const error = failure(() => readPolicySpec('fetchr', { cwd: dir }));
    expect(error.code).toBe('ERR_SECCOMP_POLICY_FILE');
    expect(error.details).toMatchObject({ errno: 'ENOENT', suggestion: 'fetcher' });
    expect(error.message).toContain('did you mean the preset "fetcher"?');
  });

  it('a list entry that is no name says how to name a file instead; unknown names are located in the list', () => {
    const entry = failure(() => readPolicySpec('a,b.policy'));
    expect(entry.code).toBe('ERR_SECCOMP_POLICY_SYNTAX');
    expect(entry.message).toContain('"b.policy"');
    expect(entry.message).toContain('./my,policy.policy');
    const group = failure(() => readPolicySpec('@node,@net-clinet'));
    expect(group.code).toBe('ERR_SECCOMP_POLICY_SYNTAX');
    expect(group.message).toMatch(/^<list>:2:1: .*did you mean "@net-client"/);
  });

  it('JSON: policy data or an OCI profile; an empty string is refused', () => {
    expect(readPolicySpec('{"rules":[{"syscall":"read","action":"allow"}]}').policy)
      .toEqual({ defaultAction: 'kill-process', rules: [{ syscall: 'read', action: 'allow' }] });
    expect(readPolicySpec('{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}').kind).toBe('oci-profile');
    expect(failure(() => readPolicySpec('  ')).code).toBe('ERR_SECCOMP_INVALID_OPTION');
  });
});

describe('every place that takes a policy string takes these forms', () => {
  it('lockdown({ policy: "@node,@fs-read" }) is a list, not a file path: reads work, a socket is killed', async () => {
    const r = await runChild(`
      seccomp.sandbox.lockdown({ policy: '@node,@fs-read' });
      report(require('fs').readFileSync(${JSON.stringify(path.join(dir, 'data.txt'))}, 'utf8').trim());
      require('net').createServer().listen(0);`);
    expect(r.reports).toEqual(['forty-two']);
    expect(r.signal).toBe('SIGSYS');
    expect(r.violation?.syscall).toBe('socket');
  });

  it('lockdown({ policy: "file-reader" }) is the preset', async () => {
    const r = await runChild(`
      const { record } = seccomp.sandbox.lockdown({ policy: 'file-reader' });
      report(record.instructions > 0);
      report(require('fs').readdirSync(${JSON.stringify(dir)}).includes('data.txt'));
      require('fs').writeFileSync(${JSON.stringify(path.join(dir, 'written.txt'))}, 'no');`);
    expect(r.reports).toEqual([true, true]);
    expect(r.signal).toBe('SIGSYS');
    expect(fs.existsSync(path.join(dir, 'written.txt'))).toBe(false);
  });

  it('execFile(..., { policy: "@node,@fs-read" }): cat reads under the list; touch is killed', async () => {
    const run = promisify(execFile);
    const { stdout } = await run('cat', [path.join(dir, 'data.txt')], { policy: '@node,@fs-read' });
    expect(stdout.trim()).toBe('forty-two');
    await expect(run('touch', [path.join(dir, 'touched')], { policy: '@node,@fs-read' })).rejects.toMatchObject({ signal: 'SIGSYS' });
    expect(fs.existsSync(path.join(dir, 'touched'))).toBe(false);
  });

  it('runSandboxed(fn, { policy: "@node,@fs-read" }): the function runs; a socket is blocked', async () => {
    const ok = await runSandboxed(() => 6 * 7, { policy: '@node,@fs-read' });
    expect(ok.value).toBe(42);
    const blocked = await runSandboxed(() => require('node:net').createServer().listen(0), { policy: '@node,@fs-read' });
    expect(blocked.blocked).toBe(true);
    expect(blocked.syscall).toBe('socket');
  });

  it('seccomp-node run --policy takes a preset and a list', () => {
    const bin = path.join(PACKAGE_ROOT, 'bin', 'seccomp-node.js');
    const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', input: '' });
    const cat = cli('run', '--policy', '@node,@exec-start,@fs-read', '--', 'cat', path.join(dir, 'data.txt'));
    expect(cat.status, cat.stderr).toBe(0);
    expect(cat.stdout.trim()).toBe('forty-two');
    const listen = cli('run', '--policy', 'compute', '--', process.execPath, '-e', 'require("net").createServer().listen(0)');
    expect(listen.signal).toBe('SIGSYS');
  });
});
