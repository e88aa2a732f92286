/**
 * sandbox.spawn / execFile / fork: children under their own filter from their first
 * instruction, the role presets, and a locked-down daemon that starts helpers.
 *
 * Filters are only ever loaded in children: here the exec helper loads the child's policy
 * into itself before it becomes the program, and the daemon tests run in runChild.
 */
import type { ChildProcess } from 'node:child_process';
import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Filter } from '../src/filter';
import type { Policy } from '../src/policy';
import { parsePolicy } from '../src/policy-file';
import {
  childPolicy, execFile, fork, parsePolicySpec, profile, profileNames, profiles, spawn, type ChildViolation,
} from '../src/children/spawn';
import { describe as describeResult, PACKAGE_ROOT, runChild } from './helpers/child';
import { expectChildReport } from './helpers/child-report';
import { PROBES_ADDON } from './helpers/probes';

const FIXTURES = path.join(__dirname, 'fixtures', 'spawn');
const TASK = path.join(FIXTURES, 'task.js');
const SPAWN_LIB = JSON.stringify(path.join(PACKAGE_ROOT, 'lib', 'children', 'spawn'));
let dir = '';
let server: http.Server;
let url = '';

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-spawn-'));
  fs.writeFileSync(path.join(dir, 'data.txt'), 'some data\n');
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'sub', 'inner.txt'), '');
  server = http.createServer((req, res) => res.end(`fetched ${req.url}`));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(() => {
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Ended { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; violation?: ChildViolation }

/** Collects a child's output and how it ended, and the violation event if there is one. */
function ended(child: ChildProcess): Promise<Ended> {
  let stdout = '';
  let stderr = '';
  let violation: ChildViolation | undefined;
  child.stdout?.on('data', (d: Buffer) => { stdout += d; });
  child.stderr?.on('data', (d: Buffer) => { stderr += d; });
  child.on('seccomp-violation', (v: ChildViolation) => { violation = v; });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      // the violation event follows 'exit' (on the next tick, or after the kernel log lookup)
      if (signal === 'SIGSYS' && !violation) child.once('seccomp-violation', (v: ChildViolation) => resolve({ code, signal, stdout, stderr, violation: v }));
      else setImmediate(() => resolve({ code, signal, stdout, stderr, violation }));
    });
  });
}

/** A forked task.js: ask(op) sends one request and waits for its answer. */
function task(policy: Policy, options: Parameters<typeof fork>[2] = {}) {
  const child = fork(TASK, [], { policy, stdio: ['pipe', 'pipe', 'pipe', 'ipc'], report: false, ...options });
  const done = ended(child);
  let next = 0;
  const pending = new Map<number, (v: { value?: unknown; error?: string }) => void>();
  child.on('message', (m: { id: number; value?: unknown; error?: string }) => pending.get(m.id)?.(m));
  type Answer = { value?: unknown; error?: string };
  const ask = (op: string, args: Record<string, unknown> = {}): Promise<Answer> => {
    const id = next++;
    return Promise.race<Answer>([
      new Promise<{ value?: unknown; error?: string }>((ok) => {
        pending.set(id, ({ value, error }) => ok(error === undefined ? { value } : { error }));
        child.send({ id, op, ...args });
      }),
      done.then((e) => ({ error: `ended: code=${e.code} signal=${e.signal} ${e.stderr}` })),
    ]);
  };
  return { child, ask, done };
}

/**
 * Waits until `child` (once it is `head`) sleeps in write(2), read from /proc/PID/syscall
 * (x86_64: write is 1). Resolves false if the child ends first. The deadline is only a guard
 * against a hung test; the wait ends on the state, normally within milliseconds.
 */
async function blockedInWrite(child: ChildProcess): Promise<boolean> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      if (fs.readlinkSync(`/proc/${child.pid}/exe`).endsWith('/head') && fs.readFileSync(`/proc/${child.pid}/syscall`, 'utf8').startsWith('1 ')) return true;
    } catch { /* not started yet, or gone */ }
    await new Promise((ok) => setTimeout(ok, 5));
  }
  return false;
}

function procStatus(pid: number) {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s*(\\d+)`, 'm').exec(text)?.[1]);
  return { seccomp: field('Seccomp'), filters: field('Seccomp_filters'), noNewPrivs: field('NoNewPrivs') };
}

/** The test runner's own filters (none, normally): a child adds exactly one. */
const runnerFilters = procStatus(process.pid).filters;

describe('the child policy', () => {
  it('needs a policy, takes one form of it, and adds @exec-start unless told not to', () => {
    expect(() => childPolicy({})).toThrow(expect.objectContaining({ code: 'ERR_SECCOMP_INVALID_OPTION' }));
    expect(() => childPolicy({ allow: ['@node'], policy: profile('compute') })).toThrow(/either `policy` or `allow`/);
    const withStart = childPolicy({ allow: ['@node'] });
    expect(withStart.rules.some((r) => r.syscall === 'arch_prctl')).toBe(true);
    const without = childPolicy({ allow: ['@node'], execStart: false });
    expect(without.rules.some((r) => r.syscall === 'arch_prctl')).toBe(false);
    // the presets already hold @exec-start: nothing is added twice
    expect(childPolicy({ policy: profile('compute') }).rules.length).toBe(
      new Set(profile('compute').rules.map((r) => JSON.stringify(r))).size);
    const filter = new Filter().allow('@node').allow('openat');
    expect(childPolicy({ policy: filter }).rules.some((r) => r.syscall === 'openat' && !r.conditions)).toBe(true);
    const file = path.join(dir, 'child.policy');
    fs.writeFileSync(file, '@node\nptrace: return EPERM\n');
    expect(childPolicy({ policy: file }).rules).toContainEqual({ syscall: 'ptrace', action: { errno: 'EPERM' } });
    expect(childPolicy({ allow: ['read'], defaultAction: { errno: 'EPERM' } }).defaultAction).toEqual({ errno: 'EPERM' });
  });

  it('refuses bad policies and options before anything starts', () => {
    expect(() => spawn('cat', [], { allow: ['@node', 'opnat'] })).toThrow(expect.objectContaining({ code: 'ERR_SECCOMP_UNKNOWN_SYSCALL' }));
    expect(() => spawn('cat', [], { allow: ['@nod'] })).toThrow(expect.objectContaining({ code: 'ERR_SECCOMP_UNKNOWN_GROUP' }));
    expect(() => spawn('cat', [], { allow: ['@node', { syscall: 'execve', action: 'kill-process' }] }))
      .toThrow(expect.objectContaining({ code: 'ERR_SECCOMP_RULE_CONFLICT' }));
    expect(() => spawn('cat', [], { policy: profile('compute'), shell: true })).toThrow(/shell/);
    expect(() => spawn('cat', [], { policy: profile('compute'), argv0: 'x' })).toThrow(/argv0/);
    expect(() => spawn('cat', [], {} as never)).toThrow(/needs its policy/);
    expect(() => fork(TASK, [], { policy: path.join(dir, 'no-such.policy') })).toThrow(/cannot read policy/);
  });

  it('lists the presets; each is a policy file with a description', () => {
    expect(profileNames()).toEqual(expect.arrayContaining(['compute', 'daemon', 'fetcher', 'file-reader']));
    const all = profiles();
    expect(all.compute.groups).toEqual(['@node', '@exec-start']);
    expect(all.fetcher.groups).toEqual(['@node', '@exec-start', '@net-client', '@dns']);
    expect(all['file-reader'].groups).toEqual(['@node', '@exec-start', '@fs-read']);
    for (const p of Object.values(all)) expect(p.description.length).toBeGreaterThan(40);
    // compute without @exec-start opens nothing at all
    expect(profile('compute', { execStart: false }).rules.some((r) => r.syscall === 'openat' || r.syscall === 'open')).toBe(false);
    expect(() => profile('computer')).toThrow(/did you mean "compute"/);
  });

  it('reads the forms SECCOMP_NODE_POLICY may take: every policy string, and lockdown options as JSON', () => {
    expect(parsePolicySpec('@node,@fs-read, read')).toEqual({ policy: parsePolicy('@node\n@fs-read\nread: 1\n') });
    expect(parsePolicySpec('@node')).toEqual({ policy: parsePolicy('@node\n') });
    expect(parsePolicySpec('file-reader')).toEqual({ policy: profile('file-reader') });
    expect(parsePolicySpec('{"rules":[{"syscall":"read","action":"allow"}]}')).toEqual({ policy: { defaultAction: 'kill-process', rules: [{ syscall: 'read', action: 'allow' }] } });
    // policy JSON must say what each rule does
    expect(() => parsePolicySpec('{"rules":[{"syscall":"read"}]}')).toThrow(expect.objectContaining({ code: 'ERR_SECCOMP_INVALID_ACTION' }));
    expect(parsePolicySpec('{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}').policy)
      .toMatchObject({ rules: [{ syscall: 'read', action: 'allow' }] });
    // lockdown options (Landlock on the default profile) exist only here, as JSON
    expect(parsePolicySpec('{"fs":{"read":["/srv"]}}')).toEqual({ fs: { read: ['/srv'] } });
    expect(() => parsePolicySpec('./no-such.policy')).toThrow(expect.objectContaining({ code: 'ERR_SECCOMP_POLICY_FILE' }));
    expect(() => parsePolicySpec(' ')).toThrow(/empty/);
    expect(() => parsePolicySpec('{nope')).toThrow(expect.objectContaining({ code: 'ERR_SECCOMP_POLICY_SYNTAX' }));
  });
});

describe('sandbox.spawn', () => {
  it('returns the program itself: same pid, its own /proc entry, its filter, its output and exit code', async () => {
    const child = spawn('cat', [], { policy: profile('file-reader'), report: false });
    const result = ended(child);
    // cat waits for stdin: look at it while it runs, once the helper has become cat (polled;
    // the 10 s bound only stops a hung test)
    await new Promise((ok) => child.once('spawn', ok));
    let exe = '';
    for (let i = 0; i < 1000 && !exe.endsWith('/cat'); i++) {
      await new Promise((ok) => setTimeout(ok, 10));
      exe = fs.readlinkSync(`/proc/${child.pid}/exe`);
    }
    expect(exe).toMatch(/\/cat$/);
    expect([child.spawnfile, child.spawnargs]).toEqual(['cat', ['cat']]);
    expect(procStatus(child.pid!)).toEqual({ seccomp: 2, filters: runnerFilters + 1, noNewPrivs: 1 });
    child.stdin!.end('through the pipe\n');
    const r = await result;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('through the pipe\n');

    const node = spawn(process.execPath, ['-e', 'console.log(process.pid); process.exitCode = 3'], { policy: profile('compute'), report: false });
    const n = await ended(node);
    expect(n.code, n.stderr).toBe(3);
    expect(n.stdout.trim()).toBe(String(node.pid));
  });

  it('runs the job a policy allows, and kills the program on what it forbids', async ({ annotate }) => {
    const cat = await ended(spawn('cat', [path.join(dir, 'data.txt')], { policy: profile('file-reader'), report: false }));
    expect(cat.code, cat.stderr).toBe(0);
    expect(cat.stdout).toBe('some data\n');
    const target = path.join(dir, 'touched');
    const touchChild = spawn('touch', [target], { policy: profile('file-reader'), report: false });
    const touch = await ended(touchChild);
    expect(touch.signal).toBe('SIGSYS');
    expect(fs.existsSync(target)).toBe(false);
    // touch creates the missing file with openat(O_CREAT): file-reader allows read-only opens
    await annotate(expectChildReport(touch.violation, { pid: touchChild.pid!, command: 'touch', syscall: 'openat' }));
    // a program under the policy cannot exec anything else
    const sh = await ended(spawn('/bin/sh', ['-c', '/bin/true; /bin/true'], { policy: profile('file-reader'), report: false }));
    expect(sh.signal).toBe('SIGSYS');
  });

  it('passes stdio beyond the first three, the environment without its own variable, and NODE_OPTIONS to the program only', async () => {
    // SECCOMP_NODE_PREBUILD is node-gyp-build's variable (npm run test:asan sets it), not seccomp-node's
    const child = spawn(process.execPath, ['-e', `
      require('fs').writeSync(3, 'on fd 3');
      console.log(JSON.stringify(Object.keys(process.env).filter((k) => (k.startsWith('SECCOMP_NODE') && k !== 'SECCOMP_NODE_PREBUILD') || k === 'EXTRA')));`], {
      policy: profile('compute'), stdio: ['pipe', 'pipe', 'pipe', 'pipe'], report: false,
      env: { ...process.env, EXTRA: '1', NODE_OPTIONS: `--require ${path.join(FIXTURES, 'preload.js')}` },
    });
    let fd3 = '';
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => { fd3 += d; });
    const r = await ended(child);
    expect(r.code, r.stderr).toBe(0);
    expect(fd3).toBe('on fd 3');
    expect(JSON.parse(r.stdout)).toEqual(['EXTRA']);
    // preloaded once, in the program (same pid as the ChildProcess), never in the helper
    expect(r.stderr.trim().split('\n')).toEqual([`preloaded in ${child.pid}`]);
  });

  it('leaves a pipe as blocking as it came: a C program writing into a full pipe does not fail with EAGAIN', async () => {
    const plain = await ended(cp.spawn('cat', ['/proc/self/fdinfo/1']));
    const sandboxed = await ended(spawn('cat', ['/proc/self/fdinfo/1'], { policy: profile('file-reader'), report: false }));
    const flags = (text: string) => parseInt(/^flags:\s*([0-7]+)/m.exec(text)![1], 8) & fs.constants.O_NONBLOCK;
    expect(flags(sandboxed.stdout)).toBe(flags(plain.stdout));
    const child = spawn('head', ['-c', '4000000', '/dev/zero'], { policy: profile('file-reader'), report: false });
    child.stdout!.pause();
    // Nobody reads: wait until head blocks in write(2) on its full stdout. Were the pipe left
    // non-blocking, head would get EAGAIN there and exit instead, which ends the wait too.
    expect(await blockedInWrite(child)).toBe(true);
    let bytes = 0;
    child.stdout!.on('data', (d: Buffer) => { bytes += d.length; });
    child.stdout!.resume();
    const r = await ended(child);
    expect(r.code, r.stderr).toBe(0);
    expect(bytes).toBe(4_000_000);
  });

  it('fails like child_process.spawn for a program that does not exist, without running anything', async () => {
    const events: string[] = [];
    const child = spawn('no-such-program-seccomp', ['x'], { policy: profile('compute') });
    const error = await new Promise<NodeJS.ErrnoException & { path?: string; spawnargs?: string[] }>((ok) => child.on('error', ok));
    await new Promise((ok) => child.on('close', (code) => { events.push(`close ${code}`); ok(undefined); }));
    expect(error).toMatchObject({ code: 'ENOENT', syscall: 'spawn no-such-program-seccomp', path: 'no-such-program-seccomp', spawnargs: ['x'] });
    expect(events).toEqual(['close -2']);
    expect(child.pid).toBeUndefined();
  });
});

describe('sandbox.execFile', () => {
  it('collects output like child_process.execFile, callback and promisified', async () => {
    const out = await new Promise<string>((ok, ko) => execFile('cat', [path.join(dir, 'data.txt')], { policy: profile('file-reader') },
      (error, stdout) => (error ? ko(error) : ok(String(stdout)))));
    expect(out).toBe('some data\n');
    const { stdout } = await promisify(execFile)('cat', [path.join(dir, 'data.txt')], { policy: profile('file-reader'), encoding: 'utf8' });
    expect(stdout).toBe('some data\n');
  });

  it('reports a kill and a missing program as execFile does, naming the program', async () => {
    const target = path.join(dir, 'never');
    const error = await promisify(execFile)('touch', [target], { policy: profile('file-reader'), report: false })
      .then(() => undefined, (e: cp.ExecFileException) => e);
    expect(error).toMatchObject({ signal: 'SIGSYS', cmd: `touch ${target}` });
    expect(error!.message).toContain(`Command failed: touch ${target}`);
    const missing = await promisify(execFile)('no-such-program-seccomp', [], { policy: profile('compute') })
      .then(() => undefined, (e: cp.ExecFileException) => e);
    expect(missing).toMatchObject({ code: 'ENOENT' });
  });
});

describe('sandbox.fork and the compute preset', () => {
  it('delivers messages sent right after fork, and the running child has one filter more', async () => {
    const { child, ask, done } = task(profile('compute'));
    // sent before the program has even started: queued in the channel until it reads
    const answers = Promise.all([ask('square', { n: 7 }), ask('echo', { value: { a: [1, 'two'] } }), ask('status')]);
    const [square, echo, status] = await answers;
    expect(square).toEqual({ value: 49 });
    expect(echo).toEqual({ value: { a: [1, 'two'] } });
    const s = status.value as Record<string, unknown>;
    expect(s).toMatchObject({ pid: child.pid, seccomp: 2, filters: runnerFilters + 1, noNewPrivs: 1, env: [] });
    // started under the filter, Node could open no io_uring ring (Node 22 and later open three otherwise)
    expect(s.rings).toBe(0);
    // and seen from outside while it waits for the next message
    expect(procStatus(child.pid!)).toEqual({ seccomp: 2, filters: runnerFilters + 1, noNewPrivs: 1 });
    expect(fs.readlinkSync(`/proc/${child.pid}/exe`)).toBe(fs.realpathSync(process.execPath));
    expect(await ask('exit', { code: 0 })).toEqual({ value: 'bye' });
    const r = await done;
    expect(r.code, r.stderr).toBe(0);
  });

  it('kills a compute worker that opens a file for writing or a socket', async ({ annotate }) => {
    const writer = task(profile('compute'));
    expect(await writer.ask('square', { n: 3 })).toEqual({ value: 9 });
    await writer.ask('write', { file: path.join(dir, 'compute-out') });
    const w = await writer.done;
    expect(w.signal).toBe('SIGSYS');
    expect(fs.existsSync(path.join(dir, 'compute-out'))).toBe(false);
    await annotate(`write: ${expectChildReport(w.violation, { pid: writer.child.pid!, command: TASK, syscall: 'openat' })}`);

    const connector = task(profile('compute'));
    await connector.ask('socket');
    const c = await connector.done;
    expect(c.signal).toBe('SIGSYS');
    await annotate(`socket: ${expectChildReport(c.violation, { pid: connector.child.pid!, command: TASK, syscall: 'socket' })}`);

    const spawner = task(profile('compute'));
    await spawner.ask('exec');
    expect((await spawner.done).signal).toBe('SIGSYS');
  });

  it('lets a worker drop even read-only opens once its code is loaded', async () => {
    const { ask, done } = task(profile('compute'));
    expect(await ask('read', { file: path.join(dir, 'data.txt') })).toEqual({ value: 'some data\n' });
    expect(await ask('tighten')).toEqual({ value: runnerFilters + 2 });
    expect(await ask('square', { n: 12 })).toEqual({ value: 144 });
    await ask('read', { file: path.join(dir, 'data.txt') });
    expect((await done).signal).toBe('SIGSYS');
  });

  it('keeps fork() options: advanced serialization, execArgv, silent', async () => {
    const { ask, done } = task(profile('compute'), { serialization: 'advanced', execArgv: ['--max-old-space-size=64'] });
    const value = new Map<string, bigint>([['big', 2n ** 70n]]);
    expect(await ask('echo', { value })).toEqual({ value });
    await ask('exit', { code: 5 });
    expect((await done).code).toBe(5);
    const silent = fork(TASK, [], { policy: profile('compute'), silent: true, report: false });
    expect(silent.stdout).not.toBeNull();
    silent.send({ id: 0, op: 'exit', code: 0 });
    expect((await ended(silent)).code).toBe(0);
  });
});

describe('the fetcher and file-reader presets', () => {
  it('fetcher: fetches over HTTP; cannot write files or listen', async () => {
    const fetcher = task(profile('fetcher'));
    expect(await fetcher.ask('fetch', { url: `${url}/page` })).toEqual({ value: 'fetched /page' });
    await fetcher.ask('write', { file: path.join(dir, 'fetched') });
    expect((await fetcher.done).signal).toBe('SIGSYS');
    expect(fs.existsSync(path.join(dir, 'fetched'))).toBe(false);

    const listener = task(profile('fetcher'));
    await listener.ask('listen');
    expect((await listener.done).signal).toBe('SIGSYS');
  });

  it('file-reader: reads files and lists directories; cannot connect or write', async () => {
    const reader = task(profile('file-reader'));
    expect(await reader.ask('read', { file: path.join(dir, 'data.txt') })).toEqual({ value: 'some data\n' });
    expect(await reader.ask('list', { dir: path.join(dir, 'sub') })).toEqual({ value: ['inner.txt'] });
    await reader.ask('fetch', { url });
    expect((await reader.done).signal).toBe('SIGSYS');

    const writer = task(profile('file-reader'));
    await writer.ask('write', { file: path.join(dir, 'read-only') });
    expect((await writer.done).signal).toBe('SIGSYS');
    expect(fs.existsSync(path.join(dir, 'read-only'))).toBe(false);
  });
});

describe('the violation report in the parent', () => {
  it('writes one line naming the child and, when the kernel log says, the call', async ({ annotate }) => {
    const r = await runChild(`
      const { fork, profile } = require(${SPAWN_LIB});
      const child = fork(${JSON.stringify(TASK)}, [], { policy: profile('compute') });
      child.send({ id: 0, op: 'square', n: 4 });
      child.once('message', (m) => { report(m.value); child.send({ id: 1, op: 'socket' }); });
      child.on('exit', (code, signal) => report({ pid: child.pid, signal }));
      child.on('seccomp-violation', (v) => report(v));
    `);
    expect(r.code, describeResult(r)).toBe(0);
    const [square, exit, violation] = r.reports as [number, { pid: number; signal: string }, ChildViolation];
    expect(square).toBe(16);
    expect(exit.signal).toBe('SIGSYS');
    // the line printed is the event's line, once; the event agrees with the kernel's own record
    expect(r.stderr.split('\n').filter((l) => l.startsWith('seccomp-node:'))).toEqual([violation.line]);
    await annotate(expectChildReport(violation, { pid: exit.pid, command: TASK, syscall: 'socket' }));
  });

  it('says nothing with report: false', async () => {
    // The event comes right after the point where the line would be written: waiting for it
    // (not for a guessed delay) is waiting until the line could have appeared.
    const r = await runChild(`
      const { spawn, profile } = require(${SPAWN_LIB});
      const child = spawn('touch', [${JSON.stringify(path.join(dir, 'quiet'))}], { policy: profile('file-reader'), report: false });
      child.on('exit', (code, signal) => report(signal));
      child.on('seccomp-violation', (v) => report({ pid: v.pid === child.pid, line: v.line.startsWith('seccomp-node: child process ' + child.pid + ' (touch) was killed by SIGSYS') }));
    `);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.reports).toEqual(['SIGSYS', { pid: true, line: true }]);
    expect(r.stderr).not.toMatch(/seccomp-node/);
  });
});

// What a daemon that starts helpers allows: the runtime, process creation and exec (with
// the launcher's channel and fork()'s IPC channel), and what every program needs before
// main() (the launcher and the program start under this filter too).
const SPAWNER_POLICY = `
  const spawnerPolicy = (entries) => ({ allow: ['@node', '@process', '@exec-start', ...entries] });
`;

/**
 * Filters a child of such a daemon adds: the guard and its own. @node answers some calls with
 * an errno (clone3, io_uring_setup, other ioctls and prctls), which outranks a notification;
 * for those the guard keeps the child's kill-process (src/children/launcher/notify.ts).
 */
const CHILD_OF_DAEMON_FILTERS = 2;

describe('a locked-down daemon that starts helpers', () => {
  it('starts a helper under a narrower filter; the helper cannot exec, and what the daemon execs keeps its filter', async () => {
    const data = path.join(dir, 'data.txt');
    const r = await runChild(`${SPAWNER_POLICY}
      const { spawn, profile } = require(${SPAWN_LIB});
      const fs = require('fs');
      seccomp.sandbox.lockdown(spawnerPolicy(['@fs-read']));
      const run = (command, args, watch) => new Promise((ok) => {
        const child = spawn(command, args, { policy: profile('file-reader') });
        let out = '', filters;
        child.stdout.on('data', (d) => { out += d; });
        // Wait for the exec itself (the helper becomes cat), not for a guessed delay.
        const afterExec = (started = Date.now()) => {
          let exe = '';
          try { exe = fs.readlinkSync('/proc/' + child.pid + '/exe'); } catch {}
          if (!exe.endsWith('/cat') && Date.now() - started < 10000) return setTimeout(() => afterExec(started), 20);
          filters = fs.readFileSync('/proc/' + child.pid + '/status', 'utf8').match(/^Seccomp_filters:\\s*(\\d+)/m)[1];
          child.stdin.end('from the daemon\\n');
        };
        if (watch) child.once('spawn', () => afterExec());
        else child.stdin.end();
        child.on('close', (code, signal) => ok({ code, signal, out, filters }));
      });
      report(await run('cat', [${JSON.stringify(data)}]));
      report(await run('cat', [], true));
      report(await run('/bin/sh', ['-c', '/bin/true; /bin/true']));
      // The daemon may exec (seccomp cannot check the path), but what it runs keeps the
      // daemon's filter: touch needs @fs-write.
      const touched = await new Promise((ok) => require('child_process').execFile('touch', [${JSON.stringify(path.join(dir, 'by-daemon'))}],
        (error) => ok(error && error.signal)));
      report(touched);
      report(seccomp.sandbox.status().filters);
    `);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.reports[0]).toMatchObject({ code: 0, signal: null, out: 'some data\n' });
    expect(r.reports[1]).toMatchObject({ code: 0, out: 'from the daemon\n', filters: String(runnerFilters + 1 + CHILD_OF_DAEMON_FILTERS) });
    expect(r.reports[2]).toMatchObject({ code: null, signal: 'SIGSYS' });
    expect(r.reports[3]).toBe('SIGSYS');
    expect(fs.existsSync(path.join(dir, 'by-daemon'))).toBe(false);
    expect(r.reports[4]).toBe(runnerFilters + 1);
    // the daemon is locked down, yet it supervises: the vfork that sh tried (to run the first
    // /bin/true) is named, with what would allow it
    expect(r.stderr).toMatch(/child process \d+ \(\/bin\/sh\) was killed by SIGSYS: blocked system call vfork \(nr 58, arch x86_64\) in thread \d+, args 0x[0-9a-f]+ .*; @process would allow it\n/);
  });

  it('forks a compute worker from a locked-down daemon', async () => {
    const r = await runChild(`${SPAWNER_POLICY}
      const { fork, profile } = require(${SPAWN_LIB});
      // @process holds its end of the IPC channel: recvmsg and sendmsg
      seccomp.sandbox.lockdown(spawnerPolicy(['@fs-read']));
      const child = fork(${JSON.stringify(TASK)}, [], { policy: profile('compute'), stdio: ['pipe', 'inherit', 'inherit', 'ipc'] });
      child.send({ id: 0, op: 'square', n: 9 });
      child.send({ id: 1, op: 'status' });
      child.on('message', (m) => { if (m.id < 2) report(m.value); if (m.id === 1) child.send({ id: 2, op: 'exit', code: 0 }); });
      child.on('exit', (code, signal) => report({ code, signal }));
    `);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.reports[0]).toBe(81);
    expect(r.reports[1]).toMatchObject({ seccomp: 2, filters: runnerFilters + 1 + CHILD_OF_DAEMON_FILTERS });
    expect(r.reports[2]).toEqual({ code: 0, signal: null });
  });

  it('cannot start anything under the default profile: the daemon dies at the clone', async () => {
    const r = await runChild(`
      const { spawn, profile } = require(${SPAWN_LIB});
      seccomp.sandbox.lockdown();
      report('locked');
      spawn('cat', [], { policy: profile('file-reader') });
      report('spawned');
    `);
    expect(r.reports).toEqual(['locked']);
    expect(r.signal).toBe('SIGSYS');
    expect(r.violation?.syscall).toBe('clone');
  });
});

describe('supervised children: every violation named, by the parent', () => {
  it('fork() keeps its IPC channel under a plain allow list (@node): both ways, many messages, and what is forbidden still kills', async () => {
    // The IPC channel's recvmsg and sendmsg are added to every forked child's policy, on that
    // descriptor, as @exec-start is: @node alone has neither.
    const child = fork(TASK, [], { allow: ['@node'], stdio: ['pipe', 'pipe', 'pipe', 'ipc'], report: false });
    const done = ended(child);
    const answers: unknown[] = [];
    const next = () => Promise.race([
      new Promise<unknown>((ok) => child.once('message', (m: { value?: unknown; error?: string }) => ok(m.value ?? m.error))),
      done.then((e) => { throw new Error(`the child ended (${e.signal ?? e.code}) before answering: ${e.violation?.line ?? e.stderr}`); }),
    ]);
    for (let i = 0; i < 20; i++) {
      const answer = next();
      child.send({ id: i, op: 'echo', value: { i, text: 'x'.repeat(1000 * i) } });
      answers.push(await answer);
    }
    expect(answers.map((a) => (a as { i: number }).i)).toEqual([...Array(20).keys()]);
    child.send({ id: 99, op: 'write', file: path.join(dir, 'ipc-write') });
    const r = await done;
    expect(r.signal).toBe('SIGSYS');
    expect(r.violation).toMatchObject({ syscall: 'openat', source: 'notification', groups: ['@fs-write'] });
    expect(fs.existsSync(path.join(dir, 'ipc-write'))).toBe(false);
  });

  it('names the call when the parent is an unprivileged user, who cannot read the kernel log', () => {
    const script = `
      const fs = require('fs');
      let kmsg;
      try { fs.closeSync(fs.openSync('/dev/kmsg', 'r')); kmsg = 'readable'; } catch (e) { kmsg = e.code; }
      const { spawn, profile } = require(${SPAWN_LIB});
      const child = spawn('touch', ['/tmp/seccomp-node-never-' + process.pid], { policy: profile('file-reader') });
      child.on('seccomp-violation', (v) => console.log(JSON.stringify({ kmsg, uid: process.getuid(), pid: child.pid, v })));`;
    const r = cp.spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', script],
      { encoding: 'utf8', cwd: os.tmpdir() });
    expect(r.status, r.stderr).toBe(0);
    const { kmsg, uid, pid, v } = JSON.parse(r.stdout) as { kmsg: string; uid: number; pid: number; v: ChildViolation };
    expect(uid).toBe(65534);
    expect(kmsg).toBe('EPERM'); // the old report could only say "unknown (dmesg not readable: EPERM)"
    expect(v).toMatchObject({ pid, command: 'touch', syscall: 'openat', nr: 257, arch: 'x86_64', source: 'notification', signal: 'SIGSYS' });
    expect(r.stderr).toContain(`seccomp-node: child process ${pid} (touch) was killed by SIGSYS: blocked system call openat (nr 257, arch x86_64)`);
    expect(r.stderr).toMatch(/; @fs-write would allow it\n/);
  });

  it('a process the child started is named and ended; the child lives on', async () => {
    const target = path.join(dir, 'by-grandchild');
    const child = spawn('/bin/sh', ['-c', `touch ${target}; echo $?`], { allow: ['@node', '@process'], report: false });
    const violations: ChildViolation[] = [];
    child.on('seccomp-violation', (v: ChildViolation) => violations.push(v));
    const r = await ended(child);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('159'); // sh saw touch die by SIGSYS
    expect(fs.existsSync(target)).toBe(false);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ pid: child.pid, syscall: 'openat', source: 'notification', signal: 'SIGSYS' });
    expect(violations[0].caller).not.toBe(child.pid);
    expect(violations[0].line).toMatch(new RegExp(`^seccomp-node: process ${violations[0].caller}, started by child process ${child.pid} \\(/bin/sh\\), was killed by SIGSYS: blocked system call openat`));
  });

  it('a program that catches SIGSYS is ended with SIGKILL, and the call still never runs', async () => {
    const { groups } = await import('../src/groups');
    // @node with rt_sigaction allowed outright, so that the program can install a SIGSYS handler
    const rules = groups()['@node'].rules.filter((r) => r.syscall !== 'rt_sigaction');
    const target = path.join(dir, 'caught');
    const child = spawn(process.execPath, ['-e', `
      process.on('SIGSYS', () => process.stdout.write('handled\\n'));
      require('fs').mkdirSync(${JSON.stringify(target)});
      console.log('made');`], { policy: { defaultAction: 'kill-process', rules: [...rules, { syscall: 'rt_sigaction', action: 'allow' }] }, report: false });
    const r = await ended(child);
    expect(r.signal).toBe('SIGKILL');
    expect(r.stdout).not.toContain('made');
    expect(fs.existsSync(target)).toBe(false);
    expect(r.violation).toMatchObject({ syscall: 'mkdir', signal: 'SIGKILL', source: 'notification' });
    expect(r.violation!.line).toContain('was killed (SIGKILL: it catches or ignores SIGSYS)');
  });

  it('a locked-down parent whose filter answers a call with an errno does not save a child its policy kills there', async () => {
    // @node answers prctl options it does not list with EPERM; an errno outranks a
    // notification, so without the guard the child would get EPERM and live on.
    const r = await runChild(`${SPAWNER_POLICY}
      const { spawn } = require(${SPAWN_LIB});
      const node = seccomp.groups()['@node'];
      const probes = ${JSON.stringify(PROBES_ADDON)};
      seccomp.sandbox.lockdown(spawnerPolicy(['@fs-read']));
      // the child's @node without the prctl EPERM rule (other prctl options are killed), and
      // @fs-read to load the addons it calls prctl with
      const rules = node.rules.filter((r) => !(r.syscall === 'prctl' && typeof r.action === 'object'));
      const child = spawn(process.execPath, ['-e', \`
        const probes = require(\${JSON.stringify(probes)});
        const { binding } = require(${JSON.stringify(path.join(PACKAGE_ROOT, 'lib', 'native'))});
        console.log(JSON.stringify(probes.rawSyscall('native', binding.resolveSyscall('prctl'), binding.constants.PR_SET_KEEPCAPS, 1)));\`],
        { allow: [...rules, '@fs-read'], report: false });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      child.on('exit', (code, signal) => report({ code, signal, out }));
    `);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.reports[0]).toMatchObject({ code: null, signal: 'SIGSYS', out: '' });
  });
});
