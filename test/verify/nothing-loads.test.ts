/**
 * When verification fails, nothing is loaded or exported, on every path: lockdown(),
 * Filter#load(), `seccomp-node compile` and `dump`, `seccomp-node run` (a load right before
 * exec) and sandbox.spawn. A preloaded stand-in for a buggy libseccomp
 * (test/fixtures/verify/miscompiling-libseccomp.js) builds an allow-everything program.
 * `lockdown()` without options loads the program the package's build compiled and verified
 * (src/default-program.ts), which this process's libseccomp never touches.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { describe, PACKAGE_ROOT, runChild } from '../helpers/child';

const MISCOMPILING = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'verify', 'miscompiling-libseccomp.js');
const BIN = path.join(PACKAGE_ROOT, 'bin', 'seccomp-node.js');
const WITH_BUG = { NODE_OPTIONS: `--require ${MISCOMPILING}` };
let dir = '';

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-verify-'));
  fs.writeFileSync(path.join(dir, 'app.policy'), '@node\n@exec-start\n');
});

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', input: '', env: { ...process.env, ...env } });
  return { status: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

/** In a child: try `load`, then report the error code and whether the process has a filter. */
const attempt = (load: string) => `
  let code = 'none';
  try { ${load}; } catch (error) { code = error.code; }
  const seccompField = /^Seccomp:\\s*(\\d+)/m.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1];
  const record = seccomp.sandbox.status().lockdowns[0];
  report({ code, seccompField, locked: seccomp.sandbox.status().locked, verified: record ? [record.verified, record.verifiedCalls > 100] : null });
`;

it('lockdown() and Filter#load() throw ERR_SECCOMP_MISCOMPILED and leave the process unfiltered', async () => {
  for (const load of ['seccomp.sandbox.lockdown({ report: false })', 'new seccomp.Filter().allow(\'@node\').allow(\'@fs-read\').load()']) {
    const bad = await runChild(attempt(load), { env: WITH_BUG });
    expect(bad.code, describe(bad)).toBe(0);
    expect(bad.reports, load).toEqual([{ code: 'ERR_SECCOMP_MISCOMPILED', seccompField: '0', locked: false, verified: null }]);
    // The same child without the bug loads the filter: the test can tell the difference.
    const good = await runChild(attempt(load));
    expect(good.reports, load).toEqual([{ code: 'none', seccompField: '2', locked: true, verified: [true, true] }]);
  }
});

it('lockdown() without options loads the program verified at build time, whatever this process\'s libseccomp builds', async () => {
  const r = await runChild(`${attempt('seccomp.sandbox.lockdown()')} report(seccomp.sandbox.status().lockdowns[0].prebuilt);
    require('child_process').spawnSync('/bin/true');`, { env: WITH_BUG });
  expect(r.reports, describe(r)).toEqual([{ code: 'none', seccompField: '2', locked: true, verified: [true, true] }, true]);
  // the built program, not the buggy library's allow-everything one: a new process is killed
  expect(r.signal, describe(r)).toBe('SIGSYS');
});

it('seccomp-node compile and dump write nothing', () => {
  const out = path.join(dir, 'app.bpf');
  for (const command of [['compile', '--pid', '4242', '--out', 'app.bpf', 'app.policy'], ['dump', 'app.policy']]) {
    fs.rmSync(out, { force: true });
    const bad = cli(command, WITH_BUG);
    expect(bad.status, bad.err).toBe(1);
    expect(bad.err).toContain('ERR_SECCOMP_MISCOMPILED');
    expect(bad.out).toBe('');
    expect(fs.existsSync(out)).toBe(false);
    const good = cli(command);
    expect(good.status, good.err).toBe(0);
    expect(good.out.length + (fs.existsSync(out) ? fs.statSync(out).size : 0)).toBeGreaterThan(0);
  }
});

it('seccomp-node run (a load right before exec) never starts the program', () => {
  const bad = cli(['run', '--policy', 'app.policy', '--', '/bin/echo', 'started'], WITH_BUG);
  expect(bad.status, bad.err).toBe(1);
  expect(bad.err).toContain('ERR_SECCOMP_MISCOMPILED');
  expect(bad.out).toBe('');
  const good = cli(['run', '--policy', 'app.policy', '--', '/bin/echo', 'started']);
  expect(good.status, good.err).toBe(0);
  expect(good.out).toBe('started\n');
});

it('sandbox.spawn refuses before starting anything', async () => {
  const spawnIt = `
    let code = 'none';
    try {
      const child = seccomp.sandbox.spawn('/bin/echo', ['started'], { allow: ['@node'] });
      await new Promise((resolve) => child.on('close', resolve));
    } catch (error) { code = error.code; }
    report(code);
  `;
  const bad = await runChild(spawnIt, { env: WITH_BUG });
  expect(bad.reports, describe(bad)).toEqual(['ERR_SECCOMP_MISCOMPILED']);
  expect(bad.stdout).not.toContain('started');
});
