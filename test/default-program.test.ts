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
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OP, decodeInstructions } from '../src/bpf/program';
import { fresh } from '../src/bpf/sites';
import { buildDefaultProgram, type DefaultProgramFile } from '../src/default-program';
import { currentFingerprint } from '../src/fingerprint';
import { lockdownPolicy } from '../src/sandbox';
import { describe as describeChild, PACKAGE_ROOT, runChild } from './helpers/child';
import { PROBES } from './helpers/probes';
import { allowsLazyCalls, type LazyResource } from '../src/lazy-calls';
import { compileFor, exportBpf } from '../src/verified-program';
import { bindSelfPid } from '../src/self-pid';
import { expandEntries } from '../src/groups';
import { nativeArch } from '../src/arch';

const LIB = path.join(PACKAGE_ROOT, 'lib');

/** `@node` alone, as lockdown({ allow: ['@node'] }) compiles it: a program that needs the priming. */
const nodeOnly = () => exportBpf(compileFor(bindSelfPid({ defaultAction: 'kill-process', rules: expandEntries(['@node']) }, 1), { report: false }));
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
      report({ taken: defaultProgram(${other.k}) === undefined, pid: process.pid,
        filled: own === undefined ? 'refused' : word(own.bytes, ${site.index}) === process.pid });`);
    // The child's own pid may itself equal a constant of the program (an ioctl number near
    // 21500, say): then it is refused too, and lockdown compiles instead.
    const pid = (r.reports[1] as { pid?: number } | undefined)?.pid ?? 0;
    const program = decodeInstructions(Buffer.from(data!.program, 'base64'));
    const filled = fresh(program, [{ index: site.index, kind: 0 }], [pid]) ? true : 'refused';
    expect(r.reports, describeChild(r)).toEqual([{ anyPid: true }, { taken: true, pid, filled }]);
  });

  /**
   * A lazy resource (src/lazy-calls.ts), both ways: the build recorded that the default program
   * allows its calls, and the check says @node alone (no read-only opens) does not, so lockdown
   * primes for that. Its file read is then made raw after the load (NULL pointers: the kernel
   * answers EFAULT or EBADF once the filter has let the calls through), followed by `more`
   * (child code that reports); under @node alone the open is killed. Returns the allowed child.
   */
  async function lazyReadBothWays(resource: LazyResource, bytes: number, more: string, moreReport: unknown) {
    expect(data!.lazyAllowed).toContain(resource);
    expect(allowsLazyCalls(nodeOnly(), nativeArch(), resource)).toBe(false);
    const calls = (lockdown: string) => `${PROBES}
      seccomp.sandbox.lockdown(${lockdown});
      const O_RDONLY_CLOEXEC = seccomp.constants.O_RDONLY | seccomp.constants.O_CLOEXEC;
      report([raw('openat', -100, 0, O_RDONLY_CLOEXEC, 0).code, raw('read', 999, 0, ${bytes}).code, raw('close', 999).code]);
      ${more}`;
    const allowed = await runChild(calls(''));
    expect(allowed.reports, describeChild(allowed)).toEqual([['EFAULT', 'EBADF', 'EBADF'], moreReport]);
    const killed = await runChild(calls(`{ allow: ['@node'] }`));
    expect(killed.reports, describeChild(killed)).toEqual([]);
    expect(killed.signal).toBe('SIGSYS');
    expect(killed.violation?.syscall).toBe('openat');
    return allowed;
  }

  it('allows the runtime\'s lazy probes, so lockdown leaves them to V8: their calls pass the kernel\'s filter', async () => {
    // abseil's /sys reads, and its sleep while it times the CPU.
    await lazyReadBothWays('runtimeProbes', 1024, 'report(raw(\'clock_nanosleep\', 0, 0, 0, 0).code);', 'EFAULT');
  });

  it('allows glibc\'s overcommit read, so lockdown leaves it to the first heap that shrinks: its calls pass the kernel\'s filter', async () => {
    // test/lockdown.test.ts sees the read before the load under @node alone. Here, after the
    // calls, a heap shrinks on purpose: glibc reads the setting then, unless a thread's heap
    // shrank before, and the process lives on.
    const allowed = await lazyReadBothWays('libcOvercommit', 1,
      'report({ shrunk: require(seccomp.sandbox.status().addon).primeLibc() });', { shrunk: true });
    expect(allowed.code).toBe(0);
  });

  describe('leaves process.stdout and process.stderr to be created after the load, on every kind of descriptor', () => {
    // The child wraps Node's own getters before it loads the package, so it can tell whether
    // lockdown created the streams (priming) or the first write did, under the filter.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-node-stdio-'));
    const file = path.join(dir, 'child.js');
    fs.writeFileSync(file, `
      const seen = {};
      let locked = false;
      for (const name of ['stdout', 'stderr']) {
        const own = Object.getOwnPropertyDescriptor(process, name);
        Object.defineProperty(process, name, { configurable: true, enumerable: own.enumerable,
          get() { seen[name] ??= locked ? 'after' : 'before'; return own.get.call(process); } });
      }
      const { record } = require(${JSON.stringify(PACKAGE_ROOT)}).sandbox.lockdown();
      locked = true;
      process.stderr.write('err ok\\n');
      const line = JSON.stringify({ prebuilt: record.prebuilt, seen, columns: typeof process.stdout.columns }) + '\\n';
      process.stdout.write(line);
      // Where stdout goes nowhere, the test reads the line from descriptor 3.
      if (process.env.REPORT_FD) require('fs').writeSync(Number(process.env.REPORT_FD), line);
      setTimeout(() => process.stdout.write('later\\n'), 10);`);
    const node = JSON.stringify(process.execPath);
    /** Each kind of descriptor Node may be given as stdout and stderr: how to start the child with it, and what it printed. */
    type Ended = { status: number | null; signal: NodeJS.Signals | null; out: string; discarded?: true };
    const KINDS: Record<string, (file: string) => Ended | Promise<Ended>> = {
      file: (file) => {
        const out = path.join(dir, 'out.txt');
        const fd = fs.openSync(out, 'w');
        const r = spawnSync(process.execPath, [file], { stdio: ['ignore', fd, fd] });
        fs.closeSync(fd);
        return { status: r.status, signal: r.signal, out: fs.readFileSync(out, 'utf8') };
      },
      pipe: (file) => {
        const r = spawnSync('bash', ['-c', `${node} ${file} 2>&1 | cat; exit "\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
        return { status: r.status, signal: r.signal, out: r.stdout };
      },
      socket: (file) => {
        const r = spawnSync(process.execPath, [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        return { status: r.status, signal: r.signal, out: r.stdout + r.stderr };
      },
      'the null device': (file) => {
        // What the child wrote to /dev/null is gone: its line comes on descriptor 3, and the
        // writes after it (stderr's, the timer's) show only in the exit status.
        const r = spawnSync(process.execPath, [file], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'], env: { ...process.env, REPORT_FD: '3' } });
        return { status: r.status, signal: r.signal, out: String(r.output[3] ?? ''), discarded: true };
      },
      // A TCP connection, as inetd or socket activation hands one over (bash opens it).
      'TCP socket': async (file) => {
        const server = net.createServer().listen(0, '127.0.0.1');
        await once(server, 'listening');
        const received = once(server, 'connection').then(async ([socket]) => {
          let text = '';
          for await (const chunk of socket as net.Socket) text += String(chunk);
          return text;
        });
        const port = (server.address() as net.AddressInfo).port;
        const child = spawn('bash', ['-c', `exec ${node} ${file} >/dev/tcp/127.0.0.1/${port} 2>&1`]);
        const [status, signal] = await once(child, 'exit') as [number | null, NodeJS.Signals | null];
        const out = await received;
        server.close();
        return { status, signal, out };
      },
      // script(1) (util-linux) runs the child on a new pseudo-terminal and copies what it prints.
      terminal: (file) => {
        const r = spawnSync('script', ['-qec', `${node} ${file}`, '/dev/null'], { encoding: 'utf8' });
        return { status: r.status, signal: r.signal, out: r.stdout.replace(/\r/g, '') };
      },
    };

    for (const [kind, start] of Object.entries(KINDS)) {
      it(kind, async () => {
        const r = await start(file);
        expect(r.status, r.out).toBe(0);
        expect(r.signal).toBeNull();
        const line = r.out.split('\n').find((l) => l.startsWith('{'));
        expect(JSON.parse(line ?? 'null'), r.out).toMatchObject({ prebuilt: true, seen: { stdout: 'after', stderr: 'after' } });
        if (!r.discarded) {
          expect(r.out).toContain('err ok\n');
          expect(r.out).toContain('later\n');
        }
      });
    }
  });

  it('a program that needs the streams created first gets them so, and their calls would be killed under it', async () => {
    expect(data!.lazyAllowed).toContain('stdio');
    expect(allowsLazyCalls(nodeOnly(), nativeArch(), 'stdio')).toBe(false);
    // Under @node alone, compiled at load, lockdown creates the streams first ...
    const primed = spawnSync(process.execPath, ['-e', `
      const seen = {};
      const own = Object.getOwnPropertyDescriptor(process, 'stdout');
      Object.defineProperty(process, 'stdout', { configurable: true, get() { seen.stdout ??= 'first'; return own.get.call(process); } });
      const { record } = require(${JSON.stringify(PACKAGE_ROOT)}).sandbox.lockdown({ allow: ['@node'] });
      const created = seen.stdout;
      process.stdout.write(JSON.stringify({ prebuilt: record.prebuilt, created }));`], { encoding: 'utf8' });
    expect(primed.status, primed.stderr).toBe(0);
    expect(JSON.parse(primed.stdout)).toEqual({ prebuilt: false, created: 'first' });
    // ... because reopening a terminal (open read-write, no controlling terminal) is killed there.
    const killed = await runChild(`${PROBES}
      seccomp.sandbox.lockdown({ allow: ['@node'] });
      const c = seccomp.constants;
      report(raw('openat', -100, 0, c.O_RDWR | c.O_NOCTTY | c.O_CLOEXEC, 0).code);`);
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
