/**
 * From a policy to its verified BPF program: the compiler, libseccomp, the kernel's size
 * limit and verification against the policy (src/verify). Nothing is loaded or exported
 * without passing through {@link buildVerified}. The loader (src/loader.ts) loads what this
 * builds; it loads this module only when it compiles, so a start that loads the program
 * built into the package (src/default-program.ts) never does.
 */
import { byteOrderOf, nativeArch, type ArchName } from './arch';
import { parseProgram, type Instruction } from './bpf/program';
import { compile, describeRule, type CompiledFilter } from './compiler';
import { fromNative, SeccompError, isNativeError } from './errors';
import { requireSupport } from './loader';
import { binding } from './native';
import type { Policy } from './policy';
import { locateRuleError } from './rule-origin';
import { replaceStandins, replaceStandinsInPfc } from './standin-syscalls';
import { verifyProgram } from './verify';
import { nowMs } from './clock';

/** The kernel's limit on one filter program. */
export const MAX_INSTRUCTIONS = 4096;

export interface BuildOptions {
  arch?: ArchName;
  report?: boolean;
  optimize?: 1 | 2;
  /** Syscalls to build in their second shape from the start (see reshaped()). */
  reshape?: readonly string[];
}

/** Compiles `policy`; an error about one of its rules names the file and line it was written at. */
export function compileFor(policy: Policy, options: BuildOptions = {}): CompiledFilter {
  requireSupport();
  try {
    return compile(policy, {
      arch: options.arch ?? nativeArch(), report: options.report ?? false, optimize: options.optimize ?? 2,
      ...(options.reshape?.length ? { reshape: options.reshape } : {}),
    });
  } catch (error) {
    throw locateRuleError(error, policy);
  }
}

/** A compiled program that was checked against its policy, ready to load or export. */
export interface VerifiedProgram {
  bytes: Buffer;
  /** The same program decoded and validated, for the emulator. */
  instructions: readonly Instruction[];
  /** Calls on which the program and the policy's reference interpreter agreed. */
  verifiedCalls: number;
  /** Milliseconds spent in libseccomp, and in decoding plus verification. */
  buildMs: number;
  verifyMs: number;
  /** Syscalls whose rules had to be built in a second shape (see reshaped()). */
  reshaped: readonly string[];
}

/**
 * Runs libseccomp. Whatever it refuses comes back as a SeccompError: ERR_SECCOMP_NATIVE
 * naming the policy rule (and the file and line it was written at) when libseccomp refused
 * one rule, ERR_SECCOMP_UNSUPPORTED when it cannot build for the architecture at all.
 */
function nativeBuild<M extends 'bpf' | 'pfc'>(compiled: CompiledFilter, mode: M): M extends 'bpf' ? Buffer : string {
  try {
    return binding!.buildFilter(compiled.spec, mode as 'bpf') as M extends 'bpf' ? Buffer : string;
  } catch (error) {
    throw nativeBuildError(compiled, error);
  }
}

function nativeBuildError(compiled: CompiledFilter, error: unknown): unknown {
  if (isNativeError(error) && error.code === 'EDOM') {
    return new SeccompError('ERR_SECCOMP_UNSUPPORTED',
      `libseccomp cannot build a filter for ${compiled.options.arch} on this machine: it builds only for ` +
      'architectures with this machine\'s byte order', { arch: compiled.options.arch, errno: error.code });
  }
  const nativeRule = isNativeError(error) ? error.rule : undefined;
  if (nativeRule === undefined) {
    return fromNative(error, 'ERR_SECCOMP_NATIVE', (why) => `libseccomp could not build the filter: ${why}`);
  }
  const origin = compiled.origins[nativeRule] ?? -1;
  const rule = origin >= 0 ? compiled.policy.rules[origin] : undefined;
  const errno = isNativeError(error) ? error.code : undefined;
  return locateRuleError(new SeccompError('ERR_SECCOMP_NATIVE',
    `libseccomp refused ${rule ? describeRule(rule, origin) : 'the violation reporter\'s own rule'} ` +
    `(${errno ?? 'unknown error'}). This is a bug in seccomp-node's compiler; please report it with the policy`,
    { rule: origin, ...(errno ? { errno } : {}) }), compiled.policy);
}

/**
 * The BPF program of `compiled`: built by libseccomp, refused when the kernel would not
 * take it, and verified against the policy (ERR_SECCOMP_MISCOMPILED when they disagree).
 * Nothing is loaded or exported without passing through here.
 */
export function buildVerified(compiled: CompiledFilter): VerifiedProgram {
  let attempt = compiled;
  let build = 0;
  let verify = 0;
  for (;;) {
    const t0 = nowMs();
    const bytes = buildBpf(attempt);
    const t1 = nowMs();
    build += t1 - t0;
    const instructions = bytes.length / 8;
    if (instructions > MAX_INSTRUCTIONS) {
      throw new SeccompError('ERR_SECCOMP_FILTER_TOO_LARGE',
        `the filter has ${instructions} BPF instructions; the kernel accepts at most ${MAX_INSTRUCTIONS}. ` +
        'Use fewer conditional rules or groups', { instructions });
    }
    // libseccomp writes a program in its target's byte order (s390x is big-endian).
    const parsed = parseProgram(bytes, byteOrderOf(attempt.spec.arch));
    try {
      const { vectors } = verifyProgram(attempt.policy, { arch: attempt.options.arch, report: attempt.spec.report }, parsed);
      verify += nowMs() - t1;
      return { bytes, instructions: parsed, verifiedCalls: vectors, buildMs: build, verifyMs: verify, reshaped: attempt.options.reshape ?? [] };
    } catch (error) {
      verify += nowMs() - t1;
      const next = reshaped(attempt, error);
      if (!next) throw error;
      attempt = next;
    }
  }
}

/** How many times a syscall libseccomp got wrong is compiled in another shape before giving up. */
const MAX_RESHAPES = 3;

/**
 * libseccomp 2.5.4 shares identical code blocks between syscalls even when they are reached
 * with different words in the accumulator, so two syscalls whose rules end in the same
 * comparison can break each other (the fuzzer found this, rarely, mostly on i386 and arm).
 * No single shape of the rules avoids that in general, so after a verification failure on a
 * syscall the compiler tries it again with each masked comparison split in two (the same
 * calls, other blocks), then verification judges again. Anything else is thrown as it is.
 */
function reshaped(compiled: CompiledFilter, error: unknown): CompiledFilter | undefined {
  if (!(error instanceof SeccompError) || error.code !== 'ERR_SECCOMP_MISCOMPILED') return undefined;
  const syscall = error.details.syscall;
  const done = compiled.options.reshape ?? [];
  if (typeof syscall !== 'string' || done.includes(syscall) || done.length >= MAX_RESHAPES) return undefined;
  try {
    return compile(compiled.policy, { ...compiled.options, reshape: [...done, syscall] });
  } catch {
    return undefined; // the other shape does not fit (too large): the first failure stands
  }
}

/**
 * Whether libseccomp builds `compiled` into exactly `expected`. For checks that compare
 * programs (the launcher's templates): the program built here is never handed out, so it
 * needs no verification of its own.
 */
export function buildsExactly(compiled: CompiledFilter, expected: Uint8Array): boolean {
  return buildBpf(compiled).equals(expected);
}

/** libseccomp's program for `compiled`, with the stand-in syscalls' real numbers put back. */
function buildBpf(compiled: CompiledFilter): Buffer {
  return replaceStandins(nativeBuild(compiled, 'bpf'), compiled.standins, compiled.spec.arch);
}

/** The verified BPF program of `compiled` (see {@link buildVerified}). */
export function exportBpf(compiled: CompiledFilter): Buffer {
  return buildVerified(compiled).bytes;
}

/** libseccomp's readable form, given only once the program itself has been verified. */
export function exportPfc(compiled: CompiledFilter): string {
  buildVerified(compiled);
  return replaceStandinsInPfc(nativeBuild(compiled, 'pfc'), compiled.standins);
}
