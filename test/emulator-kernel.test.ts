/**
 * The kernel replay. For policies (hand-written, and a sample of the fuzzer's) and
 * generated calls, what a child experiences under the real filter is compared with the
 * reference interpreter of the policy (src/verify/reference.ts), an oracle that shares no
 * code with the compiler: a compiler or libseccomp bug shows up here even though the
 * emulator and the kernel run the same wrong program. The emulator's verdict on the
 * compiled program is compared with the kernel's too.
 *
 * The calls are chosen to be harmless whatever the filter says: they act on descriptors
 * that are not open (900+) or only read process facts. Rules answer with errnos the kernel
 * never returns for these calls, so an allowed call and a denied one can be told apart.
 */
import * as path from 'node:path';
import { describe as group, expect, it } from 'vitest';
import { runFilter } from '../src/bpf/emulator';
import { compile } from '../src/compiler';
import { arg, arg32, arg64, Filter } from '../src/index';
import type { Action, Policy } from '../src/policy';
import { syscallNumber } from '../src/syscalls';
import { referenceModel, verificationVectors } from '../src/verify';
import { HARMLESS, prng as fuzzRandom, randomArgs, randomPolicy } from '../scripts/fuzz/policies';
import { bindSelfPid } from '../src/self-pid';
import { describe, runChild } from './helpers/child';
import { PROBES_ADDON } from './helpers/probes';

const NATIVE = JSON.stringify(path.resolve(__dirname, '..', 'lib', 'native'));
const ADDON = JSON.stringify(PROBES_ADDON);
const X86_64 = 0xc000003e;
// errnos these calls never produce on their own
const MARKERS = ['ECHRNG', 'EL2NSYNC', 'EL3HLT', 'EL3RST', 'ELNRNG', 'EUNATCH', 'ENOCSI', 'EL2HLT'] as const;
const MARKER_NUMBERS: Record<string, number> = { ECHRNG: 44, EL2NSYNC: 45, EL3HLT: 46, EL3RST: 47, ELNRNG: 48, EUNATCH: 49, ENOCSI: 50, EL2HLT: 51 };

/** A small deterministic generator, so that a failure can be replayed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

type Call = { name: string; args: bigint[] };

function randomValue(rand: () => number, small: bigint[]): bigint {
  const low = rand() < 0.6 ? small[Math.floor(rand() * small.length)] : BigInt(Math.floor(rand() * 2 ** 32));
  const upper = [0n, 0xffffffffn, 0xdeadbeefn, 1n][Math.floor(rand() * 4)];
  return (upper << 32n) | (low & 0xffffffffn);
}

function randomCalls(seed: number, count: number): Call[] {
  const rand = prng(seed);
  const fds = [900n, 901n, 1000n, 4000n, 0xffffff9cn];
  const values = [0n, 1n, 2n, 3n, 5n, 10n, 31n, 100n, 0x80000000n];
  const calls: Call[] = [];
  for (let i = 0; i < count; i++) {
    const pick = Math.floor(rand() * 6);
    if (pick === 0) calls.push({ name: 'close', args: [randomValue(rand, fds)] });
    else if (pick === 1) calls.push({ name: 'dup', args: [randomValue(rand, fds)] });
    else if (pick === 2) calls.push({ name: 'lseek', args: [randomValue(rand, fds) | 900n, randomValue(rand, values), BigInt(Math.floor(rand() * 3))] });
    else if (pick === 3) calls.push({ name: 'fcntl', args: [randomValue(rand, fds) | 900n, randomValue(rand, [1n, 2n, 3n, 4n]), randomValue(rand, values)] });
    else if (pick === 4) calls.push({ name: 'getpriority', args: [randomValue(rand, [0n, 1n, 2n, 7n]), randomValue(rand, [0n, 1n, 99999n])] });
    else calls.push({ name: 'flock', args: [randomValue(rand, fds) | 900n, randomValue(rand, [0n, 1n, 2n, 3n, 4n, 5n, 8n, 9n, 12n, 16n])] });
  }
  return calls;
}

/** Policies mixing 32-bit and 64-bit, range, ne and masked conditions. Default allow. */
const POLICIES: Record<string, () => Filter> = {
  ints: () => new Filter({ defaultAction: 'allow' })
    .errno('close', MARKERS[0], arg(0).eq(900))
    .errno('close', MARKERS[1], arg(0).gt(3000))
    .errno('dup', MARKERS[2], arg(0).ne(901))
    .errno('fcntl', MARKERS[3], arg(0).ge(900), arg(1).masked(2).eq(2)),
  longs: () => new Filter({ defaultAction: 'allow' })
    .errno('lseek', MARKERS[0], arg(1).lt(10))
    .errno('lseek', MARKERS[1], arg64(1).ge(0x80000000))
    .errno('getpriority', MARKERS[2], arg32(0).le(1), arg64(1).eq(0))
    .errno('close', MARKERS[3], arg64(0).eq(900)),
  // The child has to keep running under this one, so it allows @node and puts the
  // conditions on flock (not in @node); unmatched flock calls get the default errno.
  mixed: () => new Filter({ defaultAction: { errno: MARKERS[7] } })
    .allow('@node')
    .allow('flock', arg(1).lt(2))
    .errno('flock', MARKERS[4], arg(1).ge(2), arg(1).lt(8))
    .errno('flock', MARKERS[5], arg(1).eq(8))
    .errno('flock', MARKERS[6], arg(1).gt(8), arg(0).masked(0xf00).eq(0x300)),
};

function verdictName(value: number): string {
  // log runs the call too: the child cannot tell it from allow
  if (value === 0x7fff0000 || value === 0x7ffc0000) return 'allow';
  if ((value & 0xffff0000) >>> 0 === 0x00050000) {
    const errno = value & 0xffff;
    return Object.entries(MARKER_NUMBERS).find(([, n]) => n === errno)?.[0] ?? `errno ${errno}`;
  }
  return `action 0x${value.toString(16)}`;
}

/**
 * Loads `policy` in a child, makes `calls` there, and compares what happened with the
 * reference interpreter and with the emulator on the compiled program. Returns the
 * reference verdicts, so that callers can check the calls were worth making.
 */
async function replay(policy: Policy, calls: Call[]): Promise<string[]> {
  // $pid (in @node) is bound to the child's own pid when it loads; the generated calls never
  // signal, so the program and the model here may bind it to any pid
  const program = Filter.fromPolicy(policy).exportBpf({ pid: process.pid });
  const model = referenceModel(bindSelfPid(policy, process.pid), { arch: 'x86_64', report: false });
  const data = calls.map((c) => ({ nr: syscallNumber(c.name, 'x86_64')!, arch: X86_64, args: c.args }));
  const expected = data.map((d) => {
    const v = model.verdict(d);
    return Array.isArray(v) ? `rules disagree: ${v.join(', ')}` : verdictName(v);
  });
  const emulated = data.map((d) => verdictName(runFilter(program, d)));
  const r = await runChild(`
    const { binding } = require(${NATIVE});
    const probes = require(${ADDON});
    const markers = ${JSON.stringify(MARKERS)};
    const calls = ${JSON.stringify(calls.map((c) => ({ name: c.name, args: c.args.map(String) })))};
    seccomp.Filter.fromPolicy(${JSON.stringify(policy)}).load({ report: false });
    const seen = calls.map((c) => {
      const r = probes.rawSyscall('native', binding.resolveSyscall(c.name), ...c.args.map(BigInt));
      return markers.includes(r.code) ? r.code : 'allow';
    });
    report(seen);
  `);
  expect(r.code, describe(r)).toBe(0);
  const kernel = r.reports[0] as string[];
  const show = (c: Call) => `${c.name}(${c.args.map((a) => `0x${a.toString(16)}`).join(', ')})`;
  const wrong = calls.map((c, i) => ({ call: show(c), policy: expected[i], kernel: kernel[i], emulator: emulated[i] }))
    .filter((d) => d.kernel !== d.policy || d.emulator !== d.kernel);
  expect(wrong).toEqual([]);
  return expected;
}

/**
 * Calls to make under a fuzz policy: a sample of the boundary calls verification derives
 * from it, and random ones; its own syscalls and one it does not name.
 */
function fuzzCalls(policy: Policy, seed: number, count: number): Call[] {
  const r = fuzzRandom(seed);
  // rules for names that exist only on other architectures are skipped: call ours only
  const names = [...new Set(policy.rules.map((rule) => rule.syscall).filter((name) => name in HARMLESS)), 'getpgid'];
  const byNumber = new Map(names.map((name) => [syscallNumber(name, 'x86_64')!, name]));
  const boundary = verificationVectors(referenceModel(policy, { arch: 'x86_64', report: false }), 'x86_64')
    .filter((v) => v.arch === X86_64 && byNumber.has(v.nr))
    .map((v) => ({ name: byNumber.get(v.nr)!, args: [...(v.args ?? [])] }));
  const step = Math.max(1, Math.ceil(boundary.length / (count / 2)));
  const calls = boundary.filter((_, i) => i % step === 0);
  while (calls.length < count) calls.push({ name: r.pick(names), args: randomArgs(r, policy) });
  for (const { name, args } of calls) {
    // descriptors stay above any the child has open (an int: its low half is the fd)
    if (HARMLESS[name][0] === 'i' && name !== 'getpriority' && (args[0] & 0xffffffffn) < 900n) {
      args[0] = (args[0] & ~0xffffffffn) | (900n + ((args[0] & 0xffffffffn) % 100n));
    }
  }
  return calls;
}

group('the kernel does what the policy says, and the emulator agrees', () => {
  it.each(Object.keys(POLICIES).map((name, i) => [name, 1000 + i]))('policy %s, 300 generated calls', async (name, seed) => {
    const expected = await replay(POLICIES[name]().toPolicy(), randomCalls(seed, 300));
    // the generated calls exercise more than two outcomes
    expect(new Set(expected).size).toBeGreaterThan(2);
  });

  // A sample of the fuzzer's policies (scripts/fuzz/policies.js), over calls a child can
  // make with any arguments, answered with errnos these calls never return themselves.
  const ACTIONS: Action[] = ['allow', 'log', ...MARKERS.slice(0, 6).map((m) => ({ errno: m }))];
  // A policy whose calls here all get one answer (say, its errno rule needs a descriptor
  // below 900) says little: the sample keeps those with at least two.
  const answers = (policy: Policy, seed: number) => {
    const model = referenceModel(policy, { arch: 'x86_64', report: false });
    return new Set(fuzzCalls(policy, seed, 150).map((c) => {
      const v = model.verdict({ nr: syscallNumber(c.name, 'x86_64')!, arch: X86_64, args: c.args });
      return Array.isArray(v) ? 'rules disagree' : verdictName(v);
    })).size;
  };
  // Default allow: the child's own runtime must keep working (errno by default is 'mixed').
  const profile = { syscalls: HARMLESS, actions: ACTIONS, defaults: ['allow'] as Action[], arch: 'x86_64' as const };
  const SAMPLE = Array.from({ length: 60 }, (_, i) => 0x7e1a + i)
    .filter((seed) => {
      const { policy } = randomPolicy(seed, 1, profile);
      // Refusals (conflicting actions, too large) come from the compiler alone; compiling
      // for real, and verification, happen in the test itself, where a failure shows.
      try { compile(policy, { arch: 'x86_64', report: false, optimize: 2 }); } catch { return false; }
      return answers(policy, seed) > 1;
    })
    .slice(0, 16);

  it('the sample holds 16 policies that compile', () => {
    // refused ones (conflicting actions, too large) are the fuzzer's business; the first
    // 60 seeds hold more than enough of the others
    expect(SAMPLE).toHaveLength(16);
  });

  it.each(SAMPLE.map((seed, i) => [i, seed]))('fuzz policy %i (seed %i), 150 calls', async (_, seed) => {
    const { policy } = randomPolicy(seed, 1, profile);
    const expected = await replay(policy, fuzzCalls(policy, seed, 150));
    expect(new Set(expected).size).toBeGreaterThan(1);
  });

  it('agrees on kills: a call the emulator says kills does kill, one it allows does not', async () => {
    // flock is not in @node: only the rule decides
    const filter = new Filter().allow('@node').allow('flock', arg(1).eq(1));
    const program = filter.exportBpf({ pid: process.pid });
    const flock = syscallNumber('flock', 'x86_64')!;
    expect(runFilter(program, { nr: flock, arch: X86_64, args: [900n, 2n] })).toBe(0x80000000);
    expect(runFilter(program, { nr: flock, arch: X86_64, args: [900n, 1n] })).toBe(0x7fff0000);
    const child = (operation: number) => runChild(`
      const { binding } = require(${NATIVE});
      const probes = require(${ADDON});
      seccomp.Filter.fromPolicy(${JSON.stringify(filter.toPolicy())}).load({ report: false });
      report(probes.rawSyscall('native', ${flock}, 900, ${operation}).code);
    `);
    const allowed = await child(1);
    expect(allowed.reports).toEqual(['EBADF']);
    const killed = await child(2);
    expect(killed.signal).toBe('SIGSYS');
  });
});
