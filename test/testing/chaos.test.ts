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

describe('examples/chaos-demo.js', () => {
  it('shows what Node does when write, openat, connect and getrandom fail', async () => {
    // 60 s: only a guard against a demo that never ends (it takes about 12 s, 10 of them the hang)
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(__dirname, '..', '..', 'examples', 'chaos-demo.js')],
      { timeout: 60_000 });
    expect(stdout).toMatch(/ {2}write=EIO {13}crashed \(signal SIGABRT\)/);
    expect(stdout).toMatch(/ {2}openat=EIO {12}carried on \(exit status 0\)/);
    expect(stdout).toContain('config: defaults (could not read the configuration: EIO)');
    expect(stdout).toMatch(/ {2}connect=ECONNREFUSED {2}exited with status 1/);
    expect(stdout).toContain('server unreachable: ECONNREFUSED');
    expect(stdout).toMatch(/ {2}getrandom=EIO {9}hung: killed after 10000 ms/);
    // Hung where the README says: it printed its request id, then spun in c-ares's getrandom
    // retries at its first connection, and printed nothing more (not a slow start cut short).
    expect(stdout).toMatch(/--fail getrandom=EIO: the program hung: killed after 10000 ms\n {4}\| config: \d+ bytes of configuration\n {4}\| request id: [0-9a-f]{16}\n\nsummary\n/);
  });
});
