/**
 * Landlock rules wherever a policy is given: sandbox.spawn/execFile/fork, runSandboxed,
 * `seccomp-node run`, `--import seccomp-node/lockdown` and presets. Children start inside
 * the parent's domain and their own rules narrow it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { execFile, profile } from '../src/children/spawn';
import { runSandboxed } from '../src/testing';
import { describe as describeResult, PACKAGE_ROOT, runChild } from './helpers/child';
import { UNSANITIZED } from './helpers/unsanitized-env';

const CLI = path.join(PACKAGE_ROOT, 'bin', 'seccomp-node.js');
const ENTRY = path.join(PACKAGE_ROOT, 'lib', 'lockdown-entry.js');
const SPAWN_LIB = JSON.stringify(path.join(PACKAGE_ROOT, 'lib', 'children', 'spawn'));
const CAT = fs.realpathSync('/bin/cat');
let dir = '';
let ro = '';
let secret = '';

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-node-ll-children-'));
  ro = path.join(dir, 'ro');
  fs.mkdirSync(ro);
  fs.writeFileSync(path.join(ro, 'data.txt'), 'allowed data\n');
  secret = path.join(dir, 'secret.txt');
  fs.writeFileSync(secret, 'the secret\n');
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const execFileAsync = promisify(execFile);
const settle = (p: Promise<{ stdout: string | Buffer }>) =>
  p.then((r) => ({ out: String(r.stdout), code: 0 }), (e: { code?: number; stderr?: string }) => ({ out: String(e.stderr ?? ''), code: e.code }));

describe('sandbox.spawn, execFile and fork', () => {
  it('a child reads what its rules allow and nothing else; its program and libraries are granted for the exec', async () => {
    const options = { policy: profile('file-reader'), fs: { read: [ro] } };
    const allowed = await settle(execFileAsync('cat', [path.join(ro, 'data.txt')], options));
    const denied = await settle(execFileAsync('cat', [secret], options));
    const unrestricted = await settle(execFileAsync('cat', [secret], { policy: profile('file-reader') }));
    expect(allowed).toEqual({ out: 'allowed data\n', code: 0 });
    expect(denied.code).toBe(1);
    expect(denied.out).toMatch(/Permission denied/);
    expect(unrestricted).toEqual({ out: 'the secret\n', code: 0 });
  });

  it('a missing path throws in the parent, before any child starts', () => {
    expect(() => execFile('cat', [secret], { policy: profile('file-reader'), fs: { read: [path.join(dir, 'nope')] } }))
      .toThrow(expect.objectContaining({ code: 'ERR_SECCOMP_LANDLOCK_PATH' }));
  });

  it('children of a daemon locked down with file rules inherit its domain and can narrow it further', async () => {
    // Without test:asan's preload: the daemon's domain does not list libasan, which its children would load.
    const r = await runChild(`
      const { execFile, profile } = require(${SPAWN_LIB});
      const path = require('path');
      const bin = path.dirname(process.execPath);
      // The daemon may start programs (seccomp) and read its package, the programs and their libraries (Landlock).
      seccomp.sandbox.lockdown({ allow: ['@node', '@process', '@exec-start', '@fs-read'],
        fs: { read: [${JSON.stringify(PACKAGE_ROOT)}, ${JSON.stringify(ro)}, ${JSON.stringify(secret)}], execute: [bin, ${JSON.stringify(CAT)}] } });
      const cat = (file, fsRules) => new Promise((ok) => execFile('cat', [file], { policy: profile('file-reader'), ...(fsRules ? { fs: fsRules } : {}) },
        (error, stdout) => ok(error ? 'denied' : stdout.trim())));
      report({
        inherited: await cat(${JSON.stringify(secret)}),
        narrowed: await cat(${JSON.stringify(secret)}, { read: [${JSON.stringify(ro)}] }),
        allowed: await cat(${JSON.stringify(path.join(ro, 'data.txt'))}, { read: [${JSON.stringify(ro)}] }),
        // the child's own rule cannot widen what the daemon's domain allows
        widened: await cat('/etc/hostname', { read: ['/etc'] }),
      });
    `, { timeoutMs: 60_000, env: UNSANITIZED });
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.reports[0]).toEqual({ inherited: 'the secret', narrowed: 'denied', allowed: 'allowed data', widened: 'denied' });
  });
});

describe('runSandboxed', () => {
  it('takes fs rules like lockdown, for functions and commands', async () => {
    const fn = await runSandboxed((file: string) => {
      try { return require('fs').readFileSync(file, 'utf8'); } catch (e) { return (e as NodeJS.ErrnoException).code; }
    }, { fs: { read: [ro] }, args: [secret] });
    expect(fn.value).toBe('EACCES');
    const command = await runSandboxed({ command: 'cat', args: [secret] }, { fs: { read: [ro] } });
    expect(command.code).toBe(1);
    expect(command.stderr).toMatch(/Permission denied/);
    const allowed = await runSandboxed({ command: 'cat', args: [path.join(ro, 'data.txt')] }, { fs: { read: [ro] } });
    expect(allowed.stdout).toBe('allowed data\n');
  });
});

describe('seccomp-node run', () => {
  it('applies the policy file\'s @fs lines and the --fs-* flags before exec', () => {
    const policy = path.join(dir, 'cat.policy');
    fs.writeFileSync(policy, `@node\n@exec-start\n@fs-read\ncopy_file_range: 1\n@fs read ${ro}\n`);
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, 'run', '--policy', policy, ...args], { encoding: 'utf8' });
    expect(run('--', 'cat', path.join(ro, 'data.txt'))).toMatchObject({ status: 0, stdout: 'allowed data\n' });
    const denied = run('--', 'cat', secret);
    expect(denied.status).toBe(1);
    expect(denied.stderr).toMatch(/Permission denied/);
    expect(run('--fs-read', secret, '--', 'cat', secret)).toMatchObject({ status: 0, stdout: 'the secret\n' });
    expect(run('--net-connect', 'https', '--', 'cat', secret).status).toBe(2);
  });
});

describe('node --import seccomp-node/lockdown', () => {
  it('takes Landlock rules as lockdown options in SECCOMP_NODE_POLICY', () => {
    const app = path.join(dir, 'app.js');
    fs.writeFileSync(app, `
      const fs = require('fs');
      const c = (f) => { try { return fs.readFileSync(f, 'utf8').trim(); } catch (e) { return e.code; } };
      console.log(JSON.stringify({ ro: c(${JSON.stringify(path.join(ro, 'data.txt'))}), secret: c(${JSON.stringify(secret)}) }));
    `);
    // The app itself is read after lockdown: its directory is granted too.
    const env = { ...process.env, SECCOMP_NODE_POLICY: JSON.stringify({ fs: { read: [ro, app] } }) };
    const r = spawnSync(process.execPath, ['--import', ENTRY, app], { encoding: 'utf8', env });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ro: 'allowed data', secret: 'EACCES' });
  });
});
