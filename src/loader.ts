/**
 * The one path from a policy to the kernel: support checks, the program (compiled and
 * verified by src/verified-program.ts, or built into the package for the default profile:
 * src/default-program.ts), the Landlock layer, the load. `sandbox.lockdown()`,
 * `Filter#load()` and exec's pin all come through here, so they behave alike.
 */
import * as fs from 'node:fs';
import type * as AllowingGroups from './allowing-groups';
import { ARCH_TOKENS, archName, nativeArch, type ArchName } from './arch';
import type * as Emulator from './bpf/emulator';
import type { ActionName } from './bpf/emulator';
import type * as DefaultProgram from './default-program';
import type { LazyResource } from './lazy-calls';
import { SeccompError, isNativeError } from './errors';
import type * as LoadHints from './load-hints';
import { MIN_LIBSECCOMP, unmetRequirements, versionAtLeast } from './libseccomp-facts';
import { applyLandlockPlan, noLayer, noteSkipped, planLandlock, type AppliedLandlockLayer, type LandlockPlan } from './landlock';
import type { FsRules } from './landlock/policy';
import { landlockStepCalls } from './landlock/step';
import { binding, loadError } from './native';
import type { Policy } from './policy';
import type * as SelfPid from './self-pid';
import type * as SigsysGuard from './sigsys-guard';
import type * as Syscalls from './syscalls';
import type * as VerifiedProgram from './verified-program';
import { nowMs } from './clock';

// Loaded when needed: compiling, running a program in the emulator, the report's hints,
// the hint for a missing libseccomp.
const libseccompHint = (): string => (require('./load-hints') as typeof LoadHints).libseccompHint();
const build = (): typeof VerifiedProgram => require('./verified-program') as typeof VerifiedProgram;
const emulator = (): typeof Emulator => require('./bpf/emulator') as typeof Emulator;
const syscalls = (): typeof Syscalls => require('./syscalls') as typeof Syscalls;

/** API level 3 means the kernel supports SECCOMP_RET_KILL_PROCESS (and TSYNC, LOG). */
const MIN_API_LEVEL = 3;

export interface SupportReport { supported: boolean; reason?: string; libseccomp?: string }

let supportCache: SupportReport | undefined;

export function checkSupport(): SupportReport {
  if (supportCache) return supportCache;
  supportCache = computeSupport();
  return supportCache;
}

function computeSupport(): SupportReport {
  if (!binding) return { supported: false, reason: loadError ?? 'the native addon is not available' };
  const info = binding.libraryInfo();
  if (!info.available || !info.version) {
    return { supported: false, reason: `${info.reason ?? 'libseccomp is not available'}; ${libseccompHint()}` };
  }
  if (!versionAtLeast(info.version, MIN_LIBSECCOMP)) {
    // Each minimum is tied to what needs it (src/libseccomp-facts.ts): say what is missing.
    const missing = unmetRequirements(info.version).map((r) => `${r.feature} (${r.version})`).join('; ');
    return { supported: false, libseccomp: info.version,
      reason: `libseccomp ${info.version} is too old: ${MIN_LIBSECCOMP} or later is needed, for ${missing}; ${libseccompHint()}` };
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
  } catch (error) {
    // Inside a Landlock domain made by a parent, this process's own /proc entry may be out of
    // its reach; API level 3 already showed that the kernel filters (and kills processes).
    if ((error as NodeJS.ErrnoException).code !== 'EACCES') {
      return { supported: false, libseccomp: info.version, reason: '/proc/self/status is not readable' };
    }
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
      { reason: support.reason, found: support.libseccomp, needed: MIN_LIBSECCOMP });
  }
}

/**
 * Where the last lockdown spent its time, in ms (read by the benchmarks): building the policy
 * (lockdown's options, the default profile), the compiler (with the `$pid` and SIGSYS steps),
 * libseccomp, verification, the Landlock layer (plan and apply), and the rest of the load
 * (lockdown's preparations and the kernel call). `totalMs` is from loadPolicy's start.
 */
export interface LoadTimings {
  policyMs: number; compileMs: number; buildMs: number; verifyMs: number; landlockMs: number; loadMs: number; totalMs: number;
}
export let lastLoadTimings: LoadTimings | undefined;

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
  /** The Landlock layer applied first, when one was (see status().landlock). */
  landlock?: AppliedLandlockLayer;
  /** The program was checked against the policy's meaning before it was loaded (always true). */
  verified: true;
  /** On how many generated calls the program and the policy's reference interpreter agreed. */
  verifiedCalls: number;
  /**
   * The program was compiled and verified when the package was built, not at this load: the
   * default profile's, with this process's pid filled in (docs/performance.md).
   */
  prebuilt: boolean;
}

/** Per-process facts captured before the first filter, when /proc may still be read. */
export interface ProcessSnapshot { filtersBefore: number; ioUringRings: number }

export const loadHistory: LoadRecord[] = [];
let snapshot: ProcessSnapshot | undefined;
/** The programs loaded in this process, to check what a later load may still do. */
const loadedPrograms: { program: Buffer; arch: ArchName }[] = [];

/**
 * The seccomp filters in force in this process: the programs seccomp-node loaded here
 * (oldest first), and how many filters were there before them, loaded by someone else (a
 * container runtime, a parent, a launcher), whose verdicts are unknown here.
 */
export function filtersInForce(): { programs: readonly { program: Buffer; arch: ArchName }[]; foreign: number } {
  return { programs: loadedPrograms, foreign: snapshot ? snapshot.filtersBefore : readSeccompField('Seccomp_filters') };
}

export function countIoUringRings(): number {
  return ioUringRingFds().length;
}

function ioUringRingFds(): string[] {
  const rings: string[] = [];
  let fds: string[];
  try {
    fds = fs.readdirSync('/proc/self/fd');
  } catch {
    return rings; // out of reach inside a parent's Landlock domain: none known
  }
  for (const fd of fds) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:[io_uring]') rings.push(fd);
    } catch { /* closed meanwhile */ }
  }
  return rings;
}

/**
 * A ring whose kernel thread polls its submission queue (IORING_SETUP_SQPOLL) runs every
 * operation with the credentials the ring was created with, and needs no system call from
 * the process while it is awake: it bypasses seccomp and Landlock alike. Node 20 creates
 * such rings under UV_USE_IO_URING=1; Node 24 does not. Refuse to lock down beside one.
 */
function refuseSqpollRing(fd: string): void {
  let info = '';
  try { info = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'); } catch { return; }
  const thread = /^SqThread:\s*(-?\d+)/m.exec(info);
  if (thread && Number(thread[1]) !== -1) {
    throw new SeccompError('ERR_SECCOMP_IO_URING_SQPOLL',
      `io_uring ring (descriptor ${fd}) has a submission-queue polling thread (SQPOLL, kernel thread ${thread[1]}), which ` +
      'runs operations with the credentials of before the lockdown and without system calls: seccomp and Landlock could ' +
      'not stop them. Nothing was applied. Node 20 creates such rings under UV_USE_IO_URING=1: unset it, or apply the ' +
      'policy before Node starts (seccomp-node run, sandbox.spawn)', { fd: Number(fd), sqThread: Number(thread[1]) });
  }
}

/**
 * The per-thread seccomp filters before a Landlock layer goes on: if threads differ, the
 * TSYNC load that follows the layer would fail, and a process half locked down must then
 * end. Differing counts are certain failure; refuse now, with nothing applied.
 */
function checkThreadFilters(): void {
  const counts = new Map<number, string>();
  let tids: string[];
  try { tids = fs.readdirSync('/proc/self/task'); } catch { return; }
  for (const tid of tids) {
    try {
      counts.set(readSeccompField('Seccomp_filters', fs.readFileSync(`/proc/self/task/${tid}/status`, 'utf8')), tid);
    } catch { /* the thread ended */ }
  }
  if (counts.size > 1) {
    const thread = Number([...counts.values()][counts.size - 1]);
    throw new SeccompError('ERR_SECCOMP_TSYNC_FAILED',
      `nothing was loaded: the threads of this process do not share one seccomp filter (thread ${thread} differs), so the ` +
      'filter could not be synchronised. Load filters only through seccomp-node, before any thread installs its own',
      { thread });
  }
}

/** The first call of the Landlock step that an earlier filter of this process kills, if any. */
function landlockStepBlocked(threads: 'calling' | 'tsync' | 'every'): string | undefined {
  for (const { program, arch } of loadedPrograms) {
    for (const call of landlockStepCalls(threads)) {
      const action = verdictOf(program, arch, call.syscall, call.args);
      if (action === 'kill-process' || action === 'kill-thread' || action === 'trap') return call.syscall;
    }
  }
  return undefined;
}

/**
 * What `program` (for `arch`) answers `syscall` with these arguments, run in the emulator;
 * undefined where the call does not exist on `arch`.
 */
export function verdictOf(program: Uint8Array, arch: ArchName, syscall: string, args: bigint[]): ActionName | undefined {
  const nr = syscalls().syscallNumber(syscall, arch);
  if (nr === undefined) return undefined;
  const { decodeAction, runFilter } = emulator();
  return decodeAction(runFilter(program, { nr, arch: ARCH_TOKENS[arch], args })).action;
}

export function readSeccompField(field: 'Seccomp' | 'Seccomp_filters' | 'NoNewPrivs', statusText?: string): number {
  let text = statusText;
  try {
    text ??= fs.readFileSync('/proc/self/status', 'utf8');
  } catch {
    return 0; // out of reach inside a parent's Landlock domain
  }
  const m = new RegExp(`^${field}:\\s*(\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

let libcPrimed = false;
/** The runtime's probes have run (they run once per process, then answer from a cache). */
let runtimePrimed = false;

/**
 * Does now, while files may still be opened, what Node and glibc do lazily on first use
 * and a tight policy would then forbid: the timezone (V8 and glibc read /etc/localtime on
 * the first local-time use), the stdio streams (creating process.stdout on a pipe or socket
 * opens /dev/null, on a terminal reopens it), glibc's overcommit setting (read the first
 * time a thread's heap shrinks), abseil's CPU count and frequency (read from /sys the first
 * time one of V8's locks is contended, on Node 22+) and, under Landlock file rules, the
 * extra CA certificates. What the program is known to allow (`allowed`: src/lazy-calls.ts)
 * is left to the runtime. Returns the load's timestamp.
 */
function primeLazyResources(policy: Pick<Policy, 'landlock'>, inProcess: boolean, allowed: readonly LazyResource[]): Date {
  const at = new Date();
  at.getTimezoneOffset();
  // Landlock file rules could refuse what the filter allows (a terminal reopened by its path,
  // glibc's and abseil's reads): under them, everything is done now.
  const primeNow = (resource: LazyResource): boolean => !allowed.includes(resource) || policy.landlock?.fs !== undefined;
  if (primeNow('stdio')) {
    void process.stdout;
    void process.stderr;
  }
  // glibc reads the setting once per process: once a heap has shrunk, that is done.
  if (primeNow('libcOvercommit')) libcPrimed ||= binding!.primeLibc();
  if (primeNow('runtimeProbes') && !runtimePrimed) {
    binding!.primeRuntime();
    runtimePrimed = true;
  }
  // Node 22+ reads NODE_EXTRA_CA_CERTS on first TLS use; Landlock would then refuse it.
  if (inProcess && policy.landlock?.fs && process.env.NODE_EXTRA_CA_CERTS) {
    try { (require('node:tls') as typeof import('node:tls')).createSecureContext(); } catch { /* Node reports a bad file itself */ }
  }
  return at;
}

/**
 * Before in-process learning (src/learn): primes what a lockdown under the learned policy
 * primes before its filter (a compiled program allows none of it), so that the runtime's
 * one-time reads, which then never happen under the filter, are not learned as the
 * program's. Only before any filter: under one, the lockdown that loaded it has decided.
 */
export function primeForLearning(): void {
  if (loadedPrograms.length === 0 && readSeccompField('Seccomp') === 0) primeLazyResources({}, true, []);
}

/**
 * The report's hint lines (which groups would allow each call). Only the first load installs
 * the report, and only before any filter of ours is in force is reading the groups' data
 * sure to be allowed (a fault filter may fail openat): later, or if reading fails, the report
 * goes without hints rather than the load failing over them. Hints already worked out (the
 * program built into the package carries them) are used as they are.
 */
function reportHints(names: string, known: string | undefined): string {
  if (loadedPrograms.length > 0) return '';
  if (known !== undefined) return known;
  try {
    return (require('./allowing-groups') as typeof AllowingGroups).violationHints(names.split('\n')).join('\n');
  } catch {
    return '';
  }
}

/**
 * Starts what primeLazyResources() finishes and can run meanwhile: abseil's probes sleep
 * for a few milliseconds while they time the CPU.
 */
export function beginPriming(): void {
  // Only before any filter: once one is in force (ours, or one this process started under), a
  // new thread's clone may be refused, and the probes have run already or run in the load.
  if (!runtimePrimed && loadedPrograms.length === 0 && readSeccompField('Seccomp') === 0) binding!.beginPrimeRuntime();
}

export function processSnapshot(): ProcessSnapshot | undefined { return snapshot; }

/**
 * Node 22+ opens io_uring rings at startup and aborts when io_uring_enter on them fails.
 * A filter that refuses io_uring_enter would therefore kill the process at its next new
 * socket; refuse to load it instead, and say what to do. The verdict comes from running
 * the compiled program, so it holds whatever the policy's rules look like.
 */
function checkIoUring(program: PreparedProgram, rings: number): void {
  if (rings === 0) return;
  const action = program.ioUringEnter ?? ioUringEnterAction(program.bytes, program.arch);
  if (action === undefined || action === 'allow' || action === 'log') return;
  throw new SeccompError('ERR_SECCOMP_IO_URING_BLOCKED',
    `this Node process opened ${rings} io_uring ring(s) at startup and aborts if io_uring_enter fails, but the policy ` +
    `answers io_uring_enter with ${action}. Either allow it (add 'io_uring_enter' to \`allow\`; operations submitted ` +
    'through the existing rings then bypass seccomp, see docs/threat-model.md), or apply the policy before Node starts ' +
    '(seccomp-node run, sandbox.spawn or sandbox.fork), where no ring ever exists', { rings, action });
}

/** What `program` answers libuv's io_uring_enter (waiting for completions); undefined where the call does not exist. */
export function ioUringEnterAction(program: Buffer, arch: ArchName): ActionName | undefined {
  const IORING_ENTER_GETEVENTS = 1n;
  return verdictOf(program, arch, 'io_uring_enter', [3n, 1n, 1n, IORING_ENTER_GETEVENTS, 0n, 8n]);
}

export interface LoadOptions {
  report: boolean;
  optimize?: 1 | 2;
  /**
   * The process replaces itself right after (run, spawn): the policy is for the next program,
   * this process's io_uring rings (closed on exec) do not matter, and only the calling
   * thread is restricted (the others are about to go).
   */
  beforeExec?: boolean;
  /** Isolate with Landlock when the policy says nothing: lockdown, spawn and run do; Filter#load does not. */
  defaultIsolation?: boolean;
  /** Granted when the policy restricts the file system: what the exec needs (the program). */
  landlockNeeds?: FsRules;
  /** Time the caller spent building `policy`, recorded with the load's timings. */
  policyMs?: number;
}

/** Whether probing the Landlock ABI now is safe: no filter of this process would kill the probe. */
export function canProbeLandlock(): boolean {
  return landlockStepBlocked('calling') === undefined;
}

/**
 * The policy's Landlock layer for this load, checked against the kernel and the filters in
 * force. A filter of this process that would kill a call of the Landlock step (the probe
 * included) refuses explicit rules here, with nothing changed, and drops the default
 * isolation with a note.
 */
export function planLandlockFor(policy: Pick<Policy, 'landlock'>, options: LoadOptions): LandlockPlan {
  const rules = policy.landlock;
  const explicit = rules?.fs !== undefined || rules?.net !== undefined || (rules?.isolate !== undefined && rules.isolate !== false);
  const defaultIsolation = options.defaultIsolation ?? false;
  if (!explicit && (rules?.isolate === false || !defaultIsolation)) return noLayer('calling');
  const refuse = (blocked: string): LandlockPlan => {
    if (!explicit) {
      return { ...noLayer('calling', `no Landlock layer: a seccomp filter in force kills ${blocked}, which applying one needs`), blockedBy: blocked };
    }
    throw new SeccompError('ERR_SECCOMP_LANDLOCK_BLOCKED',
      `the Landlock rules were not applied: a seccomp filter already in force kills ${blocked}, which applying them needs. ` +
      'Nothing was changed. Allow it in the earlier filter (the default profile does), or give the Landlock rules in ' +
      'that first lockdown', { syscall: blocked });
  };
  // Filters loaded before exec (by a parent, or seccomp-node run) are not known here: the
  // default isolation cannot tell whether they allow the Landlock step, so it stays out.
  const foreign = snapshot?.filtersBefore ?? 0;
  if (!explicit && !options.beforeExec && foreign > 0) {
    return noLayer('calling', `no Landlock layer (default isolation): ${foreign} seccomp filter(s) loaded before this process ` +
      'started may refuse what applying one needs; pass isolate: true, or fs/net rules, to apply one anyway');
  }
  const probeBlocked = landlockStepBlocked('calling');
  if (probeBlocked) return refuse(probeBlocked);
  const plan = planLandlock(rules, {
    target: options.beforeExec ? 'exec' : 'process', defaultIsolation,
    ...(options.landlockNeeds ? { needs: options.landlockNeeds } : {}),
  });
  const blocked = plan.spec ? landlockStepBlocked(plan.spec.threads) : undefined;
  return blocked ? refuse(blocked) : plan;
}

/** Ends a process that holds a Landlock layer but could not take its seccomp filter. */
function endHalfLockedDown(reason: string): never {
  try {
    fs.writeSync(2, `seccomp-node: the Landlock layer is in force but the seccomp filter could not be loaded (${reason}); ` +
      'killing the process so that it never runs half locked down\n');
  } catch { /* stderr closed */ }
  process.kill(process.pid, 'SIGKILL');
  return process.exit(137);
}

/** A program ready to load, and what its load record says about it. */
export interface PreparedProgram {
  bytes: Buffer;
  arch: ArchName;
  report: boolean;
  /** For the report: the names of this architecture's calls, a line per number, and the hint line for each. */
  syscallNames?: string;
  syscallHints?: string;
  skipped: string[];
  verifiedCalls: number;
  /** Compiled and verified by the package's build (src/default-program.ts), not by this load. */
  prebuilt: boolean;
  /** What the program answers io_uring_enter, when known already (see checkIoUring). */
  ioUringEnter?: ActionName;
  /** What the program allows the runtime to do lazily (src/lazy-calls.ts): that needs no priming. */
  lazyAllowed?: readonly LazyResource[];
  compileMs: number; buildMs: number; verifyMs: number;
}

/** Compiles and verifies `policy` for this process (its pid for `$pid`, the SIGSYS guard with the report). */
function prepareProgram(policy: Policy, options: LoadOptions): PreparedProgram {
  // `$pid` is this process, the one the filter is loaded into (see self-pid). With the
  // report on, nothing may take the report's SIGSYS handler over (see sigsys-guard).
  const started = nowMs();
  const bound = (require('./self-pid') as typeof SelfPid).bindSelfPid(policy, process.pid);
  const guarded = options.report ? (require('./sigsys-guard') as typeof SigsysGuard).guardSigsys(bound) : bound;
  const { buildVerified, compileFor } = build();
  const compiled = compileFor(guarded, { report: options.report, optimize: options.optimize });
  const compileMs = nowMs() - started;
  // Only foreign-architecture filters have stand-ins, and those are never loaded here.
  if (compiled.standins.length > 0) throw new SeccompError('ERR_SECCOMP_UNSUPPORTED', 'a filter with stand-in syscalls cannot be loaded');
  const program = buildVerified(compiled);
  return {
    bytes: program.bytes, arch: archName(compiled.spec.arch) ?? nativeArch(), report: compiled.spec.report,
    ...(compiled.spec.syscallNames ? { syscallNames: compiled.spec.syscallNames.join('\n') } : {}),
    skipped: compiled.skipped, verifiedCalls: program.verifiedCalls, prebuilt: false,
    compileMs, buildMs: program.buildMs, verifyMs: program.verifyMs,
  };
}

/**
 * Loads `policy` into the kernel for every thread: its Landlock layer first, then the
 * seccomp filter. Either both are fully in place when this returns, or it throws and
 * nothing was added; past the Landlock restriction itself, a failure ends the process
 * instead (it must never run half restricted).
 */
export function loadPolicy(policy: Policy, source: string, options: LoadOptions): LoadRecord {
  const started = nowMs();
  beginPriming();
  return loadPrepared(prepareProgram(policy, options), policy, source, options, started);
}

/**
 * `lockdown()` without options: the default profile's program from the package's build
 * when there is one for this process (src/default-program.ts), else `policy()` compiled
 * and verified here, as any policy.
 */
export function loadDefaultProfile(policy: () => Policy, options: LoadOptions): LoadRecord {
  const started = nowMs();
  const { defaultProgram, defaultProgramLandlock } = require('./default-program') as typeof DefaultProgram;
  const prebuilt = defaultProgram(process.pid, options);
  if (prebuilt) {
    if (!prebuilt.lazyAllowed?.includes('runtimeProbes')) beginPriming();
    return loadPrepared(prebuilt, { landlock: defaultProgramLandlock() }, 'default profile', options, started);
  }
  const policyStarted = nowMs();
  const built = policy();
  return loadPolicy(built, 'default profile', { ...options, policyMs: nowMs() - policyStarted });
}

/** Loads a prepared program (see {@link loadPolicy}), with `policy`'s Landlock rules. */
function loadPrepared(program: PreparedProgram, policy: Pick<Policy, 'landlock'>, source: string, options: LoadOptions,
  started: number): LoadRecord {
  const prepared = nowMs();
  const at = primeLazyResources(policy, !options.beforeExec, program.lazyAllowed ?? []);
  if (!snapshot) {
    // The descriptors are listed once for both: SQPOLL rings refused (an exec would close
    // them: not checked then) and the rings counted.
    const rings = ioUringRingFds();
    if (!options.beforeExec) for (const fd of rings) refuseSqpollRing(fd);
    snapshot = { filtersBefore: readSeccompField('Seccomp_filters'), ioUringRings: rings.length };
  }
  if (!options.beforeExec) checkIoUring(program, snapshot.ioUringRings);
  const landlockStarted = nowMs();
  const plan = planLandlockFor(policy, options);
  if (plan.spec && !options.beforeExec && loadedPrograms.length === 0) checkThreadFilters();
  const landlock = applyLandlockPlan(plan, source);
  if (!landlock) noteSkipped(plan);
  const landlockMs = nowMs() - landlockStarted;
  try {
    // Right before execve, only the calling thread takes the filter: the others (V8's
    // workers) are about to be removed by the exec and must not run under the next
    // program's policy meanwhile.
    const names = program.syscallNames;
    binding!.loadProgram(program.bytes, {
      tsync: !options.beforeExec, report: program.report,
      ...(names ? { syscallNames: names, syscallHints: reportHints(names, program.syscallHints) } : {}),
    });
  } catch (error) {
    if (landlock) endHalfLockedDown(isNativeError(error) ? error.code ?? error.message : String(error));
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
  loadedPrograms.push({ program: program.bytes, arch: program.arch });
  const done = nowMs();
  lastLoadTimings = { policyMs: options.policyMs ?? 0, compileMs: program.compileMs, buildMs: program.buildMs,
    verifyMs: program.verifyMs, landlockMs, loadMs: done - prepared - landlockMs, totalMs: done - started };
  const record: LoadRecord = {
    at: at.toISOString(), source, instructions: program.bytes.length / 8, report: program.report,
    skipped: [...program.skipped], verified: true, verifiedCalls: program.verifiedCalls, prebuilt: program.prebuilt,
    ...(landlock ? { landlock } : {}),
  };
  loadHistory.push(record);
  return record;
}
