/**
 * Landlock under sandbox.lockdown() on the real kernel, each case in its own child process,
 * both ways: what the rules allow keeps working under load, what they do not fails with
 * EACCES (never a kill). Runs on Node 20 and, with `npm run test:node24`, on Node 24.
 */
import { afterAll, beforeAll, describe as group, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runSandboxed } from '../src/testing';
import { describe, runChild } from './helpers/child';
import { PROBES_ADDON } from './helpers/probes';

const ADDON = JSON.stringify(PROBES_ADDON);
let dir: string;
/** A process outside every sandbox, of the same user: what an isolated process must not reach. */
let neighbour: ChildProcess;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-node-landlock-'));
  for (const sub of ['ro', 'rw', 'secret']) fs.mkdirSync(path.join(dir, sub));
  for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(dir, 'ro', `f${i}.txt`), `file ${i}\n`.repeat(1000));
  fs.writeFileSync(path.join(dir, 'secret', 'key.txt'), 'the secret');
  neighbour = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await new Promise((ok) => neighbour.once('spawn', ok));
});

afterAll(() => {
  neighbour.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

const at = (...parts: string[]) => JSON.stringify(path.join(dir, ...parts));

group('file system rules', () => {
  it('keep allowed paths working under load (pool, Workers, streams) and refuse the rest with EACCES', async () => {
    const r = await runChild(`
      const fs = require('fs'), path = require('path'), { Worker } = require('worker_threads'), { pipeline } = require('stream/promises');
      const ro = ${at('ro')}, rw = ${at('rw')}, secret = ${at('secret', 'key.txt')};
      const before = fs.readFileSync(secret, 'utf8');
      // The pool's threads and a Worker exist before the lockdown: it must reach them too.
      await Promise.all(Array.from({ length: 16 }, () => fs.promises.readFile(path.join(ro, 'f0.txt'))));
      const early = new Worker('const fs = require("fs"), { parentPort, workerData } = require("worker_threads");' +
        'parentPort.once("message", () => { try { fs.readFileSync(workerData.secret); parentPort.postMessage("ok"); } catch (e) { parentPort.postMessage(e.code); } });',
        { eval: true, workerData: { secret } });
      await new Promise((ok) => early.once('online', ok));
      seccomp.sandbox.lockdown({ fs: { read: [ro], write: [rw] } });
      early.postMessage('go');
      const earlyWorker = await new Promise((ok) => early.once('message', ok));
      await early.terminate();
      const code = async (p) => { try { await p; return 'ok'; } catch (e) { return e.code; } };
      // 400 reads on the thread pool, 100 writes and renames in the writable directory
      const reads = await Promise.all(Array.from({ length: 400 }, (_, i) => fs.promises.readFile(path.join(ro, 'f' + (i % 20) + '.txt'), 'utf8')));
      await Promise.all(Array.from({ length: 100 }, (_, i) => fs.promises.writeFile(path.join(rw, 'w' + i), 'x' + i)));
      await fs.promises.rename(path.join(rw, 'w0'), path.join(rw, 'renamed'));
      await pipeline(fs.createReadStream(path.join(ro, 'f1.txt')), fs.createWriteStream(path.join(rw, 'copy.txt')));
      const listed = fs.readdirSync(rw).length;
      const worker = await new Promise((ok, ko) => {
        const w = new Worker('const fs = require("fs"), { parentPort, workerData } = require("worker_threads");' +
          'const c = (f) => { try { f(); return "ok"; } catch (e) { return e.code; } };' +
          'parentPort.postMessage({ ro: c(() => fs.readFileSync(workerData.ro + "/f2.txt")), secret: c(() => fs.readFileSync(workerData.secret)) });',
          { eval: true, workerData: { ro, secret } });
        w.once('message', ok); w.once('error', ko);
      });
      report({
        before, reads: reads.length, sameContent: reads[21] === reads[1], listed, copied: fs.statSync(path.join(rw, 'copy.txt')).size,
        worker, earlyWorker,
        secretSync: await code((async () => fs.readFileSync(secret))()),
        secretPool: await code(fs.promises.readFile(secret)),
        secretStream: await code(pipeline(fs.createReadStream(secret), fs.createWriteStream(path.join(rw, 'stolen')))),
        writeRo: await code(fs.promises.writeFile(path.join(ro, 'new'), 'x')),
        unlinkRo: await code(fs.promises.unlink(path.join(ro, 'f3.txt'))),
        etc: await code(fs.promises.readFile('/etc/passwd')),
        mkdirOutside: await code(fs.promises.mkdir(path.join(${at('secret')}, 'sub'))),
        landlock: seccomp.sandbox.status().landlock,
      });
    `, { timeoutMs: 60_000 });
    expect(r.code, describe(r)).toBe(0);
    const out = r.reports[0] as Record<string, any>;
    expect(out.before).toBe('the secret');
    expect(out).toMatchObject({ reads: 400, sameContent: true, listed: 101, copied: 7000, worker: { ro: 'ok', secret: 'EACCES' }, earlyWorker: 'EACCES' });
    expect(out).toMatchObject({ secretSync: 'EACCES', secretPool: 'EACCES', secretStream: 'EACCES', writeRo: 'EACCES',
      unlinkRo: 'EACCES', etc: 'EACCES', mkdirOutside: 'EACCES' });
    expect(out.landlock.enforced).toBe(true);
    expect(out.landlock.handled.fs).toEqual(expect.arrayContaining(['read_file', 'write_file', 'execute', 'truncate', 'ioctl_dev']));
    expect(out.landlock.layers[0].paths).toEqual(expect.arrayContaining([
      { path: path.join(dir, 'ro'), rights: ['read_file', 'read_dir'] },
    ]));
    expect(fs.existsSync(path.join(dir, 'secret', 'sub'))).toBe(false);
  });

  it('names a path that does not exist, applies nothing, and skips a "?" path that does not', async () => {
    const r = await runChild(`
      const fs = require('fs');
      try { seccomp.sandbox.lockdown({ fs: { read: [${at('ro')}, ${at('missing')}] } }); } catch (e) { report({ code: e.code, message: e.message }); }
      report({ locked: seccomp.sandbox.status().locked, etc: fs.readFileSync('/etc/hostname').length > 0 });
      seccomp.sandbox.lockdown({ fs: { read: [${at('ro')}, '?' + ${at('missing')}] } });
      report(seccomp.sandbox.status().landlock.layers[0].missing);
    `);
    expect(r.code, describe(r)).toBe(0);
    expect(r.reports[0]).toMatchObject({ code: 'ERR_SECCOMP_LANDLOCK_PATH' });
    expect((r.reports[0] as { message: string }).message).toContain(path.join(dir, 'missing'));
    expect(r.reports[1]).toEqual({ locked: false, etc: true });
    expect(r.reports[2]).toEqual([path.join(dir, 'missing')]);
  });

  it('lets @dns resolve names when the file system is restricted', async () => {
    const r = await runChild(`
      seccomp.sandbox.lockdown({ allow: ['@node', '@dns', '@fs-read'], fs: { read: [${at('ro')}] } });
      const dns = require('dns');
      const all = await dns.promises.lookup('localhost', { all: true });
      let denied;
      try { require('fs').readFileSync('/etc/passwd'); } catch (e) { denied = e.code; }
      report({ addresses: all.map((a) => a.address), denied });
    `);
    expect(r.code, describe(r)).toBe(0);
    expect(r.reports[0]).toMatchObject({ denied: 'EACCES' });
    expect((r.reports[0] as { addresses: string[] }).addresses).toContain('127.0.0.1');
  });

  it('closes the io_uring ring bypass for files: an openat submitted through a ring made before lockdown is refused', async () => {
    const r = await runChild(`
      const probes = require(${ADDON});
      const ring = probes.ioUringRing(false);
      const before = probes.ioUringOpenat(ring, ${at('secret', 'key.txt')}).code;
      seccomp.sandbox.lockdown({ fs: { read: [${at('ro')}] } });
      report({ before, outside: probes.ioUringOpenat(ring, ${at('secret', 'key.txt')}).code, inside: probes.ioUringOpenat(ring, ${at('ro', 'f1.txt')}).code });
    `);
    expect(r.code, describe(r)).toBe(0);
    expect(r.reports[0]).toEqual({ before: null, outside: 'EACCES', inside: null });
  });

  it('refuses to lock down beside an SQPOLL ring, whose kernel thread would bypass both layers', async () => {
    const r = await runChild(`
      const probes = require(${ADDON});
      probes.ioUringRing(true);
      try { seccomp.sandbox.lockdown({ fs: { read: [${at('ro')}] } }); } catch (e) { report(e.code); }
      report({ locked: seccomp.sandbox.status().locked, readable: require('fs').readFileSync(${at('secret', 'key.txt')}, 'utf8') });
    `);
    expect(r.code, describe(r)).toBe(0);
    expect(r.reports).toEqual(['ERR_SECCOMP_IO_URING_SQPOLL', { locked: false, readable: 'the secret' }]);
  });

  it('a second lockdown with file rules narrows; a third cannot widen again', async () => {
    const r = await runChild(`
      const fs = require('fs');
      const c = (p) => { try { fs.readFileSync(p); return 'ok'; } catch (e) { return e.code; } };
      seccomp.sandbox.lockdown();
      const first = c(${at('secret', 'key.txt')});
      seccomp.sandbox.lockdown({ fs: { read: [${at('ro')}, ${at('secret')}] } });
      const second = [c(${at('ro', 'f1.txt')}), c(${at('secret', 'key.txt')}), c('/etc/hostname')];
      seccomp.sandbox.lockdown({ fs: { read: [${at('ro')}, '/etc'] } });
      const third = [c(${at('ro', 'f1.txt')}), c(${at('secret', 'key.txt')}), c('/etc/hostname')];
      report({ first, second, third, layers: seccomp.sandbox.status().landlock.layers.length });
    `);
    expect(r.code, describe(r)).toBe(0);
    expect(r.reports[0]).toEqual({ first: 'ok', second: ['ok', 'ok', 'EACCES'], third: ['ok', 'EACCES', 'EACCES'], layers: 3 });
  });
});

group('port rules', () => {
  it('allow the listed TCP ports, refuse others with EACCES', async () => {
    const r = await runChild(`
      const http = require('http'), net = require('net');
      const listen = (port) => new Promise((ok, ko) => { const s = http.createServer((q, a) => a.end('hi')); s.once('error', ko); s.listen(port, '127.0.0.1', () => ok(s)); });
      const allowed = await listen(0), other = await listen(0);
      const free = (await listen(0)); const freePort = free.address().port; free.close();
      seccomp.sandbox.lockdown({ net: { bind: [0], connect: [allowed.address().port] } });
      const get = (port) => new Promise((ok) => http.get({ host: '127.0.0.1', port, agent: false }, (res) => { let b = ''; res.on('data', (d) => b += d); res.on('end', () => ok(b)); }).on('error', (e) => ok(e.code)));
      const bodies = await Promise.all(Array.from({ length: 100 }, () => get(allowed.address().port)));
      const ephemeral = await listen(0).then((s) => s.address().port > 0, (e) => e.code);
      report({ bodies: bodies.filter((b) => b === 'hi').length, other: await get(other.address().port),
        ephemeral, fixed: await listen(freePort).then(() => 'ok', (e) => e.code), handled: seccomp.sandbox.status().landlock.handled.net });
      process.exit(0);
    `);
    expect(r.code, describe(r)).toBe(0);
    expect(r.reports[0]).toEqual({ bodies: 100, other: 'EACCES', ephemeral: true, fixed: 'EACCES', handled: ['bind_tcp', 'connect_tcp'] });
  });
});

group('isolation by default', () => {
  it('plain lockdown() refuses /proc/<pid>/mem and signals of processes outside the sandbox', async () => {
    const pid = neighbour.pid!;
    const r = await runChild(`
      const fs = require('fs');
      const c = (f) => { try { f(); return 'ok'; } catch (e) { return e.code; } };
      const mem = () => fs.closeSync(fs.openSync('/proc/${pid}/mem', 'r'));
      const signal = () => process.kill(${pid}, 0);
      const before = { mem: c(mem), signal: c(signal) };
      seccomp.sandbox.lockdown();
      report({ before, after: { mem: c(mem), signal: c(signal), self: c(() => process.kill(process.pid, 0)) },
        scopes: seccomp.sandbox.status().landlock.handled.scopes });
    `);
    expect(r.code, describe(r)).toBe(0);
    expect(r.reports[0]).toMatchObject({ before: { mem: 'ok', signal: 'ok' }, after: { mem: 'EACCES', signal: 'EPERM', self: 'ok' } });
    expect((r.reports[0] as { scopes: string[] }).scopes.sort()).toEqual(['abstract_unix_socket', 'signal']);
  });

  it('isolate: false leaves the process in no Landlock domain', async () => {
    const r = await runChild(`
      seccomp.sandbox.lockdown({ isolate: false });
      let signal; try { process.kill(${neighbour.pid}, 0); signal = 'ok'; } catch (e) { signal = e.code; }
      report({ signal, enforced: seccomp.sandbox.status().landlock.enforced });
    `);
    expect(r.code, describe(r)).toBe(0);
    expect(r.reports[0]).toEqual({ signal: 'ok', enforced: false });
  });

  it('leaves abstract Unix sockets open when NOTIFY_SOCKET is abstract, and says why', async () => {
    const r = await runChild(`
      seccomp.sandbox.lockdown();
      const l = seccomp.sandbox.status().landlock;
      report({ scopes: l.handled.scopes, notes: l.layers[0].notes });
    `, { env: { NOTIFY_SOCKET: '@/org/freedesktop/systemd1/notify/1' } });
    expect(r.code, describe(r)).toBe(0);
    expect(r.reports[0]).toMatchObject({ scopes: ['signal'] });
    expect(JSON.stringify(r.reports[0])).toContain('NOTIFY_SOCKET');
  });
});

group('every thread', () => {
  it('restricts a busy pool and Workers that start while lockdown runs', async () => {
    const r = await runChild(`
      const fs = require('fs'), crypto = require('crypto'), { Worker } = require('worker_threads');
      const secret = ${at('secret', 'key.txt')};
      const locked = new Int32Array(new SharedArrayBuffer(4));
      // A Worker that starts Workers without pause: threads are created while lockdown runs.
      const spawner = new Worker(\`
        const { Worker, workerData, parentPort } = require('worker_threads');
        const results = []; let started = 0;
        const child = 'const { workerData, parentPort } = require("worker_threads"); Atomics.wait(workerData.locked, 0, 0);' +
          'let r; try { require("fs").readFileSync(workerData.secret); r = "ok"; } catch (e) { r = e.code; } parentPort.postMessage(r);';
        const next = () => {
          if (started >= 24) return;
          started++;
          const w = new Worker(child, { eval: true, workerData });
          w.once('message', (m) => { results.push(m); if (results.length === 24) parentPort.postMessage(results); });
          setImmediate(next);
        };
        next();
      \`, { eval: true, workerData: { locked, secret } });
      // The pool busy with hashing and file reads during the call.
      const busy = [];
      for (let i = 0; i < 32; i++) busy.push(new Promise((ok) => crypto.pbkdf2('pw', 'salt', 20000, 32, 'sha256', () => ok())));
      for (let i = 0; i < 64; i++) busy.push(fs.promises.readFile(${at('ro', 'f1.txt')}).then(() => 'read', (e) => e.code));
      await new Promise((ok) => setTimeout(ok, 20));
      seccomp.sandbox.lockdown({ fs: { read: [${at('ro')}] } });
      Atomics.store(locked, 0, 1); Atomics.notify(locked, 0);
      const nested = await new Promise((ok, ko) => { spawner.once('message', ok); spawner.once('error', ko); });
      await Promise.all(busy);
      const pool = await Promise.all(Array.from({ length: 16 }, () => fs.promises.readFile(secret).then(() => 'ok', (e) => e.code)));
      const layer = seccomp.sandbox.status().landlock.layers[0];
      report({ nested, pool: [...new Set(pool)], threads: layer.threadCount, mode: layer.threads });
      process.exit(0);
    `, { timeoutMs: 90_000 });
    expect(r.code, describe(r)).toBe(0);
    const out = r.reports[0] as { nested: string[]; pool: string[]; threads: number; mode: string };
    expect(out.nested).toHaveLength(24);
    expect(new Set(out.nested)).toEqual(new Set(['EACCES']));
    expect(out.pool).toEqual(['EACCES']);
    expect(out.threads).toBeGreaterThan(6);
    expect(out.mode).toBe('every');
  });

  it('a thread that never answers aborts the restriction with nothing applied', async () => {
    const r = await runChild(`
      const probes = require(${ADDON});
      const fs = require('fs');
      const tid = probes.threadBlockingSignal(33);
      try { seccomp.sandbox.lockdown({ fs: { read: [${at('ro')}] } }); } catch (e) { report({ code: e.code, thread: e.details.thread === tid }); }
      const status = seccomp.sandbox.status();
      report({ locked: status.locked, filters: status.filters, enforced: status.landlock.enforced, readable: fs.readFileSync(${at('secret', 'key.txt')}, 'utf8') });
    `, { timeoutMs: 60_000 });
    expect(r.code, describe(r)).toBe(0);
    expect(r.reports).toEqual([
      { code: 'ERR_SECCOMP_LANDLOCK_FAILED', thread: true },
      { locked: false, filters: 0, enforced: false, readable: 'the secret' },
    ]);
  });
});

group('kernels without Landlock', () => {
  // The fault filter answers every Landlock call with ENOSYS, as a kernel without Landlock does.
  const noLandlock = { landlock_create_ruleset: 'ENOSYS', landlock_add_rule: 'ENOSYS', landlock_restrict_self: 'ENOSYS' } as const;

  it('plain lockdown keeps working and says Landlock is missing', async () => {
    const r = await runSandboxed(() => {
      const { sandbox } = require('seccomp-node') as typeof import('../src');
      return sandbox.status().landlock;
    }, { fail: noLandlock, allow: ['@node', '@fs-read'], cwd: path.resolve(__dirname, '..') });
    expect(r.outcome, r.stderr).toBe('returned');
    expect(r.value).toMatchObject({ supported: false, abi: 0, enforced: false });
  });

  it('explicit rules fail closed with ERR_SECCOMP_LANDLOCK_UNAVAILABLE, or apply best effort when asked', async () => {
    await expect(runSandboxed(() => 1, { fail: noLandlock, fs: { read: [path.join(dir, 'ro')] } }))
      .rejects.toMatchObject({ code: 'ERR_SECCOMP_LANDLOCK_UNAVAILABLE' });
    const r = await runSandboxed(() => {
      const { sandbox } = require('seccomp-node') as typeof import('../src');
      return sandbox.status().landlock.notEnforced.map((n: { what: string }) => n.what);
    }, { fail: noLandlock, fs: { read: [path.join(dir, 'ro')] }, bestEffort: true, cwd: path.resolve(__dirname, '..') });
    expect(r.outcome, r.stderr).toBe('returned');
    expect(r.value).toEqual(['file system rules']);
    expect(r.stderr).toMatch(/file system rules not enforced/);
  });
});
