/**
 * Violations stay fatal: after lockdown with the report on, nothing can replace the report's
 * SIGSYS handler, whatever the arguments, from any thread and under any policy, so a blocked
 * call can never return to the code that made it. What libuv's spawn needs (glibc's
 * `signal(n, SIG_DFL)` for every signal in the child) keeps working.
 */
import { describe as group, expect, it } from 'vitest';
import { decodeAction, runFilter } from '../src/bpf/emulator';
import { defaultDaemonProfile } from '../src/groups';
import { compileFor, exportBpf } from '../src/verified-program';
import type { Policy } from '../src/policy';
import { bindSelfPid } from '../src/self-pid';
import { guardSigsys } from '../src/sigsys-guard';
import { syscallNumber } from '../src/syscalls';
import { describe, DOCKER_PROFILE, runChild } from './helpers/child';
import { PROBES } from './helpers/probes';

/** Every way native code might take SIGSYS over (see test/native/probes.cc). */
const TAKEOVERS = ['sigaction', 'sigaction-no-old', 'signal', 'ignore', 'raw', 'raw-no-old', 'raw-resethand', 'raw-upper-bits'];

/**
 * A child that locks down with `lockdown`, tries every takeover on the main thread and on a
 * new thread, reports what each returned and whether the disposition changed, then makes a
 * forbidden call (`forbidden`, raw, with zero arguments).
 */
function takeoverChild(lockdown: string, forbidden: string): string {
  return `${PROBES}
    seccomp.sandbox.lockdown(${lockdown});
    const attempts = {};
    for (const how of ${JSON.stringify(TAKEOVERS)}) {
      for (const onThread of [false, true]) attempts[how + (onThread ? ' (thread)' : '')] = probes.takeOverSigsys(how, onThread);
    }
    report(attempts);
    raw(${JSON.stringify(forbidden)}, 0, 0, 0, 0);
    report({ survived: true, swallowed: probes.swallowedViolations() });
  `;
}

function expectNoTakeover(attempts: Record<string, { rc: number; code: string | null; replaced: boolean }>): void {
  expect(Object.keys(attempts)).toHaveLength(TAKEOVERS.length * 2);
  for (const [how, attempt] of Object.entries(attempts)) expect(attempt.replaced, how).toBe(false);
  // glibc's sigaction()/signal() ask for the old action: they are told "done" (what libuv's
  // child-side reset needs); installing without asking is refused.
  for (const how of ['sigaction', 'signal', 'raw', 'raw-resethand', 'raw-upper-bits']) {
    expect(attempts[how], how).toMatchObject({ rc: 0, code: null });
    expect(attempts[`${how} (thread)`], how).toMatchObject({ rc: 0, code: null });
  }
  for (const how of ['sigaction-no-old', 'raw-no-old']) expect(attempts[how], how).toMatchObject({ rc: -1, code: 'EPERM' });
}

group('the report handler cannot be replaced after lockdown', () => {
  it('under the default profile (@node): every takeover fails, and the next blocked call kills', async () => {
    const r = await runChild(takeoverChild('', 'ptrace'));
    expect(r.signal, describe(r)).toBe('SIGSYS');
    expect(r.reports).toHaveLength(1);
    expectNoTakeover(r.reports[0] as never);
    expect(r.violation).toMatchObject({ syscall: 'ptrace', main: true });
  });

  it.each([
    ['a default-allow Filter', 'policy: new seccomp.Filter({ defaultAction: "allow" }).kill("unshare")', 'unshare'],
    // io_uring_enter: Node 24 holds rings from startup (see README, "Threat model")
    ["Docker's profile, which allows rt_sigaction outright", `policy: ${JSON.stringify(DOCKER_PROFILE)}, defaultAction: 'kill-process', allow: ['io_uring_enter']`, 'reboot'],
  ])('under %s as well', async (_name, options, forbidden) => {
    const r = await runChild(takeoverChild(`{ ${options} }`, forbidden));
    expect(r.signal, describe(r)).toBe('SIGSYS');
    expect(r.reports).toHaveLength(1);
    expectNoTakeover(r.reports[0] as never);
    expect(r.violation).toMatchObject({ syscall: forbidden });
  });

  it('report: false is left alone: kill-process needs no handler, and SIGSYS stays the process\'s own', async () => {
    const r = await runChild(`${PROBES}
      seccomp.sandbox.lockdown({ policy: new seccomp.Filter({ defaultAction: 'allow' }).trap('unshare'), report: false });
      report(probes.takeOverSigsys('sigaction', false));
      raw('unshare', 0);
      report({ swallowed: probes.swallowedViolations() });
    `);
    // with the report off, a trap rule is the user's own SIGSYS to handle
    expect(r.code, describe(r)).toBe(0);
    expect(r.reports).toEqual([{ rc: 0, code: null, replaced: true }, { swallowed: 1 }]);
  });

  it('the same takeovers work without a filter (the probe itself works)', async () => {
    const r = await runChild(`${PROBES}
      report(probes.takeOverSigsys('raw', true));
      raw('getpid');
      report(probes.swallowedViolations());
    `);
    expect(r.code, describe(r)).toBe(0);
    expect(r.reports).toEqual([{ rc: 0, code: null, replaced: true }, 0]);
  });
});

group('spawning from a locked-down process still works', () => {
  it('libuv resets SIGSYS with signal() in the child: a daemon under Docker\'s profile spawns', async () => {
    const r = await runChild(`
      seccomp.sandbox.lockdown({ policy: ${JSON.stringify(DOCKER_PROFILE)}, defaultAction: 'kill-process', allow: ['io_uring_enter'] });
      // asynchronously: spawnSync makes a new event loop, which on Node 24 calls io_uring_setup
      const { stdout } = await require('util').promisify(require('child_process').execFile)('/bin/echo', ['spawned']);
      report(stdout);
    `);
    expect(r.code, describe(r)).toBe(0);
    expect(r.reports).toEqual(['spawned\n']);
  });
});

group('the guard, as compiled', () => {
  const nr = syscallNumber('rt_sigaction', 'x86_64')!;
  const SIGSYS = 31n;
  const PTR = 0x7ffd_1234_5670n;
  const verdicts = (policy: Policy) => {
    const program = exportBpf(compileFor(guardSigsys(bindSelfPid(policy, 4242)), { arch: 'x86_64', report: true }));
    const run = (...args: bigint[]) => {
      const { action, data } = decodeAction(runFilter(program, { nr, arch: 0xc000003e, args: [...args, 8n] }));
      return action === 'errno' ? `errno ${data}` : action;
    };
    return {
      install: run(SIGSYS, PTR, PTR),
      installNoOld: run(SIGSYS, PTR, 0n),
      installUpperBits: run((1n << 32n) | SIGSYS, PTR, PTR),
      read: run(SIGSYS, 0n, PTR),
      other: run(10n, PTR, PTR),
    };
  };

  it.each<[string, Policy, string, string]>([
    ['the default profile', defaultDaemonProfile(), 'allow', 'allow'],
    ['an unconditional allow', { defaultAction: 'kill-process', rules: [{ syscall: 'rt_sigaction', action: 'allow' }] }, 'allow', 'allow'],
    ['a default allow', { defaultAction: 'allow', rules: [{ syscall: 'ptrace', action: 'kill-process' }] }, 'allow', 'allow'],
    ['a logged rule for signals 16 and up', { defaultAction: 'kill-process',
      rules: [{ syscall: 'rt_sigaction', action: 'log', conditions: [{ arg: 0, op: 'ge', value: '16' }] }] }, 'allow', 'trap'],
    ['a rule that already checks act and old', { defaultAction: 'kill-process', rules: [{ syscall: 'rt_sigaction', action: 'allow',
      conditions: [{ arg: 1, op: 'ne', value: '0' }, { arg: 2, op: 'ne', value: '0' }] }] }, 'allow', 'allow'],
  ])('never lets rt_sigaction install a SIGSYS handler: %s', (_name, policy, read, other) => {
    // SIGUSR1 (10) shows what the policy does with other signals: unchanged
    expect(verdicts(policy)).toEqual({ install: 'errno 0', installNoOld: 'errno 1', installUpperBits: 'errno 0', read, other });
  });

  it('leaves policies alone that cannot kill (no handler is installed) or that refuse the call', () => {
    const noKill: Policy = { defaultAction: { errno: 'EPERM' }, rules: [{ syscall: 'rt_sigaction', action: 'allow' }] };
    expect(guardSigsys(noKill)).toEqual(noKill);
    const refused: Policy = { defaultAction: 'kill-process', rules: [{ syscall: 'read', action: 'allow' }] };
    expect(guardSigsys(refused)).toEqual(refused);
    expect(guardSigsys(defaultDaemonProfile())).toEqual(defaultDaemonProfile());
  });
});
