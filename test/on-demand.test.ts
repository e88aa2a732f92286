/**
 * What `require('seccomp-node')` loads: the API, without the compiler, verification and the
 * loader (they come with the first export or lockdown), and nothing a daemon that only locks
 * down never uses (learn mode, OCI, the linter, the disassembler, the policy file parser,
 * spawn). Those load on first use (src/on-demand.ts), through the same public names
 * and with the same behaviour, in CommonJS and ESM alike. The package in lib/ runs in
 * children: the tests' own process runs src/ with those modules loaded at once
 * (vitest.config.mts).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from './helpers/child';

/** Runs `body` in a fresh Node with `api` (the package from lib/) and `loaded()` in scope; returns what it prints as JSON. */
function inChild(body: string): unknown {
  const script = `
    const api = require(${JSON.stringify(PACKAGE_ROOT)});
    const lib = ${JSON.stringify(PACKAGE_ROOT + '/lib/')};
    const loaded = () => Object.keys(require.cache).filter((f) => f.startsWith(lib)).map((f) => f.slice(lib.length)).sort();
    (async () => { ${body} })().then((value) => process.stdout.write(JSON.stringify(value)), (error) => {
      process.stderr.write(String(error && error.stack || error)); process.exitCode = 1;
    });`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
}

const LOCKDOWN = ['loader.js', 'compiler.js', 'verify/index.js', 'bpf/emulator.js', 'syscalls.js', 'syscall-tables.js', 'landlock/index.js'];
const ON_DEMAND = ['learn/index.js', 'oci/index.js', 'lint.js', 'bpf/disassemble.js', 'policy-file/parser.js', 'policy-file/index.js',
  'policy-source.js', 'children/spawn.js', 'children/exec.js', 'children/report.js', 'cli/index.js', 'testing/index.js'];

describe('require() loads the API, lockdown what it needs, the rest on first use', () => {
  it('leaves the compiler until an export or lockdown, and learn, OCI, lint, the disassembler, the parser and spawn until used', () => {
    const { atRequire, afterLockdownPrep } = inChild(`
      const atRequire = loaded();
      // Everything lockdown() runs up to the kernel: the default profile, compiled and verified.
      api.sandbox.isSupported();
      api.defaultDaemonProfile();
      new api.Filter().allow('@node').exportBpf({ pid: process.pid });
      return { atRequire, afterLockdownPrep: loaded() };`) as { atRequire: string[]; afterLockdownPrep: string[] };
    for (const module of ON_DEMAND) {
      expect(atRequire, module).not.toContain(module);
      expect(afterLockdownPrep, module).not.toContain(module);
    }
    // The compiler, verification and the loader come with the first export or lockdown.
    for (const module of LOCKDOWN) {
      expect(atRequire, module).not.toContain(module);
      expect(afterLockdownPrep, module).toContain(module);
    }
    expect(atRequire).toContain('index.js');
  });

  it('each on-demand name works on first call, and loads its module then', () => {
    const out = inChild(`
      const steps = {};
      const step = (name, fn) => { const before = loaded(); const value = fn(); steps[name] = { value, added: loaded().filter((m) => !before.includes(m)) }; };
      step('parsePolicy', () => api.parsePolicy('read: 1\\nwrite: arg0 == 2', { file: 'x.policy' }).rules.length);
      step('formatPolicy', () => api.formatPolicy({ defaultAction: 'kill-process', rules: [{ syscall: 'read', action: 'allow' }] }).includes('read'));
      step('toOciProfile', () => api.toOciProfile({ defaultAction: 'kill-process', rules: [{ syscall: 'read', action: 'allow' }] }).profile.defaultAction);
      step('fromOciProfile', () => api.fromOciProfile({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] }).policy.rules.length);
      step('parseOciProfile', () => typeof api.parseOciProfile('{"defaultAction":"SCMP_ACT_ALLOW"}'));
      step('stringifyOciProfile', () => api.stringifyOciProfile({ defaultAction: 'SCMP_ACT_ALLOW' }).includes('SCMP_ACT_ALLOW'));
      step('lintPolicy', () => Array.isArray(api.lintPolicy({ defaultAction: 'kill-process', rules: [{ syscall: 'ptrace', action: 'allow' }] })));
      step('disassemble', () => api.disassemble(new api.Filter().allow('read').exportBpf()).split('\\n').length > 3);
      step('learnFromTrace', () => api.learnFromTrace('123 read(0, "", 1) = 0\\n').policy.rules.some((r) => r.syscall === 'read'));
      step('childPolicy', () => api.childPolicy({ allow: ['read'] }).rules.some((r) => r.syscall === 'read'));
      step('learn.start', () => typeof api.learn.start);
      step('spawn', () => typeof api.sandbox.spawn);
      step('decodeAction', () => api.decodeAction(0x50001).action);
      return steps;`) as Record<string, { value: unknown; added: string[] }>;
    expect(out.parsePolicy).toEqual({ value: 2, added: expect.arrayContaining(['policy-file/parser.js']) });
    expect(out.formatPolicy.value).toBe(true);
    expect(out.toOciProfile).toEqual({ value: 'SCMP_ACT_KILL_PROCESS', added: expect.arrayContaining(['oci/index.js']) });
    expect(out.fromOciProfile.value).toBe(1);
    expect(out.parseOciProfile.value).toBe('object');
    expect(out.stringifyOciProfile.value).toBe(true);
    expect(out.lintPolicy).toEqual({ value: true, added: ['lint.js'] });
    expect(out.disassemble).toEqual({ value: true, added: expect.arrayContaining(['bpf/disassemble.js']) });
    expect(out.learnFromTrace).toEqual({ value: true, added: expect.arrayContaining(['learn/index.js']) });
    expect(out.childPolicy).toEqual({ value: true, added: expect.arrayContaining(['children/spawn.js']) });
    // Reading a name loads nothing; calling does.
    expect(out['learn.start']).toEqual({ value: 'function', added: [] });
    expect(out.spawn).toEqual({ value: 'function', added: [] });
    expect(out.decodeAction.value).toBe('errno');
  });

  it('sandbox.execFile keeps its promisified form', () => {
    const out = inChild(`
      const { promisify } = require('node:util');
      const run = promisify(api.sandbox.execFile);
      const { stdout } = await run(process.execPath, ['-e', 'process.stdout.write("hi")'], { policy: api.profile('compute') });
      return { stdout, custom: typeof api.sandbox.execFile[promisify.custom] };`) as { stdout: string; custom: string };
    expect(out).toEqual({ stdout: 'hi', custom: 'function' });
  });

  it('import and require give the same functions, on-demand ones included', () => {
    const out = inChild(`
      const esm = await import(${JSON.stringify(PACKAGE_ROOT + '/lib/index.mjs')});
      const names = ['learn', 'learnCommand', 'learnFromTrace', 'lintPolicy', 'disassemble', 'fromOciProfile', 'toOciProfile',
        'stringifyOciProfile', 'parseOciProfile', 'parsePolicy', 'parsePolicyFile', 'checkPolicyFile', 'formatPolicy',
        'readPolicySource', 'childPolicy', 'profile', 'profiles', 'profileNames', 'runFilter', 'traceFilter', 'decodeAction'];
      return names.map((n) => [n, typeof esm[n], esm[n] === api[n]]);`) as [string, string, boolean][];
    for (const [name, type, same] of out) {
      expect(type, name).not.toBe('undefined');
      expect(same, name).toBe(true);
    }
  });

  it('--import seccomp-node/lockdown without a policy loads neither the presets nor the groups', () => {
    // The default profile's program is built into the package: a daemon started this way
    // reads no policy data. With SECCOMP_NODE_POLICY set, the presets load to read it.
    const loaded = (env: NodeJS.ProcessEnv) => JSON.parse(execFileSync(process.execPath, [
      '--import', path.join(PACKAGE_ROOT, 'lib', 'lockdown-entry.js'), '-e',
      `const lib = ${JSON.stringify(PACKAGE_ROOT + '/lib/')};
       console.log(JSON.stringify(Object.keys(require.cache).filter((f) => f.startsWith(lib)).map((f) => f.slice(lib.length))))`,
    ], { encoding: 'utf8', env: { ...process.env, ...env } })) as string[];
    const plain = loaded({ SECCOMP_NODE_POLICY: undefined });
    expect(plain).toContain('default-program.js');
    for (const module of ['children/presets.js', 'groups.js', 'builtin-policies.js']) expect(plain).not.toContain(module);
    expect(loaded({ SECCOMP_NODE_POLICY: '@node,@fs-read' })).toContain('children/presets.js');
  });

  it('the compiled modules bind Node\'s modules without copying them (no __importStar)', () => {
    // With esModuleInterop, tsc copies every export of a module imported as `* as`: about
    // 0.2 ms for node:fs, in each module that imports it, on every start (tsconfig.json).
    const lib = path.join(PACKAGE_ROOT, 'lib');
    const copying = fs.readdirSync(lib, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.js') && fs.readFileSync(path.join(lib, f), 'utf8').includes('__importStar'));
    expect(copying).toEqual([]);
  });
});
