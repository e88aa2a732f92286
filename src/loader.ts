/**
 * The one path from a policy to the kernel: support checks, compile, size check, load.
 * Both `sandbox.lockdown()` and `Filter#load()` come through here, so they behave alike.
 */
import * as fs from 'node:fs';
import { ARCH_TOKENS, archName as archNameOf, nativeArch, type ArchName } from './arch';
import { decodeAction, runFilter } from './bpf/emulator';
import { parseProgram, type Instruction } from './bpf/program';
import { compile, describeRule, type CompiledFilter } from './compiler';
import { SeccompError, isNativeError } from './errors';
import { binding, loadError } from './native';
import type { Policy } from './policy';
import { syscallNumber } from './syscalls';
import { verifyProgram } from './verify';

/** The kernel's limit on one filter program. */
export const MAX_INSTRUCTIONS = 4096;
const MIN_LIBSECCOMP: [number, number, number] = [2, 5, 0];
/** API level 3 means the kernel supports SECCOMP_RET_KILL_PROCESS (and TSYNC, LOG). */
const MIN_API_LEVEL = 3;

export interface SupportReport { supported: boolean; reason?: string; libseccomp?: string }

function versionAtLeast(version: string, min: [number, number, number]): boolean {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((parts[i] ?? 0) !== min[i]) return (parts[i] ?? 0) > min[i];
  }
  return true;
}

let supportCache: SupportReport | undefined;

export function checkSupport(): SupportReport {
  if (supportCache) return supportCache;
  supportCache = computeSupport();
  return supportCache;
}

function computeSupport(): SupportReport {
  if (!binding) return { supported: false, reason: loadError ?? 'the native addon is not available' };
  const info = binding.libraryInfo();
  if (!info.available || !info.version) return { supported: false, reason: info.reason ?? 'libseccomp is not available' };
  if (!versionAtLeast(info.version, MIN_LIBSECCOMP)) {
    return { supported: false, libseccomp: info.version,
      reason: `libseccomp ${info.version} is too old: ${MIN_LIBSECCOMP.join('.')} or later is needed` };
  }
  if ((info.apiLevel ?? 0) < MIN_API_LEVEL) {
    return { supported: false, libseccomp: info.version,
      reason: `the kernel lacks seccomp features seccomp-node needs (libseccomp API level ${info.apiLevel}, ` +
        `${MIN_API_LEVEL} needed: kill-process and thread sync, Linux 4.14+)` };
  }
  try {
    if (!/^Seccomp:/m.test(fs.readFileSync('/proc/self/status', 'utf8'))) {
      return { supported: false, libseccomp: info.version, reason: 'this kernel was built without seccomp' };
    }
  } catch {
    return { supported: false, libseccomp: info.version, reason: '/proc/self/status is not readable' };
  }
  return { supported: true, libseccomp: info.version };
}

export function requireSupport(): void {
  const support = checkSupport();
  if (!support.supported) {
    const tooOld = support.reason?.includes('too old') ?? false;
    throw new SeccompError(tooOld ? 'ERR_SECCOMP_LIBSECCOMP_TOO_OLD' : 'ERR_SECCOMP_UNSUPPORTED',
      `seccomp is not available here: ${support.reason}. ` +
      'Pass { optional: true } to lockdown() to carry on without a filter where that is acceptable.',
      { reason: support.reason, found: support.libseccomp, needed: MIN_LIBSECCOMP.join('.') });
  }
}

export interface BuildOptions {
  arch?: ArchName;
  report?: boolean;
  optimize?: 1 | 2;
}

export function compileFor(policy: Policy, options: BuildOptions = {}): CompiledFilter {
  requireSupport();
  return compile(policy, { arch: options.arch ?? nativeArch(), report: options.report ?? false, optimize: options.optimize ?? 2 });
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

/** Where the last loadPolicy() spent its time, in ms (read by the benchmarks). */
export interface LoadTimings { compileMs: number; buildMs: number; verifyMs: number; loadMs: number; totalMs: number }
export let lastLoadTimings: LoadTimings | undefined;

/** Runs libseccomp; its refusals come back coded and naming the policy rule. */
function nativeBuild<M extends 'bpf' | 'pfc'>(compiled: CompiledFilter, mode: M): M extends 'bpf' ? Buffer : string {
  try {
    return binding!.buildFilter(compiled.spec, mode as 'bpf') as M extends 'bpf' ? Buffer : string;
  } catch (error) {
    if (!isNativeError(error) || error.code?.startsWith('ERR_')) throw error;
    if (error.code === 'EDOM') {
      throw new SeccompError('ERR_SECCOMP_UNSUPPORTED',
        `libseccomp cannot build a filter for ${compiled.options.arch} on this machine: it builds only for ` +
        'architectures with this machine\'s byte order', { arch: compiled.options.arch, errno: error.code });
    }
    if (error.rule === undefined) {
      throw new SeccompError('ERR_SECCOMP_NATIVE', `libseccomp could not build the filter: ${error.message}`, { errno: error.code });
    }
    const origin = compiled.origins[error.rule] ?? -1;
    const rule = origin >= 0 ? compiled.policy.rules[origin] : undefined;
    throw new SeccompError('ERR_SECCOMP_NATIVE',
      `libseccomp refused ${rule ? describeRule(rule, origin) : 'the violation reporter\'s own rule'} ` +
      `(${error.code ?? 'unknown error'}). This is a bug in seccomp-node's compiler; please report it with the policy`,
      { rule: origin, errno: error.code });
  }
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
    const t0 = performance.now();
    const bytes = nativeBuild(attempt, 'bpf');
    const t1 = performance.now();
    build += t1 - t0;
    const instructions = bytes.length / 8;
    if (instructions > MAX_INSTRUCTIONS) {
      throw new SeccompError('ERR_SECCOMP_FILTER_TOO_LARGE',
        `the filter has ${instructions} BPF instructions; the kernel accepts at most ${MAX_INSTRUCTIONS}. ` +
        'Use fewer conditional rules or groups', { instructions });
    }
    const parsed = parseProgram(bytes);
    try {
      const { vectors } = verifyProgram(attempt.policy, { arch: attempt.options.arch, report: attempt.spec.report }, parsed);
      verify += performance.now() - t1;
      return { bytes, instructions: parsed, verifiedCalls: vectors, buildMs: build, verifyMs: verify, reshaped: attempt.options.reshape ?? [] };
    } catch (error) {
      verify += performance.now() - t1;
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

/** The verified BPF program of `compiled` (see {@link buildVerified}). */
export function exportBpf(compiled: CompiledFilter): Buffer {
  return buildVerified(compiled).bytes;
}

/** libseccomp's readable form, given only once the program itself has been verified. */
export function exportPfc(compiled: CompiledFilter): string {
  buildVerified(compiled);
  return nativeBuild(compiled, 'pfc');
}

export interface LoadRecord {
  /** When the filter was loaded (ISO 8601). */
  at: string;
  /** Where the policy came from: 'default profile', 'allow list', 'policy' or 'Filter'. */
  source: string;
  /** BPF instructions in the loaded program. */
  instructions: number;
  /** Whether blocked calls print a report line before the process dies. */
  report: boolean;
  /** Names in the policy that do not exist on this architecture. */
  skipped: string[];
  /** The program was checked against the policy's meaning before it was loaded (always true). */
  verified: true;
  /** On how many generated calls the program and the policy's reference interpreter agreed. */
  verifiedCalls: number;
}

/** Per-process facts captured before the first filter, when /proc may still be read. */
export interface ProcessSnapshot { filtersBefore: number; ioUringRings: number }

export const loadHistory: LoadRecord[] = [];
let snapshot: ProcessSnapshot | undefined;

export function countIoUringRings(): number {
  let rings = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:[io_uring]') rings++;
    } catch { /* closed meanwhile */ }
  }
  return rings;
}

export function readSeccompField(field: 'Seccomp' | 'Seccomp_filters' | 'NoNewPrivs', statusText?: string): number {
  const text = statusText ?? fs.readFileSync('/proc/self/status', 'utf8');
  const m = new RegExp(`^${field}:\\s*(\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/**
 * Does now, while files may still be opened, what Node and glibc do lazily on first use
 * and a tight policy would then forbid: the timezone (V8 and glibc read /etc/localtime on
 * the first local-time use), the stdio streams (creating process.stdout on a pipe or socket
 * opens /dev/null) and glibc's overcommit setting (read the first time a thread's heap
 * shrinks). Returns the load's timestamp.
 */
function primeLazyResources(): Date {
  const at = new Date();
  at.getTimezoneOffset();
  void process.stdout;
  void process.stderr;
  binding!.primeLibc();
  return at;
}

export function processSnapshot(): ProcessSnapshot | undefined { return snapshot; }

/**
 * Node 22+ opens io_uring rings at startup and aborts when io_uring_enter on them fails.
 * A filter that refuses io_uring_enter would therefore kill the process at its next new
 * socket; refuse to load it instead, and say what to do. The verdict comes from running
 * the compiled program, so it holds whatever the policy's rules look like.
 */
function checkIoUring(program: readonly Instruction[], arch: ArchName, rings: number): void {
  const nr = syscallNumber('io_uring_enter', arch);
  if (rings === 0 || nr === undefined) return;
  const IORING_ENTER_GETEVENTS = 1n;
  const { action } = decodeAction(runFilter(program, { nr, arch: ARCH_TOKENS[arch], args: [3n, 1n, 1n, IORING_ENTER_GETEVENTS, 0n, 8n] }));
  if (action === 'allow' || action === 'log') return;
  throw new SeccompError('ERR_SECCOMP_IO_URING_BLOCKED',
    `this Node process opened ${rings} io_uring ring(s) at startup and aborts if io_uring_enter fails, but the policy ` +
    `answers io_uring_enter with ${action}. Either allow it (add 'io_uring_enter' to \`allow\`; operations submitted ` +
    'through the existing rings then bypass seccomp, see README "Threat model"), or apply the policy before Node starts ' +
    '(seccomp-node run, sandbox.spawn or sandbox.fork), where no ring ever exists', { rings, action });
}

/**
 * Loads `policy` into the kernel for every thread. Either the filter is fully in place
 * when this returns, or it throws and no filter was added. `beforeExec`: the process
 * replaces itself right after (run, spawn), so the policy is for the next program and
 * this process's io_uring rings, closed on exec, do not matter.
 */
export function loadPolicy(policy: Policy, source: string,
  options: { report: boolean; optimize?: 1 | 2; beforeExec?: boolean }): LoadRecord {
  const started = performance.now();
  const compiled = compileFor(policy, { report: options.report, optimize: options.optimize });
  const compileMs = performance.now() - started;
  const program = buildVerified(compiled);
  const at = primeLazyResources();
  if (!snapshot) snapshot = { filtersBefore: readSeccompField('Seccomp_filters'), ioUringRings: countIoUringRings() };
  if (!options.beforeExec) checkIoUring(program.instructions, archNameOf(compiled.spec.arch) ?? nativeArch(), snapshot.ioUringRings);
  try {
    // Right before execve, only the calling thread takes the filter: the others (V8's
    // workers) are about to be removed by the exec and must not run under the next
    // program's policy meanwhile.
    binding!.loadProgram(program.bytes, { tsync: !options.beforeExec, report: compiled.spec.report });
  } catch (error) {
    if (isNativeError(error) && error.code === 'ESRCH') {
      throw new SeccompError('ERR_SECCOMP_TSYNC_FAILED',
        `the filter was not loaded: thread ${error.thread} could not be synchronised (it has a seccomp filter ` +
        'that the other threads do not share). Nothing was changed; load filters only through seccomp-node, ' +
        'before any thread installs its own', { thread: error.thread });
    }
    const code = isNativeError(error) ? error.code : undefined;
    throw new SeccompError('ERR_SECCOMP_LOAD_FAILED',
      `the kernel refused the filter (${code ?? 'unknown error'}): ${(error as Error).message}. No filter was added`,
      { errno: code });
  }
  const totalMs = performance.now() - started;
  lastLoadTimings = { compileMs, buildMs: program.buildMs, verifyMs: program.verifyMs,
    loadMs: totalMs - compileMs - program.buildMs - program.verifyMs, totalMs };
  const record: LoadRecord = {
    at: at.toISOString(), source, instructions: program.instructions.length, report: compiled.spec.report,
    skipped: compiled.skipped, verified: true, verifiedCalls: program.verifiedCalls,
  };
  loadHistory.push(record);
  return record;
}
