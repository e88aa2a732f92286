/**
 * `node --import seccomp-node/lockdown app.js` and `node --require ...`: the process locks
 * itself down from SECCOMP_NODE_POLICY before the application's code runs. Every case is a
 * separate Node process.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expandEntries } from '../src/groups';
import { PACKAGE_ROOT, reportLine } from './helpers/child';

const ENTRY = path.join(PACKAGE_ROOT, 'lib', 'lockdown-entry.js');
const APP = path.join(__dirname, 'fixtures', 'spawn', 'app.js');
const APP_ESM = path.join(__dirname, 'fixtures', 'spawn', 'app.mjs');
let dir = '';

interface AppState { locked: boolean; filters: number; rings?: number; source?: string; env?: string[] }

function run(flag: '--import' | '--require', app: string, op: string | undefined, env: NodeJS.ProcessEnv, entry = ENTRY) {
  const r = spawnSync(process.execPath, [flag, entry, app, ...(op ? [op] : [])], {
    cwd: dir, encoding: 'utf8', input: '', env: { ...process.env, ...env },
  });
  const lines = r.stdout.split('\n').filter(Boolean);
  let state: AppState | undefined;
  try { state = lines.length ? JSON.parse(lines[0]) as AppState : undefined; } catch { state = undefined; }
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, lines, state, get violation() { return reportLine(r.stderr); } };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-entry-'));
  fs.writeFileSync(path.join(dir, 'app.policy'), '@node\n@fs-read\n');
});

describe('--require and --import', () => {
  for (const flag of ['--require', '--import'] as const) {
    it(`${flag}: locks down before the app, which works within the policy and dies outside it`, () => {
      const ok = run(flag, APP, 'read', { SECCOMP_NODE_POLICY: '@node,@fs-read' });
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.state).toMatchObject({ locked: true, filters: 1, source: 'policy', env: [] });
      expect(ok.lines[1]).toBe('// An application started with `node --import/--require <lockdown entry> app.js [op]`.');
      const socket = run(flag, APP, 'socket', { SECCOMP_NODE_POLICY: '@node,@fs-read' });
      expect(socket.state).toMatchObject({ locked: true });
      expect(socket.signal).toBe('SIGSYS');
      // in-process, the report line comes from the process itself
      expect(socket.violation?.syscall).toBe('socket');
    });
  }

  it('by the package name, as installed: --import and --require seccomp-node/lockdown resolve through exports', () => {
    // dir/node_modules/seccomp-node is this package, as npm would install it; the flags'
    // specifiers are resolved from the working directory
    fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
    fs.symlinkSync(PACKAGE_ROOT, path.join(dir, 'node_modules', 'seccomp-node'), 'dir');
    try {
      for (const flag of ['--import', '--require'] as const) {
        const ok = run(flag, APP, 'read', { SECCOMP_NODE_POLICY: '@node,@fs-read' }, 'seccomp-node/lockdown');
        expect(ok.status, ok.stderr).toBe(0);
        expect(ok.state).toMatchObject({ locked: true, filters: 1, source: 'policy' });
        const socket = run(flag, APP, 'socket', { SECCOMP_NODE_POLICY: '@node,@fs-read' }, 'seccomp-node/lockdown');
        expect(socket.signal, socket.stderr).toBe('SIGSYS');
        expect(socket.violation?.syscall).toBe('socket');
      }
    } finally {
      fs.rmSync(path.join(dir, 'node_modules'), { recursive: true });
    }
  });

  it('--import: an ES module application is locked down before its first line', () => {
    const ok = run('--import', APP_ESM, 'read', { SECCOMP_NODE_POLICY: '@node,@fs-read' });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.state).toEqual({ locked: true, filters: 1 });
    expect(ok.lines[1]).toBe('// The ESM twin of app.js: an ES module application under `node --import`.');
    const socket = run('--import', APP_ESM, 'socket', { SECCOMP_NODE_POLICY: '@node,@fs-read' });
    expect(socket.signal).toBe('SIGSYS');
    expect(socket.violation?.syscall).toBe('socket');
  });
});

describe('SECCOMP_NODE_POLICY', () => {
  it('takes a policy file, JSON, a list or a preset; unset, the default daemon profile', () => {
    const file = run('--require', APP, 'write', { SECCOMP_NODE_POLICY: path.join(dir, 'app.policy') });
    expect(file.state).toMatchObject({ locked: true, source: 'policy' });
    expect(file.signal).toBe('SIGSYS');
    expect(file.violation?.syscall).toBe('openat');

    const relative = run('--require', APP, 'read', { SECCOMP_NODE_POLICY: './app.policy' });
    expect(relative.status, relative.stderr).toBe(0);

    const policy = { defaultAction: 'kill-process', rules: expandEntries(['@node', '@fs-read']) };
    const json = run('--require', APP, 'socket', { SECCOMP_NODE_POLICY: JSON.stringify(policy) });
    expect(json.state).toMatchObject({ locked: true, source: 'policy' });
    expect(json.violation?.syscall).toBe('socket');

    const preset = run('--require', APP, 'socket', { SECCOMP_NODE_POLICY: 'file-reader' });
    expect(preset.state).toMatchObject({ locked: true, source: 'policy' });
    expect(preset.signal).toBe('SIGSYS');

    const unset = run('--require', APP, 'write', { SECCOMP_NODE_POLICY: undefined });
    expect(unset.status, unset.stderr).toBe(0);
    expect(unset.state).toMatchObject({ locked: true, source: 'default profile' });
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('written-'))).toHaveLength(1);
  });

  it('fails closed: a policy that cannot be read stops the process before the app runs', () => {
    for (const spec of ['@nod', path.join(dir, 'missing.policy'), '{"rules": 3}']) {
      const r = run('--require', APP, undefined, { SECCOMP_NODE_POLICY: spec });
      expect(r.status, spec).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('seccomp-node: cannot lock down before the application starts');
    }
    const imported = run('--import', APP, undefined, { SECCOMP_NODE_POLICY: '@nod' });
    expect(imported.status).toBe(1);
    expect(imported.stdout).toBe('');
    expect(imported.stderr).toContain('did you mean "@node"?');
  });

  it('runs after Node\'s startup: the io_uring rings Node opened (Node 22+) are already there', () => {
    const count = `require('fs').readdirSync('/proc/self/fd').filter((fd) => { try { return require('fs').readlinkSync('/proc/self/fd/' + fd) === 'anon_inode:[io_uring]'; } catch { return false; } }).length`;
    const baseline = Number(spawnSync(process.execPath, ['-p', count], { encoding: 'utf8', input: '' }).stdout.trim());
    const r = run('--require', APP, undefined, { SECCOMP_NODE_POLICY: '@node,@fs-read' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.state!.rings).toBe(baseline);
    if (Number(process.versions.node.split('.')[0]) < 22) expect(baseline).toBe(0);
  });
});
