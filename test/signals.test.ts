/**
 * Signals stay inside the process: under `@node` a process signals its own threads (raise,
 * abort, pthread_kill, a queued signal) and no other process, by any route: tgkill, tkill,
 * rt_tgsigqueueinfo, or a descriptor owned by another process (F_SETOWN, then SIGIO).
 * Signalling others is `@signal`'s job. `$pid` is bound in the process that loads the
 * filter: the locked-down process itself, or the exec helper that becomes the child.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { describe as group, expect, it } from 'vitest';
import { describe, runChild, type ChildResult } from './helpers/child';
import { PROBES } from './helpers/probes';

/** An unrelated process of the same user, to be signalled. */
function victim(): ChildProcess {
  return spawn('sleep', ['1000'], { stdio: 'ignore' });
}

/**
 * Ends the victim with SIGKILL and says which signal it died of: SIGKILL if it survived
 * until now, the attacker's signal if that reached it (a fatal signal's verdict is fixed
 * when it is sent, so no delay is needed for the attacker's signal to win).
 */
function finish(v: ChildProcess): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => {
    if (v.exitCode !== null || v.signalCode !== null) return resolve(v.signalCode);
    v.once('exit', (_code, signal) => resolve(signal));
    v.kill('SIGKILL');
  });
}

const ROUTES = ['tgkill', 'tkill', 'rt_tgsigqueueinfo', 'sigio'] as const;

/** Tries one route at `pid` with SIGTERM and reports what it returned. */
function attack(route: string, pid: number): string {
  return `report(probes.signalProcess(${JSON.stringify(route)}, ${pid}, require('os').constants.signals.SIGTERM));`;
}

function expectStopped(route: string, r: ChildResult): void {
  if (route === 'sigio') {
    // F_SETOWN is answered with EPERM: nothing is armed, the process lives on
    expect(r.code, describe(r)).toBe(0);
    expect(r.reports).toEqual([{ rc: -1, code: 'EPERM' }]);
  } else {
    expect(r.signal, describe(r)).toBe('SIGSYS');
    expect(r.reports).toEqual([]);
  }
}

group('a locked-down process cannot signal another process', () => {
  it.each(ROUTES)('%s', async (route) => {
    const v = victim();
    const r = await runChild(`${PROBES}
      seccomp.sandbox.lockdown({ allow: ['@node'] });
      ${attack(route, v.pid!)}
    `);
    expect(await finish(v)).toBe('SIGKILL');
    expectStopped(route, r);
    if (route !== 'sigio') expect(r.violation).toMatchObject({ syscall: route, main: true });
  });

  it('with @signal it can, where Landlock isolation is off (the default daemon profile has @signal)', async () => {
    const v = victim();
    const r = await runChild(`${PROBES}
      seccomp.sandbox.lockdown({ isolate: false });
      ${attack('tgkill', v.pid!)}
    `);
    expect(r.code, describe(r)).toBe(0);
    expect(r.reports).toEqual([{ rc: 0, code: null }]);
    expect(await finish(v)).toBe('SIGTERM');
  });

  it('with @signal and the default isolation, Landlock scopes signals to the sandbox (ABI 6+)', async () => {
    const v = victim();
    const r = await runChild(`${PROBES}
      seccomp.sandbox.lockdown();
      report(seccomp.sandbox.status().landlock.handled.scopes.includes('signal'));
      ${attack('tgkill', v.pid!)}
    `);
    expect(r.code, describe(r)).toBe(0);
    const [scoped, result] = r.reports as [boolean, unknown];
    // Where the kernel scopes signals, the call reaches the kernel (seccomp allows it) and
    // Landlock refuses it; elsewhere the default profile lets it through.
    expect(result).toEqual(scoped ? { rc: -1, code: 'EPERM' } : { rc: 0, code: null });
    expect(await finish(v)).toBe(scoped ? 'SIGKILL' : 'SIGTERM');
  });
});

group('a compute-preset child cannot signal another process', () => {
  it.each(ROUTES)('%s', async (route) => {
    const v = victim();
    const r = await runChild(`
      const child = seccomp.sandbox.spawn(process.execPath, ['-e', ${JSON.stringify(`${PROBES}
        const report = (value) => process.stdout.write('@@' + JSON.stringify(value) + '\\n');
        ${attack(route, v.pid!)}`)}], { policy: seccomp.profile('compute'), stdio: ['ignore', 'inherit', 'inherit'], report: false });
      child.on('exit', (code, signal) => { if (code !== 0) process.exitCode = 3; report({ code, signal }); });
    `);
    expect(await finish(v)).toBe('SIGKILL');
    expect(r.code, describe(r)).toBe(route === 'sigio' ? 0 : 3);
    if (route === 'sigio') expect(r.reports).toEqual([{ rc: -1, code: 'EPERM' }, { code: 0, signal: null }]);
    else expect(r.reports).toEqual([{ code: null, signal: 'SIGSYS' }]);
  });
});

group('signals within the process keep working', () => {
  const OWN = `
    let delivered = 0;
    process.on('SIGUSR2', () => { delivered++; });
    const sent = probes.signalOwnThreads(require('os').constants.signals.SIGUSR2);
    // libuv's handler queues the deliveries for the event loop; standard signals may merge
    const seen = () => delivered > 0 ? report({ sent, delivered: true }) : setImmediate(seen);
    seen();
  `;
  const SENT = { raise: { rc: 0, code: null }, thread: { rc: 0, code: null }, queued: { rc: 0, code: null } };

  it('in a locked-down process: raise, pthread_kill and a queued signal reach its threads; abort() aborts', async () => {
    const r = await runChild(`${PROBES}
      seccomp.sandbox.lockdown({ allow: ['@node', '@fs-read'] });
      ${OWN}
      const { Worker } = require('worker_threads');
      const w = new Worker('setInterval(() => {}, 1000)', { eval: true });
      await new Promise((ok) => w.once('online', ok));
      report({ terminated: await w.terminate() });
      process.abort();
    `);
    expect(r.signal, describe(r)).toBe('SIGABRT');
    expect(r.reports).toEqual([{ sent: SENT, delivered: true }, { terminated: 1 }]);
  });

  it('in a compute-preset child ($pid is the child itself, bound by the launcher)', async () => {
    const r = await runChild(`
      const child = seccomp.sandbox.spawn(process.execPath, ['-e', ${JSON.stringify(`${PROBES}
        const report = (value) => process.stdout.write('@@' + JSON.stringify(value) + '\\n');
        ${OWN}`)}], { policy: seccomp.profile('compute'), stdio: ['ignore', 'inherit', 'inherit'] });
      child.on('exit', (code, signal) => report({ code, signal }));
    `);
    expect(r.code, describe(r)).toBe(0);
    expect(r.reports).toEqual([{ sent: SENT, delivered: true }, { code: 0, signal: null }]);
  });

  it('in a child that inherits a daemon\'s filter: @process brings @signal, so its own abort() works', async () => {
    const r = await runChild(`
      seccomp.sandbox.lockdown({ allow: ['@node', '@process', '@exec-start', '@fs-read'] });
      // stdio 'pipe': 'ignore' would open /dev/null for writing, which the daemon's filter forbids
      const { signal } = require('child_process').spawnSync(process.execPath, ['-e', 'process.abort()'], { stdio: 'pipe' });
      report(signal);
    `);
    expect(r.code, describe(r)).toBe(0);
    expect(r.reports).toEqual(['SIGABRT']);
  });
});
