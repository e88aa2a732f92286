/**
 * The system calls of the runtime's lazy probes (abseil's CPU count and frequency in V8, Node
 * 22 and later: native/prime.cc), as strace shows them: read a /sys file (open read-only with
 * close-on-exec, read, close) and, where the TSC frequency file is missing, sleep while they
 * time the CPU (nanosleep, which glibc makes as clock_nanosleep on CLOCK_REALTIME), up to 255
 * ms on a machine whose measurements disagree. Lockdown runs the probes before the load
 * because a policy without read-only opens would kill the V8 thread that runs them later. A
 * program that allows every one of these calls needs no such priming: the probes may then
 * run whenever V8 first needs them.
 */
import type { ArchName } from './arch';
import { verdictOf } from './loader';
import { binding } from './native';

const AT_FDCWD = BigInt.asUintN(64, -100n);
const FD = 21n; // any descriptor
const ADDR = 0x7ffd0d2c0e00n; // any user pointer

function constant(name: string, fallback: number): bigint {
  return BigInt(binding?.constants[name] ?? fallback);
}

/** The calls, with arguments like the real ones. */
export function runtimeProbeCalls(): { syscall: string; args: bigint[] }[] {
  const O_RDONLY = constant('O_RDONLY', 0);
  const O_CLOEXEC = constant('O_CLOEXEC', 0o2000000);
  const CLOCK_REALTIME = 0n;
  return [
    { syscall: 'openat', args: [AT_FDCWD, ADDR, O_RDONLY | O_CLOEXEC, 0n] },
    { syscall: 'read', args: [FD, ADDR, 1024n] },
    { syscall: 'close', args: [FD] },
    { syscall: 'clock_nanosleep', args: [CLOCK_REALTIME, 0n, ADDR, ADDR] },
  ];
}

/** Whether `program` (for `arch`) allows every call of the probes. */
export function allowsRuntimeProbes(program: Uint8Array, arch: ArchName): boolean {
  return runtimeProbeCalls().every(({ syscall, args }) => {
    const action = verdictOf(program, arch, syscall, args);
    return action === 'allow' || action === 'log';
  });
}
