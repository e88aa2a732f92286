/**
 * The default lockdown's program, compiled and verified by the build into
 * lib/default-program.json (src/default-program.ts):
 *
 * - it is what compiling the default lockdown's policy gives now (editing a group, the
 *   compiler or the SIGSYS guard without rebuilding fails here);
 * - `lockdown()` loads it with the child's pid filled in, byte for byte the program a compile
 *   for that pid gives, and the kernel then enforces it both ways;
 * - where it is not exact for a pid, or missing, or another option is given, lockdown
 *   compiles and verifies at load instead, with the same result for the kernel.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OP, decodeInstructions } from '../src/bpf/program';
import { buildDefaultProgram, type DefaultProgramFile } from '../src/default-program';
import { currentFingerprint } from '../src/fingerprint';
import { lockdownPolicy } from '../src/sandbox';
import { describe as describeChild, PACKAGE_ROOT, runChild } from './helpers/child';
import { PROBES } from './helpers/probes';
import { allowsRuntimeProbes } from '../src/lazy-cpu-info';
import { compileFor, exportBpf } from '../src/verified-program';
import { bindSelfPid } from '../src/self-pid';
import { expandEntries } from '../src/groups';
import { nativeArch } from '../src/arch';

const LIB = path.join(PACKAGE_ROOT, 'lib');
const file = JSON.parse(fs.readFileSync(path.join(LIB, 'default-program.json'), 'utf8')) as DefaultProgramFile;
const data = file.program;

/** Child code: the program a compile for this process gives (before anything is loaded). */
const FRESH_COMPILE = `
  const lib = (m) => require(${JSON.stringify(LIB)} + '/' + m);
  const { compileFor, exportBpf } = lib('verified-program');
  const expected = exportBpf(compileFor(lib('sigsys-guard').guardSigsys(lib('self-pid').bindSelfPid(
    lib('sandbox').lockdownPolicy({}).policy, process.pid)), { report: true }));
  const loaded = () => lib('loader').filtersInForce().programs[0].program;`;

/** Child code: something the default profile allows, then something it kills (a new process). */
const BOTH_WAYS = `
  const text = require('fs').readFileSync(${JSON.stringify(path.join(PACKAGE_ROOT, 'package.json'))}, 'utf8');
  const served = await new Promise((ok) => {
    const server = require('net').createServer((s) => s.end('pong')).listen(0, '127.0.0.1', () => {
      require('net').connect(server.address().port, '127.0.0.1').on('data', (d) => { server.close(); ok(String(d)); });
    });
  });
  report({ allowed: text.includes('seccomp-node') && served === 'pong' });
  require('child_process').spawnSync('/bin/true');
  report({ survived: true });`;

describe('the default program built into the package', () => {
  it('is what compiling the default lockdown\'s policy gives now', () => {
    expect(data, 'the global setup writes it with the built-in data').toBeDefined();
    const fresh = buildDefaultProgram(lockdownPolicy({}).policy);
    expect(data).toEqual(JSON.parse(JSON.stringify(fresh)));
    expect(file.fingerprint).toEqual(JSON.parse(JSON.stringify(currentFingerprint())));
    expect(data!.verifiedCalls).toBeGreaterThan(100);
  });

  it('lockdown() loads it for the child\'s pid, exactly what a compile for that pid gives, and the kernel enforces it', async () => {
    const r = await runChild(`${FRESH_COMPILE}
      const { record } = seccomp.sandbox.lockdown();
      report({ prebuilt: record.prebuilt, same: loaded().equals(expected), verifiedCalls: record.verifiedCalls });
      ${BOTH_WAYS}`);
    expect(r.reports[0], describeChild(r)).toEqual({ prebuilt: true, same: true, verifiedCalls: data!.verifiedCalls });
    expect(r.reports[1]).toEqual({ allowed: true });
    expect(r.signal, describeChild(r)).toBe('SIGSYS');
    expect(r.violation?.syscall).toMatch(/^(clone|clone3|fork|vfork)$/);
  });

  it('serves every pid when no comparison holds it, and where one does, only pids that compare with nothing else', async () => {
    // The default profile lets a process signal any process, so its program holds no pid.
    expect(data!.pidSites).toEqual([]);
    expect(data!.ambiguousPids).toEqual([]);
    // The mechanism, on the same program with a site made up: the site is one comparison,
    // and a pid equal to another constant the program compares with is refused.
    const jeqs = decodeInstructions(Buffer.from(data!.program, 'base64')).flatMap((insn, index) => (insn.code === OP.JEQ_K && insn.k > 1 ? [{ index, k: insn.k }] : []));
    const [site, other] = [jeqs[0], jeqs.find((j) => j.k !== jeqs[0].k)!];
    const r = await runChild(`
      const lib = (m) => require(${JSON.stringify(LIB)} + '/' + m);
      const data = lib('default-program').defaultProgramData();
      const { defaultProgram } = lib('default-program');
      const word = (bytes, index) => bytes.readUInt32LE(index * 8 + 4);
      report({ anyPid: defaultProgram(${other.k}) !== undefined && defaultProgram(1) !== undefined });
      data.pidSites = [${site.index}];
      const own = defaultProgram(process.pid);
      report({ taken: defaultProgram(${other.k}) === undefined, filled: own !== undefined && word(own.bytes, ${site.index}) === process.pid });`);
    expect(r.reports, describeChild(r)).toEqual([{ anyPid: true }, { taken: true, filled: true }]);
  });

  it('allows the runtime\'s lazy probes, so lockdown leaves them to V8: their calls pass the kernel\'s filter', async () => {
    expect(data!.runtimeProbesAllowed).toBe(true);
    // The check can tell: @node alone has no read-only opens, and lockdown primes for it.
    const nodeOnly = exportBpf(compileFor(bindSelfPid({ defaultAction: 'kill-process', rules: expandEntries(['@node']) }, 1), { report: false }));
    expect(allowsRuntimeProbes(nodeOnly, nativeArch())).toBe(false);
    // The probes' calls, made raw after the load (NULL pointers: the kernel answers EFAULT or
    // EBADF once the filter has let them through), and the same under @node alone: killed.
    const probeCalls = (lockdown: string) => `${PROBES}
      seccomp.sandbox.lockdown(${lockdown});
      const O_RDONLY_CLOEXEC = seccomp.constants.O_RDONLY | seccomp.constants.O_CLOEXEC;
      report([raw('openat', -100, 0, O_RDONLY_CLOEXEC, 0).code, raw('read', 999, 0, 1024).code, raw('close', 999).code]);
      report(raw('clock_nanosleep', 0, 0, 0, 0).code);`;
    const allowed = await runChild(probeCalls(''));
    expect(allowed.reports, describeChild(allowed)).toEqual([['EFAULT', 'EBADF', 'EBADF'], 'EFAULT']);
    const killed = await runChild(probeCalls(`{ allow: ['@node'] }`));
    expect(killed.reports, describeChild(killed)).toEqual([]);
    expect(killed.signal).toBe('SIGSYS');
    expect(killed.violation?.syscall).toBe('openat');
  });

  for (const [what, setup, options] of [
    ['the program was built for another architecture', `lib('default-program').defaultProgramData().arch = 'aarch64';`, '{}'],
    ['another option is given (report: false)', '', '{ report: false }'],
  ] as const) {
    it(`when ${what}, lockdown compiles and verifies at load, and the kernel enforces the same policy`, async () => {
      const r = await runChild(`${FRESH_COMPILE}
        ${setup}
        const { record } = seccomp.sandbox.lockdown(${options});
        report({ prebuilt: record.prebuilt, verified: record.verifiedCalls > 100 });
        ${BOTH_WAYS}`);
      expect(r.reports[0], describeChild(r)).toEqual({ prebuilt: false, verified: true });
      expect(r.reports[1]).toEqual({ allowed: true });
      expect(r.signal, describeChild(r)).toBe('SIGSYS');
    });
  }
});
