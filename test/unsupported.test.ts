/**
 * Systems where seccomp-node cannot work: importing still works, isSupported() says no,
 * lockdown() throws a coded error (or, with optional: true, does nothing and says so).
 * A fake libseccomp.so.2 placed first on LD_LIBRARY_PATH stands in for such a system.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { describe, runChild } from './helpers/child';

const dirs = { empty: '', old: '' };

beforeAll(() => {
  for (const kind of ['empty', 'old'] as const) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fake-libseccomp-${kind}-`));
    execFileSync('cc', ['-shared', '-fPIC', ...(kind === 'empty' ? ['-DEMPTY'] : []), '-o', path.join(dir, 'libseccomp.so.2'),
      path.join(__dirname, 'fixtures', 'fake-libseccomp.c')]);
    dirs[kind] = dir;
  }
});

const PROBE = `
  const { sandbox } = seccomp;
  const attempt = (options) => { try { return sandbox.lockdown(options); } catch (e) { return { code: e.code, message: e.message, details: e.details }; } };
  const strict = attempt();
  const optional = attempt({ optional: true });
  const status = sandbox.status();
  report({ supported: sandbox.isSupported(), strict, optional, status: { supported: status.supported, locked: status.locked, skipped: status.skipped, reason: status.reason } });
  // and the process is unfiltered
  report(require('child_process').spawnSync('/bin/true').status);
`;

it('a library without the needed functions: import works, lockdown throws, optional is a reported no-op', async () => {
  const r = await runChild(PROBE, { env: { LD_LIBRARY_PATH: dirs.empty } });
  expect(r.code, describe(r)).toBe(0);
  const [out, spawned] = r.reports as [Record<string, any>, number];
  expect(out.supported).toBe(false);
  expect(out.strict.code).toBe('ERR_SECCOMP_UNSUPPORTED');
  expect(out.strict.message).toContain('seccomp_init');
  expect(out.strict.message).toContain('optional: true');
  expect(out.optional).toMatchObject({ applied: false });
  expect(out.status).toMatchObject({ supported: false, locked: false });
  expect(out.status.skipped).toContain('lacks');
  expect(spawned).toBe(0);
});

it('a libseccomp older than 2.5.0 is named with the version needed', async () => {
  const r = await runChild(PROBE, { env: { LD_LIBRARY_PATH: dirs.old } });
  expect(r.code, describe(r)).toBe(0);
  const [out] = r.reports as [Record<string, any>];
  expect(out.supported).toBe(false);
  expect(out.strict.code).toBe('ERR_SECCOMP_LIBSECCOMP_TOO_OLD');
  expect(out.strict.details).toMatchObject({ found: '2.4.1', needed: '2.5.0' });
  expect(out.strict.message).toMatch(/2\.4\.1.*2\.5\.0/);
});
