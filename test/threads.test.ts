/**
 * TSYNC: lockdown() reaches the threads that already exist and are busy when it is called,
 * not only those started afterwards (a thread created later inherits its creator's filter
 * whether or not the load synchronised the others, so such tests cannot tell). Each test
 * starts the threads first, keeps them working across the lockdown, then has that very
 * thread make a call the policy forbids, and checks that the kill or the errno happened on
 * it: the report line names its thread id (not the main thread), the errno surfaces inside
 * the Worker. With the load's TSYNC flag off, each of these goes red.
 */
import { describe as group, expect, it } from 'vitest';
import { describe, runChild } from './helpers/child';
import { PROBES } from './helpers/probes';

/** In the child: the ids of this process's threads. */
const TIDS = `const tids = () => require('fs').readdirSync('/proc/self/task').map(Number);`;

group('threads that exist and are busy before lockdown', () => {
  it('the libuv pool, with work in flight across the lockdown: a later open on a pool thread is killed, on that thread', async () => {
    const r = await runChild(`${TIDS}
      const fs = require('fs'), crypto = require('crypto');
      const beforePool = tids();
      // the pool's first job starts all of its threads
      await new Promise((ok) => fs.stat('/', ok));
      const pool = tids().filter((t) => !beforePool.includes(t));
      // keep every pool thread computing while the filter is loaded
      const jobs = Array.from({ length: 4 }, () => new Promise((ok, ko) =>
        crypto.pbkdf2('pw', 'salt', 300000, 32, 'sha256', (e, key) => (e ? ko(e) : ok(key.length)))));
      const state = (tid) => fs.readFileSync('/proc/self/task/' + tid + '/stat', 'utf8').replace(/^.*\\) /s, '')[0];
      const runningAtLockdown = pool.filter((tid) => state(tid) === 'R').length;
      seccomp.sandbox.lockdown({ allow: ['@node'] });
      // allowed work carries on under the filter
      const keys = await Promise.all(jobs);
      report({ pid: process.pid, pool, runningAtLockdown, keys });
      // forbidden: openat, made by one of those same pool threads
      fs.readFile('/etc/hostname', (error) => report({ read: error ? error.code : 'read' }));
    `);
    expect(r.signal, describe(r)).toBe('SIGSYS');
    const [first, ...rest] = r.reports as [{ pid: number; pool: number[]; runningAtLockdown: number; keys: number[] }];
    expect(rest).toEqual([]);
    expect(first.pool.length).toBeGreaterThanOrEqual(4);
    expect(first.runningAtLockdown).toBeGreaterThan(0);
    expect(first.keys).toEqual([32, 32, 32, 32]);
    expect(r.violation).toMatchObject({ syscall: 'openat', arch: 'x86_64', main: false });
    expect(first.pool).toContain(r.violation!.thread);
  });

  it('a Worker looping before lockdown gets the errno inside the Worker, on its own thread', async () => {
    const r = await runChild(`
      const { Worker } = require('worker_threads');
      const go = new Int32Array(new SharedArrayBuffer(4));
      const worker = new Worker(\`
        const { parentPort, workerData } = require('worker_threads');
        const fs = require('fs');
        const tid = () => Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
        parentPort.postMessage({ tid: tid() });
        // busy: a spin that makes no system call, until the main thread says go
        let spins = 0;
        while (Atomics.load(workerData, 0) === 0) spins++;
        let made;
        try { fs.mkdirSync(require('path').join(require('os').tmpdir(), 'tsync-' + process.pid + '-' + tid())); made = 'created'; }
        catch (e) { made = e.code; }
        parentPort.postMessage({ made, tid: tid(), spun: spins > 0 });
      \`, { eval: true, workerData: go });
      const messages = [];
      const next = () => new Promise((ok, ko) => { worker.once('message', ok); worker.once('error', ko); });
      messages.push(await next());
      // mkdir is answered with EXDEV, an errno mkdir itself never returns
      seccomp.sandbox.lockdown({ allow: ['@node', '@fs-read', { syscall: 'mkdir', action: { errno: 'EXDEV' } }] });
      const answer = next();
      Atomics.store(go, 0, 1);
      messages.push(await answer);
      let main;
      try { require('fs').mkdirSync('/tmp/tsync-main-' + process.pid); main = 'created'; } catch (e) { main = e.code; }
      await worker.terminate();
      report({ pid: process.pid, messages, main });
    `);
    expect(r.code, describe(r)).toBe(0);
    const [out] = r.reports as [{ pid: number; messages: [{ tid: number }, { made: string; tid: number; spun: boolean }]; main: string }];
    const [before, after] = out.messages;
    expect(before.tid).not.toBe(out.pid);
    expect(after).toEqual({ made: 'EXDEV', tid: before.tid, spun: true });
    expect(out.main).toBe('EXDEV');
  });

  it('a Worker looping before lockdown that then opens a socket is killed, and the line names its thread', async () => {
    const r = await runChild(`
      const { Worker } = require('worker_threads');
      const go = new Int32Array(new SharedArrayBuffer(4));
      const worker = new Worker(\`
        const { parentPort, workerData } = require('worker_threads');
        parentPort.postMessage(Number(require('fs').readlinkSync('/proc/thread-self').split('/').pop()));
        while (Atomics.load(workerData, 0) === 0);
        const server = require('net').createServer().listen(0, '127.0.0.1', () => { parentPort.postMessage('listening'); server.close(); });
      \`, { eval: true, workerData: go });
      worker.on('message', (m) => report(m));
      worker.on('error', (e) => report('worker error: ' + e.message));
      const tid = await new Promise((ok) => worker.once('message', ok));
      seccomp.sandbox.lockdown({ allow: ['@node', '@fs-read'] });
      Atomics.store(go, 0, 1);
    `);
    expect(r.signal, describe(r)).toBe('SIGSYS');
    expect(r.reports).toHaveLength(1);
    const [tid] = r.reports as [number];
    expect(r.violation).toMatchObject({ syscall: 'socket', arch: 'x86_64', main: false, thread: tid });
  });

  it('a native thread, spinning before lockdown and unknown to Node, gets the errno and then the kill', async () => {
    const r = await runChild(`${PROBES}
      const tid = probes.startSpinningThread();
      // chroot is answered with EXDEV (chroot(NULL) itself fails with EFAULT); ptrace is not allowed at all
      seccomp.sandbox.lockdown({ allow: ['@node', { syscall: 'chroot', action: { errno: 'EXDEV' } }] });
      const chroot = probes.callOnSpinningThread(nr('chroot'), 0);
      report({ pid: process.pid, tid, chroot: chroot.code, on: chroot.tid, ptrace: nr('ptrace') });
      probes.callOnSpinningThread(nr('ptrace'), -1, 0, 0, 0);
      report('survived');
    `);
    expect(r.signal, describe(r)).toBe('SIGSYS');
    const [out, ...rest] = r.reports as [{ pid: number; tid: number; chroot: string; on: number; ptrace: number }];
    expect(rest).toEqual([]);
    expect(out.tid).not.toBe(out.pid);
    expect(out).toMatchObject({ chroot: 'EXDEV', on: out.tid });
    expect(r.violation).toMatchObject({ syscall: 'ptrace', nr: out.ptrace, arch: 'x86_64', main: false, thread: out.tid });
  });
});
