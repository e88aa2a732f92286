/**
 * Learn mode: watch a program and write the policy that allows exactly what it did.
 *
 * - learnCommand(): runs a program from its first instruction; the policy is for
 *   `seccomp-node run` (exec time), so it includes the program's startup.
 * - learn.start() / session.stop(): attaches strace to this very process, for a daemon
 *   that learns during its test suite or a warm-up, then prints the policy that
 *   `sandbox.lockdown({ policy })` would need from that point on.
 *
 * Observers. learnCommand() uses seccomp user notification where the kernel has it
 * (./notify: every call recorded by this process's supervisor thread and let through; no
 * ptrace rights, no strace binary, several times faster), or strace (`observer: 'strace'`),
 * which also decodes paths and socket addresses and so proposes Landlock rules. strace
 * (ptrace) needs the strace binary (apt-get install strace) and the right to trace: always
 * for a program strace starts itself; to attach to a running process (learn.start()), root
 * or (with Yama's ptrace_scope 1, the Ubuntu default) the process's consent, which
 * learn.start() gives with PR_SET_PTRACER.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nativeArch } from '../arch';
import { fromNative, SeccompError } from '../errors';
import { resolveExecutable } from '../children/exec';
import { isNodeProgram, shellQuote } from '../testing/exec';
import { primeForLearning, requireSupport } from '../loader';
import { binding } from '../native';
import { watchOwnCalls } from '../own-calls';
import type { LandlockRules } from '../landlock/policy';
import type { Action } from '../policy';
import { buildPolicy, type LearnedPolicy, type LearnMode } from './build';
import { readPreviousPolicy } from './merge';
import { emptyObservations, mergeObservations, observe, type Observations } from './observations';
import { findStrace, parseStrace, straceOptions } from './strace';
import { UNWATCHED, watchWithNotifications } from './notify';
import { watchChild } from './watched-child';
import { supervisionPlan } from '../children/launcher';

export { buildPolicy } from './build';
export type { BuildOptions, LearnedPolicy, LearnMode } from './build';
export { parseStrace, findStrace, straceOptions, STRACE_INSTALL_HINT } from './strace';
export type { ParsedTrace, TracedCall, StraceInfo } from './strace';
export { observe, emptyObservations, mergeObservations } from './observations';
export type { Observations, SyscallUsage, ClassUsage } from './observations';
export { readPreviousPolicy } from './merge';

export interface LearnOptions {
  /**
   * Built-in groups to include whatever was seen, as a baseline. Default: ['@node'] for Node
   * programs and in-process learning (timing-dependent runtime calls), [] for other programs.
   * [] means exactly the calls seen.
   */
  groups?: string[];
  /** A policy file written by learn (or by hand) to add this run's findings to. */
  merge?: string;
  /** strace to use (default: found on PATH). Implies `observer: 'strace'` for learnCommand(). */
  strace?: string;
}

export interface LearnCommandOptions extends LearnOptions {
  /**
   * How the calls are watched: 'seccomp' (seccomp user notification: registers only, no
   * ptrace, no Landlock proposal) or 'strace' (also paths and addresses, for @fs and @net
   * lines). Default 'seccomp' where the kernel has it, else 'strace'.
   */
  observer?: 'seccomp' | 'strace';
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** 'pipe' (default): output is collected in the result; 'inherit': the program uses this terminal. */
  stdio?: 'pipe' | 'inherit';
  /** Written to the program's stdin (with stdio 'pipe'). */
  input?: string | Uint8Array;
  /** After this long, the program is sent SIGTERM (then SIGKILL 5 s later): for daemons. */
  timeoutMs?: number;
}

export interface LearnResult extends LearnedPolicy {
  observations: Observations;
  /** How the watched program ended (commands). */
  exit?: { code: number | null; signal: NodeJS.Signals | null; timedOut: boolean };
  stdout?: string;
  stderr?: string;
}

function describeRun(command: readonly string[], exit?: LearnResult['exit'], runtime?: string): string {
  const how = !exit ? '' : exit.timedOut ? ', stopped by learn after the timeout'
    : exit.signal ? `, ended by ${exit.signal}` : `, exit status ${exit.code}`;
  return `${shellQuote(command)}  (${new Date().toISOString()}, ${runtime ? `${runtime} ` : ''}on ${nativeArch()}${how})`;
}

/** `Node v24.1.0` for a Node program (its policy depends on the version), else undefined. */
function runtimeOf(command: string, env: NodeJS.ProcessEnv): string | undefined {
  if (!isNodeProgram(command, env)) return undefined;
  const r = spawnSync(command, ['--version'], { env, encoding: 'utf8', timeout: 10_000 });
  const version = /^v\d+\.\d+\.\d+/.exec(String(r.stdout ?? '').trim())?.[0];
  return version ? `Node ${version}` : 'Node';
}

/**
 * The baseline groups when none are given: @node for a Node program (in-process learning
 * is always one), none for others. A Node runtime makes some calls only under certain
 * timing (sched_yield when threads contend, madvise when the GC decides to), so one run's
 * exact calls can kill the next run; @node holds what the runtime needs and grants no
 * files, sockets or processes.
 */
function baseline(mode: LearnMode, command: readonly string[] | undefined, env?: NodeJS.ProcessEnv): string[] {
  return mode === 'process' || (command?.[0] !== undefined && isNodeProgram(command[0], env)) ? ['@node'] : [];
}

function finish(observed: Observations, mode: LearnMode, options: LearnOptions, run: string, command: readonly string[] | undefined,
  observer: string, env?: NodeJS.ProcessEnv, unwatched?: readonly string[]): LearnedPolicy & { observations: Observations } {
  const arch = nativeArch();
  let observations = observed;
  let runs = [run];
  let groups = options.groups ?? baseline(mode, command, env);
  const groupsReason = options.groups ? 'asked' as const : 'baseline' as const;
  let kept: { rules: import('../policy').Rule[]; from: string } | undefined;
  let defaultAction: Action | undefined;
  let landlock: LandlockRules | undefined;
  if (options.merge) {
    const previous = readPreviousPolicy(options.merge, arch);
    observations = mergeObservations(previous.observations, observed);
    runs = [...previous.runs, run];
    groups = [...new Set([...previous.groups, ...groups])];
    if (previous.kept.length) kept = { rules: previous.kept, from: path.basename(options.merge) };
    defaultAction = previous.defaultAction;
    landlock = previous.landlock;
  }
  const built = buildPolicy(observations, {
    mode, groups, groupsReason, runs, arch, observer, ...(unwatched ? { unwatched } : {}),
    ...(command ? { command } : {}), ...(kept ? { kept } : {}), ...(defaultAction ? { defaultAction } : {}),
    ...(landlock ? { landlock } : {}),
  });
  return { ...built, observations };
}

/** The policy for an strace log you recorded yourself (with the options of straceOptions()). */
export function learnFromTrace(traceText: string, options: LearnOptions & { mode?: LearnMode; command?: string[]; rootPid?: number } = {}): LearnResult {
  const trace = parseStrace(traceText);
  const mode = options.mode ?? 'exec';
  const root = options.rootPid ?? trace.calls[0]?.pid;
  const observed = observe(trace, { arch: nativeArch(), ...(mode === 'exec' && root !== undefined ? { skipFirstExecveOf: root } : {}) });
  return finish(observed, mode, options, describeRun(options.command ?? ['(a recorded trace)']), options.command,
    'strace (a recorded log)');
}

function childPids(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Runs `command` under strace and resolves with the policy that allows what it did.
 * The program should end by itself (or give `timeoutMs`: it is then sent SIGTERM, so
 * that its shutdown is learned too).
 */
export async function learnCommand(command: string, args: readonly string[] = [], options: LearnCommandOptions = {}): Promise<LearnResult> {
  requireSupport();
  const env = { ...process.env, ...options.env };
  const cwd = path.resolve(options.cwd ?? process.cwd());
  resolveExecutable(command, env.PATH, cwd);
  const observer = options.observer ?? (options.strace !== undefined ? 'strace' : defaultObserver());
  if (observer === 'seccomp') return learnWithNotifications(command, args, options, env, cwd);
  const strace = findStrace(options.strace);
  // glibc's and abseil's one-time reads, made now rather than by chance while strace watches.
  primeForLearning();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-node-learn-'));
  const traceFile = path.join(dir, 'trace');
  try {
    const pipe = (options.stdio ?? 'pipe') === 'pipe';
    const child = spawn(strace.path, [...straceOptions(), '-o', traceFile, '--', command, ...args], {
      cwd, env, stdio: pipe ? [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] : 'inherit',
    });
    // The program is strace's child: stop it, and strace ends with it.
    const exit = await watchChild(child, options, (signal) => {
      for (const pid of childPids(child.pid!)) { try { process.kill(pid, signal); } catch { /* gone */ } }
    });
    let text = '';
    try { text = fs.readFileSync(traceFile, 'utf8'); } catch { /* strace failed before writing */ }
    const trace = parseStrace(text);
    if (trace.calls.length === 0) {
      const why = /^(?:\S*\/)?strace: .*$/m.exec(exit.stderr)?.[0] ?? `strace ended with ${exit.signal ?? `status ${exit.code}`}`;
      throw new SeccompError('ERR_SECCOMP_LEARN_FAILED', `learn recorded nothing: ${why}` +
        (/ptrace|permit/i.test(why) ? ' (tracing needs ptrace: in a container, allow it, e.g. docker run --cap-add SYS_PTRACE, ' +
          'or learn with seccomp user notification, which needs no ptrace: observer \'seccomp\')' : ''),
      { stderr: exit.stderr });
    }
    const observed = observe(trace, { arch: nativeArch(), skipFirstExecveOf: trace.calls[0].pid });
    const run = describeRun([command, ...args], exit, runtimeOf(command, env));
    const result = finish(observed, 'exec', options, run, [command, ...args], `strace ${strace.version}`, env);
    return { ...result, exit: { code: exit.code, signal: exit.signal, timedOut: exit.timedOut },
      ...(pipe ? { stdout: exit.stdout, stderr: exit.stderr } : {}) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** seccomp user notification where the kernel has it (with CONTINUE), else strace. */
function defaultObserver(): 'seccomp' | 'strace' {
  return supervisionPlan().record ? 'seccomp' : 'strace';
}

async function learnWithNotifications(command: string, args: readonly string[], options: LearnCommandOptions, env: NodeJS.ProcessEnv,
  cwd: string): Promise<LearnResult> {
  const pipe = (options.stdio ?? 'pipe') === 'pipe';
  const run = await watchWithNotifications(command, args, {
    env, cwd, stdio: pipe ? 'pipe' : 'inherit', ...(options.input !== undefined ? { input: options.input } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  const observed = observe(run.trace, { arch: nativeArch() });
  observed.notes.push('paths and socket addresses were not watched (seccomp notifications carry registers only), so no ' +
    'Landlock rules are proposed; learn with --observer strace for @fs and @net lines');
  const described = describeRun([command, ...args], run.exit, runtimeOf(command, env));
  const result = finish(observed, 'exec', options, described, [command, ...args], 'seccomp user notification', env, UNWATCHED);
  return { ...result, exit: run.exit, ...(pipe ? { stdout: run.stdout, stderr: run.stderr } : {}) };
}

/** A learning session attached to this process. */
export interface LearnSession {
  /** strace's process id. */
  readonly tracer: number;
  /** Detaches and resolves with the policy for what this process did since start(). */
  stop(): Promise<LearnResult>;
}

function ptraceScope(): number {
  try { return Number(fs.readFileSync('/proc/sys/kernel/yama/ptrace_scope', 'utf8').trim()); } catch { return 0; }
}

/** A process can be traced by one tracer at a time. */
let activeSession = false;

/**
 * Starts watching this process (all its threads, and children it starts) with strace.
 * Resolves once strace is attached. Needs root, or Yama's ptrace_scope at 0 or 1 (learn
 * gives strace permission with PR_SET_PTRACER); ptrace_scope 2 needs CAP_SYS_PTRACE, 3
 * forbids it.
 */
async function start(options: LearnOptions & { attachTimeoutMs?: number } = {}): Promise<LearnSession> {
  requireSupport();
  if (activeSession) {
    throw new SeccompError('ERR_SECCOMP_LEARN_BUSY', 'a learning session is already running in this process: stop() it first');
  }
  const strace = findStrace(options.strace);
  const scope = ptraceScope();
  const root = process.geteuid?.() === 0;
  if (scope >= 3 || (scope === 2 && !root)) {
    throw new SeccompError('ERR_SECCOMP_LEARN_FAILED',
      `learning in-process needs ptrace, which kernel.yama.ptrace_scope=${scope} forbids` +
      (scope === 2 ? ' to non-root users (run as root, or learn the program with `seccomp-node learn -- CMD`)' : ''), { ptraceScope: scope });
  }
  // glibc's and abseil's one-time reads, made now rather than by chance while strace watches.
  primeForLearning();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-node-learn-'));
  const traceFile = path.join(dir, 'trace');
  // strace waits for a line on stdin before it starts, so that this process can name it as
  // its tracer first (Yama ptrace_scope 1 lets only ancestors trace otherwise).
  const child = spawn('/bin/sh', ['-c', 'read _ && exec "$0" "$@"', strace.path, ...straceOptions(true), '-o', traceFile,
    '-p', String(process.pid)], { stdio: ['pipe', 'ignore', 'pipe'] });
  const tracer = child.pid!;
  if (scope === 1 && !root && binding) {
    try {
      binding.allowTracer(tracer);
    } catch (error) {
      child.kill('SIGKILL');
      throw fromNative(error, 'ERR_SECCOMP_LEARN_FAILED', (why) => `strace cannot be allowed to trace this process: ${why}`);
    }
  }
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  activeSession = true;
  exited.then(() => { activeSession = false; }, () => { activeSession = false; });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new SeccompError('ERR_SECCOMP_LEARN_FAILED', `strace did not attach within ${options.attachTimeoutMs ?? 10_000} ms: ${stderr.trim()}`)),
        options.attachTimeoutMs ?? 10_000);
      function fail(error: Error) { clearTimeout(timer); try { child.kill('SIGKILL'); } catch { /* gone */ } reject(error); }
      child.stderr!.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        if (/Process \d+ attached/.test(stderr)) { clearTimeout(timer); resolve(); }
      });
      child.on('error', fail);
      child.on('close', () => fail(new SeccompError('ERR_SECCOMP_LEARN_FAILED', `strace could not attach to this process: ${stderr.trim() || 'it exited'}` +
        (/ptrace|permit/i.test(stderr) ? ' (attaching needs root or CAP_SYS_PTRACE; in a container, docker run --cap-add SYS_PTRACE)' : ''))));
      child.stdin!.end('\n');
    });
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  // From here to strace's end, the library marks its own calls (src/own-calls.ts).
  watchOwnCalls(true);
  exited.then(() => watchOwnCalls(false), () => watchOwnCalls(false));
  let stopped: Promise<LearnResult> | undefined;
  return {
    tracer,
    stop() {
      stopped ??= (async () => {
        try {
          process.kill(tracer, 'SIGINT');
          await exited;
          const trace = parseStrace(fs.readFileSync(traceFile, 'utf8'));
          const observed = observe(trace, {
            arch: nativeArch(),
            // the signal this very stop() sent to strace
            ignore: (call) => call.name === 'kill' && call.args[0] === BigInt(tracer),
          }, emptyObservations(nativeArch()));
          const run = `${shellQuote([process.argv0, ...process.argv.slice(1).map((a) => path.basename(a))])}, in-process learning  ` +
            `(${new Date().toISOString()}, Node ${process.version} on ${nativeArch()})`;
          const result = finish(observed, 'process', options, run, undefined, `strace ${strace.version}`);
          return result;
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      })();
      return stopped;
    },
  };
}

/** In-process learning: `const session = await learn.start(); ...warm up...; const { text } = await session.stop();` */
export const learn = { start };
