/**
 * Systems where seccomp-node cannot work: importing still works, isSupported() says no,
 * lockdown() throws a coded error (or, with optional: true, does nothing and says so).
 * A fake libseccomp.so.2 placed first on LD_LIBRARY_PATH stands in for such a system.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe as group, expect, it } from 'vitest';
import { addonLoadHint } from '../src/load-hints';
import { describe, PACKAGE_ROOT, runChild } from './helpers/child';

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

it('a missing libseccomp names the package to install for each distribution', async () => {
  const r = await runChild(PROBE, { env: { LD_LIBRARY_PATH: dirs.empty } });
  const [out] = r.reports as [Record<string, any>];
  expect(out.strict.message).toContain('apt-get install libseccomp2');
  expect(out.strict.message).toContain('apk add libseccomp');
});

group('an addon that cannot load says why and how to fix it', () => {
  const loadReason = (args: string[], cwd: string, root: string) => execFileSync(process.execPath, [...args, '-e',
    `const s = require(${JSON.stringify(root)}).sandbox; console.log(JSON.stringify([s.isSupported(), s.status().reason]))`],
  { cwd, encoding: 'utf8', env: withoutAddonChoice() });

  /** The environment without what picks an addon elsewhere (test:prebuild, test:asan): the copy's own search decides. */
  function withoutAddonChoice(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, PREBUILDS_ONLY: '' };
    delete env.SECCOMP_NODE_PREBUILD;
    return env;
  }

  it('node --no-addons', () => {
    const [supported, reason] = JSON.parse(loadReason(['--no-addons'], os.tmpdir(), PACKAGE_ROOT)) as [boolean, string];
    expect(supported).toBe(false);
    expect(reason).toContain('--no-addons');
  });

  it('no prebuild and no local build for this platform', () => {
    // A copy of the package with its JavaScript and policies but no compiled addon.
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-node-nobuild-'));
    for (const entry of ['package.json', 'lib', 'policies']) fs.cpSync(path.join(PACKAGE_ROOT, entry), path.join(copy, entry), { recursive: true });
    fs.symlinkSync(path.join(PACKAGE_ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    const [supported, reason] = JSON.parse(loadReason([], os.tmpdir(), copy)) as [boolean, string];
    expect(supported).toBe(false);
    expect(reason).toContain('no prebuilt addon for this platform');
    expect(reason).toContain('npm rebuild seccomp-node --build-from-source');
  });

  it('each cause gets its own hint', () => {
    expect(addonLoadHint("/lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by x.node)"))
      .toMatch(/needs glibc 2\.34 or later.*build-essential/);
    expect(addonLoadHint('Error relocating /app/x.node: __memcpy_chk: symbol not found')).toContain('musl');
    expect(addonLoadHint('something else entirely')).toContain('npm rebuild seccomp-node');
  });
});
