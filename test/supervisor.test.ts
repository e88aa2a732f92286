/**
 * When the supervisor dies first. A supervised child's calls outside its policy wait for
 * the parent's supervisor thread; if the parent dies, the listener closes and the kernel
 * fails those calls with ENOSYS: they still never run. A child started from the main thread
 * dies with its parent (PR_SET_PDEATHSIG, set by the launcher); one started from a Worker is
 * not tied to that thread's life, so it lives on and gets ENOSYS.
 *
 * Each parent is a runChild process that starts the child, waits until it runs, and kills
 * itself with SIGKILL. The child makes its forbidden call (mkdir) only when its stdin ends,
 * which is when its parent is gone.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describe as describeResult, PACKAGE_ROOT, runChild } from './helpers/child';

const SPAWN_LIB = JSON.stringify(path.join(PACKAGE_ROOT, 'lib', 'children', 'spawn'));
let dir = '';

beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-supervisor-')); });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * The child: says it runs, then on the end of its stdin tries mkdir and says how that went
 * (on stdout, when it has one), and stays (so that only a signal ends it).
 */
function childScript(target: string): string {
  return `
    process.stderr.write('running\\n');
    process.stdin.on('end', () => {
      let how;
      try { require('fs').mkdirSync(${JSON.stringify(target)}); how = 'made'; } catch (e) { how = e.code; }
      try { process.stdout.write('@@' + JSON.stringify({ mkdir: how }) + '\\n'); } catch {}
      if (${JSON.stringify(target)}.endsWith('stays')) setInterval(() => {}, 1000);
    });
    process.stdin.resume();`;
}

/** The parent's part: spawn (in this thread or a Worker), report the child's pid once it runs, then die. */
function parentScript(target: string, fromWorker: boolean): string {
  // The child that stays must not hold runChild's stdout, or runChild would wait for it.
  const stdout = target.endsWith('stays') ? 'ignore' : 'inherit';
  const start = `
    const { spawn } = require(${SPAWN_LIB});
    const child = spawn(process.execPath, ['-e', ${JSON.stringify(childScript(target))}],
      { allow: ['@node'], stdio: ['pipe', '${stdout}', 'pipe'], report: false });
    child.stderr.once('data', () => post({ pid: child.pid }));`;
  return fromWorker ? `
    const { Worker } = require('worker_threads');
    const worker = new Worker(${JSON.stringify(`const post = (m) => require('worker_threads').parentPort.postMessage(m);${start}`)}, { eval: true });
    worker.once('message', (m) => { report(m); process.kill(process.pid, 'SIGKILL'); });
    await new Promise(() => {});` : `
    const post = (m) => { report(m); process.kill(process.pid, 'SIGKILL'); };
    ${start}
    await new Promise(() => {});`;
}

function alive(pid: number): boolean {
  try {
    // a zombie is dead too: it waits only for its new parent to reap it
    return !/^\d+ \(.*\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Waits for `pid` to end. The bound only stops a hung test; the wait ends when the process does. */
async function ends(pid: number): Promise<boolean> {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
    if (!alive(pid)) return true;
    await new Promise((ok) => setTimeout(ok, 10));
  }
  return false;
}

describe('the supervisor dies first', () => {
  it('a child started from the main thread dies with it, and its call never runs', async () => {
    // This child would stay forever: only the death signal ends it. (It may have seen its
    // stdin end before that signal reached it; its call then failed, with ENOSYS.)
    const target = path.join(dir, 'main-thread-stays');
    const r = await runChild(parentScript(target, false));
    expect(r.signal, describeResult(r)).toBe('SIGKILL');
    const { pid } = r.reports[0] as { pid: number };
    try {
      expect(await ends(pid)).toBe(true);
    } finally {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone, as it should be */ }
    }
    expect(fs.existsSync(target)).toBe(false);
  });

  it('a child started from a Worker lives on: its call fails with ENOSYS instead of running', async () => {
    const target = path.join(dir, 'worker');
    const r = await runChild(parentScript(target, true));
    expect(r.signal, describeResult(r)).toBe('SIGKILL');
    const [{ pid }, outcome] = r.reports as [{ pid: number }, { mkdir: string }];
    expect(pid).toBeGreaterThan(0);
    // runChild's result came when the child, which shares its stdout, had ended too
    expect(outcome).toEqual({ mkdir: 'ENOSYS' });
    expect(fs.existsSync(target)).toBe(false);
  });
});
