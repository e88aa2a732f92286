/**
 * The learn loop end to end, on real programs and real filters: learn, then run the same
 * program under the learned policy (`seccomp-node run`) without a violation, and see that
 * what the run did not do stays forbidden. learn watches through seccomp user notification
 * by default; the tests that say so use strace (apt-get install -y strace), which also
 * proposes Landlock rules.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { learn as learnCli } from '../../src/cli/learn';
import { learn, learnCommand } from '../../src/learn';
import { findStrace } from '../../src/learn/strace';
import { watchKernelLog } from '../../src/testing/kernel-log';
import { reportLine, runChild } from '../helpers/child';

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(PACKAGE_ROOT, 'bin', 'seccomp-node.js');
let dir = '';
let server = '';
let gzip = '';

/**
 * `seccomp-node run --policy FILE -- COMMAND...`, exactly as users run it; `why` has run's
 * own line naming the call it stopped (on stderr), or the kernel log's.
 */
function runUnder(policy: string, command: string, ...args: string[]) {
  const log = watchKernelLog();
  try {
    const r = spawnSync(process.execPath, [BIN, 'run', '--policy', policy, '--', command, ...args],
      { cwd: dir, encoding: 'utf8', input: '' });
    const killed = r.signal === 'SIGSYS' && r.pid ? log?.findSync(r.pid)?.syscall : undefined;
    return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr,
      why: `${command} ${args.join(' ')}: status ${r.status}, signal ${r.signal}${killed ? ` on ${killed}` : ''}\n${r.stderr}` };
  } finally {
    log?.close();
  }
}

function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const status = learnCli.run(argv, { stdout: (t) => { stdout += String(t); }, stderr: (t) => { stderr += t; } });
  return { status, stdout, stderr };
}

beforeAll(() => {
  findStrace(); // a clear failure, with how to install strace, when it is missing
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-learn-e2e-'));
  // examples/learn-server.js: an HTTP server that serves a few requests from a client in the
  // same process, then exits; with --log FILE it also writes a file.
  server = path.join(PACKAGE_ROOT, 'examples', 'learn-server.js');
  // A command-line program: reads a file, writes its gzip.
  gzip = path.join(dir, 'gzip.js');
  fs.writeFileSync(gzip, `
    const fs = require('fs');
    const zlib = require('zlib');
    const [from, to] = process.argv.slice(2);
    fs.writeFileSync(to, zlib.gzipSync(fs.readFileSync(from)));
    console.log('wrote', fs.statSync(to).size > 0);`);
  fs.writeFileSync(path.join(dir, 'input.txt'), 'some text to compress\n'.repeat(100));
});

describe('learn, then run under the learned policy', () => {
  it('a Node HTTP server (examples/learn-server.js): the learned policy serves it again; a write it never did is killed', async () => {
    const r = await learnCommand(process.execPath, [server], { cwd: dir });
    expect(r.exit).toEqual({ code: 0, signal: null, timedOut: false });
    const size = `${fs.statSync(server).size} bytes`;
    const expected = `hello /, ${size}, hello /a, ${size}, hello /b`;
    expect(r.stdout!.trim()).toBe(expected);
    expect(r.partialGroups).toEqual({});
    expect(r.groups).toEqual(["@node"]); // the runtime baseline for a Node program
    // and the policy names the runtime it was learned on (CI runs this on every supported Node)
    expect(r.text).toMatch(new RegExp(`^# run: .*, Node ${process.version.replace(/\./g, '\\.')} on x86_64, exit status 0\\)$`, 'm'));
    expect(r.text).toMatch(/^socket: arg0 == AF_INET && arg1 & 0xf == SOCK_STREAM/m);
    expect(r.text).toMatch(/^(bind|listen|accept4): 1/m);
    expect(r.text).toMatch(/^openat: arg2 & O_ACCMODE\|O_CREAT\|O_TRUNC == O_RDONLY {2}#/m);
    const policy = path.join(dir, 'server.policy');
    fs.writeFileSync(policy, r.text);
    for (let i = 0; i < 3; i++) {
      const again = runUnder(policy, process.execPath, server);
      expect(again.status, again.why).toBe(0);
      expect(again.stdout.trim()).toBe(expected);
    }
    const log = path.join(dir, 'server.log');
    const writes = runUnder(policy, process.execPath, server, '--log', log);
    expect(writes.signal, writes.why).toBe('SIGSYS');
    expect(fs.existsSync(log)).toBe(false);
  });

  it('a Node command-line program, learned with the CLI, and strictly', () => {
    const out = path.join(dir, 'out.gz');
    const policy = path.join(dir, 'gzip.policy');
    const input = path.join(dir, 'input.txt');
    const learned = cli('--out', policy, '--', process.execPath, gzip, input, out);
    expect(learned.status, learned.stderr).toBe(0);
    expect(learned.stderr).toMatch(/wrote .*gzip\.policy: \d+ calls observed, \d+ different calls allowed, groups @node; the program exited with status 0/);
    const text = fs.readFileSync(policy, 'utf8');
    expect(text).toMatch(/^openat: .*O_WRONLY\|O_CREAT\|O_TRUNC/m);
    fs.rmSync(out);
    const again = runUnder(policy, process.execPath, gzip, input, out);
    expect(again.status, again.why).toBe(0);
    expect(again.stdout.trim()).toBe('wrote true');
    expect(fs.statSync(out).size).toBeGreaterThan(0);
    // Not learned: creating a directory, or starting a process.
    expect(runUnder(policy, process.execPath, '-e', 'require("fs").mkdirSync("d")').signal).toBe('SIGSYS');
    expect(runUnder(policy, process.execPath, '-e', 'require("child_process").execFileSync("/bin/true")').signal).toBe('SIGSYS');

    // --strict: exactly the calls seen, no @node
    const strict = path.join(dir, 'gzip-strict.policy');
    expect(cli('--strict', '--out', strict, '--', process.execPath, gzip, input, out).status).toBe(0);
    const strictText = fs.readFileSync(strict, 'utf8');
    expect(strictText).not.toMatch(/^@node$/m);
    expect(strictText).toMatch(/^futex: 1/m);
  });

  it('a C program (ls): strict learning, a second run merged in, and what neither run did stays killed', () => {
    const policy = path.join(dir, 'ls.policy');
    const learned = cli('--out', policy, '--', 'ls', dir);
    expect(learned.status, learned.stderr).toBe(0);
    expect(fs.readFileSync(policy, 'utf8')).not.toMatch(/^@node$/m); // not a Node program: no baseline
    const short = runUnder(policy, 'ls', dir);
    expect(short.status, short.why).toBe(0);
    // `ls -l` also reads owners and extended attributes, which the first run never did
    const long = runUnder(policy, 'ls', '-l', dir);
    expect(long.signal, long.why).toBe('SIGSYS');
    const merged = cli('--merge', policy, '--', 'ls', '-l', dir);
    expect(merged.status, merged.stderr).toBe(0);
    expect(merged.stderr).toContain(`wrote ${policy}`);
    const text = fs.readFileSync(policy, 'utf8');
    expect(text.match(/^# run: ls /gm)).toHaveLength(2);
    for (const args of [['-l', dir], [dir]]) {
      const again = runUnder(policy, 'ls', ...args);
      expect(again.status, `${again.why}\n${text}`).toBe(0);
    }
    const touch = runUnder(policy, 'touch', path.join(dir, 'new'));
    expect(touch.signal, touch.why).toBe('SIGSYS');
  });

  it('a daemon that does not exit: --timeout stops it with SIGTERM, and its shutdown is learned too', () => {
    const daemon = path.join(dir, 'daemon.js');
    const stopped = path.join(dir, 'stopped');
    // Its shutdown makes a call nothing else in it makes (mkdir), so the learned policy shows
    // whether the SIGTERM handler really ran under strace.
    fs.writeFileSync(daemon, `
      const s = require('net').createServer().listen(0, '127.0.0.1');
      process.on('SIGTERM', () => { s.close(); require('fs').mkdirSync(${JSON.stringify(stopped)}); });`);
    const policy = path.join(dir, 'daemon.policy');
    // The timeout is the feature under test, so a clock remains: the daemon is listening, its
    // handler in place, within about 0.3 s under strace on two loaded cores; 5 s leave a
    // margin a busy machine does not use up (and the mkdir below tells if it ever did).
    const r = cli('--timeout', '5000', '--out', policy, '--', process.execPath, daemon);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('the program was stopped after the timeout');
    expect(fs.statSync(stopped).isDirectory()).toBe(true);
    const text = fs.readFileSync(policy, 'utf8');
    expect(text).toMatch(/^# run: .*stopped by learn after the timeout\)$/m);
    expect(text).toMatch(/^mkdir: 1/m);
  });

  it('exit status 3 when the program fails; errors for a missing strace and bad usage', () => {
    const failing = cli('--out', path.join(dir, 'fail.policy'), '--', process.execPath, '-e', 'process.exit(4)');
    expect(failing.status).toBe(3);
    expect(failing.stderr).toMatch(/exited with status 4\n.*warning: the program did not succeed/);
    expect(() => cli('--strace', path.join(dir, 'no-strace'), '--', 'true')).toThrow(/learn needs strace.*apt-get install -y strace/);
    expect(() => cli('--out', 'x')).toThrow(/name the program/);
    expect(() => cli('--strict', '--group', '@node', '--', 'true')).toThrow(/do not go together/);
    expect(() => cli('--group', 'node', '--', 'true')).toThrow(/group name such as @node/);
  });
});

describe('the two observers', () => {
  it('seccomp needs no ptrace: it learns where strace cannot trace; strace adds the Landlock proposal', async () => {
    const learnModule = JSON.stringify(path.join(PACKAGE_ROOT, 'lib', 'learn'));
    const input = path.join(dir, 'input.txt');
    // A process that may not ptrace (as in a container without SYS_PTRACE): its filter
    // answers ptrace with EPERM, for strace too, which runs under it.
    const r = await runChild(`
      const { learnCommand } = require(${learnModule});
      seccomp.sandbox.lockdown({ policy: { defaultAction: 'allow', rules: [{ syscall: 'ptrace', action: { errno: 'EPERM' } }] } });
      const args = [${JSON.stringify(gzip)}, ${JSON.stringify(input)}, ${JSON.stringify(path.join(dir, 'no-ptrace.gz'))}];
      const learned = await learnCommand(process.execPath, args, { cwd: ${JSON.stringify(dir)} });
      report({ exit: learned.exit, text: learned.text });
      const traced = await learnCommand(process.execPath, args, { cwd: ${JSON.stringify(dir)}, observer: 'strace' })
        .then(() => 'learned', (e) => e.message);
      report(traced);
    `, { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const [learned, traced] = r.reports as [{ exit: unknown; text: string }, string];
    expect(learned.exit).toEqual({ code: 0, signal: null, timedOut: false });
    expect(learned.text).toMatch(/watched with seccomp user notification/);
    expect(learned.text).toMatch(/^openat: .*O_WRONLY\|O_CREAT\|O_TRUNC/m);
    expect(learned.text).toMatch(/^# Note: paths and socket addresses were not watched .* --observer strace/m);
    expect(learned.text).not.toMatch(/^@fs /m);
    expect(traced).toMatch(/learn recorded nothing.*ptrace/);
    // and the policy learned that way runs the program
    const policy = path.join(dir, 'no-ptrace.policy');
    fs.writeFileSync(policy, learned.text);
    const again = runUnder(policy, process.execPath, gzip, input, path.join(dir, 'again.gz'));
    expect(again.status, again.why).toBe(0);

    // strace, where it may trace, also proposes the paths
    const withPaths = await learnCommand(process.execPath, [gzip, input, path.join(dir, 'paths.gz')], { cwd: dir, observer: 'strace' });
    expect(withPaths.text).toMatch(/watched with strace/);
    expect(withPaths.text).toMatch(new RegExp(`^@fs (read|write) .*${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
  });
});

describe('in-process learning', () => {
  it('a daemon learns during a warm-up, locks down with the result, and keeps serving; what it never did is killed', async () => {
    const learnModule = JSON.stringify(path.join(PACKAGE_ROOT, 'lib', 'learn'));
    const body = (afterwards: string) => `
      const http = require('http');
      const fs = require('fs');
      const { learn } = require(${learnModule});
      const server = http.createServer((req, res) => {
        if (req.url === '/file') fs.readFile(${JSON.stringify(server)}, (e, d) => res.end(e ? 'error' : 'file'));
        else res.end('hello');
      });
      const get = (p) => new Promise((resolve, reject) => http.get({ host: '127.0.0.1', port: server.address().port, path: p }, (res) => {
        let body = ''; res.on('data', (d) => { body += d; }); res.on('end', () => resolve(body));
      }).on('error', reject));
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      const session = await learn.start();
      for (const p of ['/', '/file', '/x']) await get(p);
      const learned = await session.stop();
      report({ groups: learned.groups, hasSocket: /^accept4: 1/m.test(learned.text) });
      seccomp.sandbox.lockdown({ policy: learned.policy });
      const out = [];
      for (const p of ['/', '/file', '/y', '/file']) out.push(await get(p));
      report(out);
      ${afterwards}
      server.close();`;
    const ok = await runChild(body(''));
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.reports).toEqual([{ groups: ['@node'], hasSocket: true }, ['hello', 'file', 'hello', 'file']]);
    const forbidden = await runChild(body('fs.mkdirSync(__dirname + "/never");'));
    expect(forbidden.signal).toBe('SIGSYS');
    expect(reportLine(forbidden.stderr)).toMatchObject({ syscall: 'mkdir', main: true });
  });

  it('learn.start() then stop() in the test process itself (no lockdown): the policy for what happened between', async () => {
    const session = await learn.start({ groups: [] });
    fs.writeFileSync(path.join(dir, 'in-process.txt'), 'x');
    fs.renameSync(path.join(dir, 'in-process.txt'), path.join(dir, 'in-process-2.txt'));
    const r = await session.stop();
    expect(r.text).toContain('# Use: sandbox.lockdown({ policy: THIS_FILE })');
    expect(r.text).toMatch(/^rename: 1/m);
    expect(r.text).toMatch(/^openat: arg2 & O_ACCMODE\|O_CREAT\|O_TRUNC == O_WRONLY\|O_CREAT\|O_TRUNC/m);
    expect(r.text).not.toMatch(/^kill: /m); // stop()'s own signal to strace is left out
  });
});
