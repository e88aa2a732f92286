/**
 * The BPF emulator must agree with the kernel. For generated policies and generated
 * calls, the emulator's verdict on the compiled program is compared with what a child
 * process experiences when it loads the same policy and makes the same calls.
 *
 * The calls are chosen to be harmless whatever the filter says: they act on descriptors
 * that are not open (900+) or only read process facts. Rules answer with errnos the kernel
 * never returns for these calls, so an allowed call and a denied one can be told apart.
 */
import * as path from 'node:path';
import { describe as group, expect, it } from 'vitest';
import { runFilter } from '../src/bpf/emulator';
import { arg, arg32, arg64, Filter } from '../src/index';
import type { Policy } from '../src/policy';
import { syscallNumber } from '../src/syscalls';
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

type Call = { name: 'close' | 'dup' | 'lseek' | 'fcntl' | 'getpriority' | 'flock'; args: bigint[] };

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
  if (value === 0x7fff0000) return 'allow';
  if ((value & 0xffff0000) >>> 0 === 0x00050000) {
    const errno = value & 0xffff;
    return Object.entries(MARKER_NUMBERS).find(([, n]) => n === errno)?.[0] ?? `errno ${errno}`;
  }
  return `action 0x${value.toString(16)}`;
}

group('the emulator agrees with the kernel', () => {
  it.each(Object.keys(POLICIES).map((name, i) => [name, 1000 + i]))('policy %s, 300 generated calls', async (name, seed) => {
    const filter = POLICIES[name]();
    // $pid (in @node) is bound to the child's pid in the child; the generated calls never
    // signal, so the emulator's program may bind it to any pid
    const program = filter.exportBpf({ pid: process.pid });
    const calls = randomCalls(seed, 300);
    const predicted = calls.map((c) => verdictName(runFilter(program, { nr: syscallNumber(c.name, 'x86_64')!, arch: X86_64, args: c.args })));

    const policy: Policy = filter.toPolicy();
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
    const seen = r.reports[0] as string[];
    const disagreements = calls.map((c, i) => ({ call: `${c.name}(${c.args.map((a) => `0x${a.toString(16)}`).join(', ')})`, emulator: predicted[i], kernel: seen[i] }))
      .filter((d) => d.emulator !== d.kernel);
    expect(disagreements).toEqual([]);
    // the generated calls exercise both outcomes
    expect(new Set(predicted).size).toBeGreaterThan(2);
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
