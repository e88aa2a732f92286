/**
 * `seccomp-node/testing`: run code in a child process under a policy (and injected
 * faults) and find out how it ended.
 *
 * ```ts
 * const r = await runSandboxed(() => require('fs').readFileSync('/etc/passwd'), { allow: ['@node'] });
 * r.signal;   // 'SIGSYS'
 * r.syscall;  // 'openat'
 * ```
 *
 * A filter can never be removed, so nothing here loads one into the calling process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { AssertionError } from 'node:assert';
import { isDeepStrictEqual } from 'node:util';
import { isSeccompErrorCode, SeccompError } from '../errors';
import { resolveExecutable } from '../children/exec';
import { Filter } from '../filter';
import { defaultDaemonProfile, entriesNeeds, expandEntries, type GroupEntry } from '../groups';
import {
  addNeeds, isEmptyLandlock, landlockFromOptions, LANDLOCK_OPTION_KEY_LIST, mergeLandlock, type LandlockOptions,
} from '../landlock/policy';
import { planLandlockFor } from '../loader';
import { compileFor } from '../verified-program';
import { launchFailureError, type SupervisedViolation, type Supervision } from '../children/launcher';
import { checkKnownKeys, type KeyList } from '../known-keys';
import { checkPolicy, parseAction, type Action, type Policy } from '../policy';
import { readPolicySpec } from '../policy-spec';
import { prepareCommand } from './command';
import { isNodeProgram } from './exec';
import { faultPolicy, type FaultExemption, type FaultSpec } from './faults';
import { watchKernelLog } from './kernel-log';
import type { ErrorInfo, RunnerMessage, RunnerSpec } from './runner';
import { bindForChecking } from '../self-pid';

export { faultPolicy, addFaultArgument, describeFaults } from './faults';
export type { Fault, FaultRule, FaultSpec, FaultExemption } from './faults';
export type { ErrorInfo } from './runner';
export { runChaos } from './chaos';
export type { ChaosOptions, ChaosResult, ChaosVerdict } from './chaos';

/** The package root: runners and preloads are found relative to it (src/ or lib/). */
const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
/** The compiled child-side scripts. */
export const RUNNER_SCRIPT = path.join(PACKAGE_ROOT, 'lib', 'testing', 'runner.js');
export const PRELOAD_SCRIPT = path.join(PACKAGE_ROOT, 'lib', 'testing', 'preload.js');
/** The descriptor results travel on, in the child. */
const RESULT_FD = 3;

/** What to run: a function (serialised with its source: no closures), a module export, or a program. */
export type SandboxTarget =
  // `never[]` accepts a function with any parameters, without `any`: the arguments come
  // from `options.args` at run time, in the child.
  | ((...args: never[]) => unknown)
  | { module: string; export?: string }
  | { command: string; args?: readonly string[] };

export interface RunSandboxedOptions extends LandlockOptions {
  /**
   * As for `lockdown()`: system call names, `'@groups'` and rules, replacing the default
   * profile. Not together with `policy` (`ERR_SECCOMP_INVALID_OPTION`).
   * @defaultValue with none of `allow`, `policy`, `defaultAction` and `fail`: the default
   * daemon profile (plus `@exec-start` for commands)
   */
  allow?: GroupEntry[];
  /**
   * A whole policy: data, a `Filter`, or a policy string (a file path relative to `cwd`, a
   * preset, a list such as `'@node,@fs-read'`, JSON). Not together with `allow`.
   */
  policy?: Policy | Filter | string;
  /**
   * The action for calls no rule matches.
   * @defaultValue `'kill-process'` (with `policy`: the policy's)
   */
  defaultAction?: Action;
  /**
   * Print the violation line before dying (functions and modules; the line is lost at a
   * command's exec).
   * @defaultValue `true`
   */
  report?: boolean;
  /**
   * libseccomp's layout, as for `lockdown()`: `2` binary tree, `1` linear.
   * @defaultValue `2`
   */
  optimize?: 1 | 2;
  /**
   * Make these calls fail: `{ openat: 'EIO', write: { errno: 'ENOSPC', when: 'arg0 == 1' } }`
   * (docs/testing.md, "Fault injection"). Given without `allow`, `policy` and
   * `defaultAction`, only the faults are loaded.
   */
  fail?: FaultSpec;
  /**
   * Commands only: when the faults begin. `'exec'`: from the program's first instruction.
   * `'main'` (Node programs only): once the main module starts, after Node's own startup.
   * @defaultValue `'main'` for Node programs, `'exec'` for others
   */
  faultsFrom?: 'exec' | 'main';
  /** Arguments for the function (structured-cloneable values). */
  args?: unknown[];
  /**
   * Kill the child (SIGKILL) after this many milliseconds; the outcome is then `'timed-out'`.
   * @defaultValue `30000`
   */
  timeoutMs?: number;
  /** Added to this process's environment for the child. */
  env?: NodeJS.ProcessEnv;
  /**
   * Working directory of the child; `require` in a function and relative policy files
   * resolve from it.
   * @defaultValue this process's
   */
  cwd?: string;
  /**
   * Written to the child's stdin.
   * @defaultValue no stdin
   */
  input?: string | Uint8Array;
  /**
   * Functions only: after the function settles, let the child run until its event loop is
   * empty, instead of exiting at once so that nothing after the call can interfere.
   * @defaultValue `false`
   */
  keepAlive?: boolean;
}

/** How the child ended, in one word. */
export type SandboxOutcome = 'returned' | 'threw' | 'exited' | 'blocked' | 'crashed' | 'timed-out';

export interface SandboxedResult {
  outcome: SandboxOutcome;
  /** Exit status, when the child exited. */
  code: number | null;
  /** The signal that ended it: 'SIGSYS' when seccomp killed it. */
  signal: NodeJS.Signals | null;
  /** Killed by seccomp (SIGSYS). */
  blocked: boolean;
  /** The child's process id (for a command, the program's: it keeps the pid across exec). */
  pid?: number;
  /**
   * The blocked call: from the report line (functions), from the supervisor's notification
   * (commands, where seccomp user notification is available), or from the kernel log
   * (commands otherwise, best effort).
   */
  syscall?: string;
  nr?: number;
  arch?: string;
  thread?: number;
  mainThread?: boolean;
  /** Commands, from a notification: the six argument registers (hex). */
  args?: string[];
  /**
   * The built-in groups that would allow the blocked call: for commands, with exactly these
   * arguments (from the notification); for functions, from the report's hint line, groups
   * that allow the call with at least some arguments. [] when none does.
   */
  groups?: string[];
  syscallSource?: 'report' | 'notification' | 'kernel-log';
  stdout: string;
  stderr: string;
  /** What the function returned (structured clone), when it returned. */
  value?: unknown;
  /** What the function threw (or an uncaught exception), when it did. */
  error?: ErrorInfo;
  timedOut: boolean;
  durationMs: number;
}

export interface Violation {
  syscall: string; nr: number; arch: string; thread: number; main: boolean;
  /** From the hint line: the built-in groups that allow the call (some of its calls, where a group's rule has conditions). */
  groups?: string[];
}

const VIOLATION = /^seccomp-node: blocked system call (\S+) \(nr (-?\d+), arch (\S+)\) in thread (\d+)( \(main\))?; killing the process with SIGSYS$/m;
/** The line the report adds (src/allowing-groups.ts violationHints). */
const HINT = /^seccomp-node: (?:no built-in group allows \S+|(@[a-z0-9-]+(?:, @[a-z0-9-]+)*) would allow \S+(?: with some arguments)?)$/;

/** The violation report line in `stderr`, parsed, with its hint line where there is one. */
export function parseViolation(stderr: string): Violation | undefined {
  const m = VIOLATION.exec(stderr);
  if (!m) return undefined;
  const violation: Violation = { syscall: m[1], nr: Number(m[2]), arch: m[3], thread: Number(m[4]), main: Boolean(m[5]) };
  const next = stderr.slice(m.index + m[0].length + 1).split('\n', 1)[0];
  const hint = HINT.exec(next);
  if (hint) violation.groups = hint[1] ? hint[1].split(', ') : [];
  return violation;
}

function invalid(message: string): SeccompError {
  return new SeccompError('ERR_SECCOMP_INVALID_OPTION', message);
}

const MODULE_TARGET_KEYS: KeyList<Extract<SandboxTarget, { module: string }>> = { module: true, export: true };
const COMMAND_TARGET_KEYS: KeyList<Extract<SandboxTarget, { command: string }>> = { command: true, args: true };

/** Every runSandboxed option, one line each (known-keys.ts): anything else is refused. */
const OPTION_KEYS: KeyList<RunSandboxedOptions> = {
  allow: true, policy: true, defaultAction: true, report: true, optimize: true, fail: true, faultsFrom: true,
  args: true, timeoutMs: true, env: true, cwd: true, input: true, keepAlive: true, ...LANDLOCK_OPTION_KEY_LIST,
};

/** The policy the options ask for (undefined: faults only). */
function resolvePolicy(options: RunSandboxedOptions, cwd: string, forCommand: boolean): Policy | undefined {
  if (options.allow && options.policy) throw invalid('give either `policy` or `allow`, not both');
  const landlockOptions = landlockFromOptions(options, cwd);
  const wants = options.allow !== undefined || options.policy !== undefined || options.defaultAction !== undefined ||
    landlockOptions !== undefined || !options.fail;
  if (!wants) return undefined;
  let policy: Policy;
  if (options.policy !== undefined) {
    policy = options.policy instanceof Filter ? options.policy.toPolicy()
      : typeof options.policy === 'string' ? readPolicySpec(options.policy, { cwd }).policy
        : checkPolicy(options.policy, 'policy');
  } else if (options.allow !== undefined) {
    if (!Array.isArray(options.allow)) throw invalid('`allow` must be an array of names, groups and rules');
    policy = { defaultAction: 'kill-process', rules: expandEntries(options.allow) };
    const landlock = addNeeds(undefined, entriesNeeds(options.allow));
    if (landlock) policy.landlock = landlock;
  } else {
    policy = defaultDaemonProfile();
    // A program started under the profile also needs what every program does before main().
    if (forCommand) {
      policy.rules.push(...expandEntries(['@exec-start']));
      const landlock = addNeeds(policy.landlock, entriesNeeds(['@exec-start']));
      if (landlock) policy.landlock = landlock;
    }
  }
  if (options.defaultAction !== undefined) policy.defaultAction = parseAction(options.defaultAction);
  const landlock = mergeLandlock(policy.landlock, landlockOptions);
  if (!isEmptyLandlock(landlock)) policy.landlock = landlock;
  return policy;
}

/** The policy plus write(RESULT_FD), unless that would conflict with the policy's own write rules. */
function withResultChannel(policy: Policy, report: boolean): Policy {
  const extended: Policy = {
    ...policy,
    rules: [...policy.rules, { syscall: 'write', action: 'allow', conditions: [{ arg: 0, op: 'eq', value: String(RESULT_FD) }] }],
  };
  try {
    compileFor(bindForChecking(extended), { report });
    return extended;
  } catch (error) {
    if (error instanceof SeccompError && error.code === 'ERR_SECCOMP_RULE_CONFLICT') return policy;
    throw error;
  }
}

function functionSource(fn: (...args: never[]) => unknown): string {
  const source = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    throw invalid('cannot run a native or bound function in a child process: pass { module, export } instead');
  }
  return source;
}

/**
 * Runs `target` in a child process (this Node binary) under a policy and/or injected
 * faults, and resolves with how it ended. Rejects only when the request itself is wrong
 * (bad policy, unknown syscall, module or program not found, seccomp unavailable).
 *
 * Functions are serialised with their source: they cannot use variables from the calling
 * scope (pass values with `args`), and `require` resolves from `cwd`. The function (or the
 * module) is loaded first; then the faults, then the policy are loaded; then it is called
 * and awaited. Commands run under the filters from their first instruction (like
 * `seccomp-node run`), so a policy for them needs `@exec-start`.
 */
export async function runSandboxed(target: SandboxTarget, options: RunSandboxedOptions = {}): Promise<SandboxedResult> {
  if (typeof options !== 'object' || options === null) throw invalid('runSandboxed() takes an options object');
  checkKnownKeys(options, OPTION_KEYS, 'runSandboxed() options', '', { timeout: 'timeoutMs', faults: 'fail' });
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  const report = options.report ?? true;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const isCommand = typeof target === 'object' && target !== null && 'command' in target;

  let spec: RunnerSpec;
  if (typeof target === 'function') {
    spec = { mode: 'function', source: functionSource(target), report, resultFd: RESULT_FD, keepAlive: Boolean(options.keepAlive) };
  } else if (typeof target === 'object' && target !== null && 'module' in target && typeof target.module === 'string') {
    checkKnownKeys(target, MODULE_TARGET_KEYS, 'a module target', 'target');
    const file = path.resolve(cwd, target.module);
    if (!fs.existsSync(file)) throw invalid(`module ${file} does not exist`);
    spec = { mode: 'module', module: file, export: target.export ?? 'default', report, resultFd: RESULT_FD, keepAlive: Boolean(options.keepAlive) };
  } else if (isCommand && typeof (target as { command: unknown }).command === 'string') {
    checkKnownKeys(target as object, COMMAND_TARGET_KEYS, 'a command target', 'target');
    const { command, args = [] } = target as { command: string; args?: readonly string[] };
    resolveExecutable(command, env.PATH, cwd); // fails now, with a clear message, when it does not exist
    spec = { mode: 'command', command, commandArgs: [...args], report: false, resultFd: RESULT_FD, keepAlive: false };
  } else {
    throw invalid('runSandboxed() runs a function, { module, export } or { command, args }');
  }
  if (options.args !== undefined) {
    if (!Array.isArray(options.args)) throw invalid('`args` must be an array');
    if (isCommand) throw invalid('`args` are for functions; give a command its arguments as { command, args }');
    spec.args = v8.serialize(options.args).toString('base64');
  }
  if (options.optimize) spec.optimize = options.optimize;

  // Everything is compiled here first, so that mistakes reject in the caller, not in a child.
  const policy = resolvePolicy(options, cwd, isCommand);
  if (policy && !isCommand) {
    spec.policy = withResultChannel(policy, report);
    compileFor(bindForChecking(spec.policy), { report: spec.report });
    // Landlock mistakes (a missing path, a right this kernel lacks) reject here too.
    planLandlockFor(policy, { report: spec.report, beforeExec: false, defaultIsolation: true });
  }
  if (policy && isCommand) spec.policy = policy;
  if (options.fail) {
    const nodeProgram = isCommand && isNodeProgram(spec.command!, env);
    const from = options.faultsFrom ?? (nodeProgram ? 'main' : 'exec');
    if (from === 'main' && isCommand && !nodeProgram) throw invalid('faultsFrom: "main" works only for Node programs');
    const exempt: FaultExemption[] = !isCommand || from === 'main' ? [{ syscall: 'write', arg: 0, value: RESULT_FD }] : [];
    spec.faults = faultPolicy(options.fail, exempt);
    compileFor(spec.faults, { report: false });
    if (isCommand && from === 'main') spec.preload = PRELOAD_SCRIPT;
  } else if (options.faultsFrom) {
    throw invalid('`faultsFrom` needs `fail`');
  }
  if (spec.mode === 'command') return runCommand(spec, { cwd, env, timeoutMs, input: options.input });
  if (!fs.existsSync(RUNNER_SCRIPT)) {
    throw new SeccompError('ERR_SECCOMP_UNSUPPORTED', `${RUNNER_SCRIPT} is missing: build the package (npm run build)`);
  }
  return launch(spec, { cwd, env, timeoutMs, input: options.input });
}

type Outcome = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; messages: RunnerMessage[]; timedOut: boolean; pid?: number };
type LaunchOptions = { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; input?: string | Uint8Array };

/** Runs a child (the runner, or the launcher of a command) and collects how it ended, and what it sent on RESULT_FD. */
function collect(child: ChildProcess, o: LaunchOptions): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let channel = '';
    let timedOut = false;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const results = child.stdio[RESULT_FD] as NodeJS.ReadableStream;
    results.setEncoding('utf8');
    results.on('data', (d: string) => { channel += d; });
    results.on('error', () => { /* the child went away */ });
    if (o.input !== undefined) child.stdin!.end(o.input);
    child.stdin?.on('error', () => { /* the child did not read it all */ });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, o.timeoutMs);
    child.on('error', (error) => { clearTimeout(timer); reject(error); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const messages = channel.split('\n').filter((l) => l.startsWith('{')).flatMap((l) => {
        try { return [JSON.parse(l) as RunnerMessage]; } catch { return []; }
      });
      resolve({ code, signal, stdout, stderr, messages, timedOut, pid: child.pid });
    });
  });
}

/** A command: through the launcher, which loads the faults and the policy and execs it. */
async function runCommand(spec: RunnerSpec, o: LaunchOptions): Promise<SandboxedResult> {
  const nodeFaults = spec.preload !== undefined;
  const prepared = prepareCommand({
    command: spec.command!, args: spec.commandArgs ?? [], env: o.env, cwd: o.cwd, faultsFrom: nodeFaults ? 'main' : 'exec',
    preload: PRELOAD_SCRIPT, reportFd: RESULT_FD, ...(spec.policy ? { policy: spec.policy } : {}), ...(spec.faults ? { faults: spec.faults } : {}),
  });
  const launch = prepared.launch;
  const kernelLog = spec.policy && !launch?.supervised ? watchKernelLog() : undefined;
  const started = Date.now();
  let child: ChildProcess;
  try {
    child = spawn(prepared.command, prepared.args, {
      cwd: o.cwd, env: prepared.env,
      stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe', 'pipe', ...(launch ? [launch.channel] : [])],
    });
  } catch (error) {
    launch?.abort();
    kernelLog?.close();
    throw error;
  }
  const supervision = launch?.started();
  try {
    const outcome = await collect(child, o);
    supervision?.drain();
    if (supervision?.failure) throw launchFailureError(spec.command!, supervision.failure);
    return await toResult(outcome, Date.now() - started, kernelLog, supervision);
  } finally {
    supervision?.release();
    kernelLog?.close();
  }
}

async function launch(spec: RunnerSpec, o: LaunchOptions): Promise<SandboxedResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-node-run-'));
  const specFile = path.join(dir, 'spec.json');
  fs.writeFileSync(specFile, JSON.stringify(spec), { mode: 0o600 });
  const started = Date.now();
  try {
    const child = spawn(process.execPath, [RUNNER_SCRIPT, specFile], {
      cwd: o.cwd, env: o.env, stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe', 'pipe'],
    });
    const outcome = await collect(child, o);
    const setup = outcome.messages.find((m) => m.kind === 'setup-error');
    if (setup && 'error' in setup) {
      const error = new SeccompError(isSeccompErrorCode(setup.error.code) ? setup.error.code : 'ERR_SECCOMP_INVALID_OPTION',
        `the sandboxed child could not start: ${setup.error.message}`, { child: setup.error, stderr: outcome.stderr });
      throw error;
    }
    return await toResult(outcome, Date.now() - started);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The supervisor's violation of the command itself (or else the first of a process it started). */
function commandViolation(supervision: Supervision, pid: number | undefined): SupervisedViolation | undefined {
  return supervision.violations.find((v) => v.pid === pid) ?? supervision.violations[0];
}

async function toResult(o: Outcome, durationMs: number, kernelLog?: ReturnType<typeof watchKernelLog>, supervision?: Supervision): Promise<SandboxedResult> {
  const named = supervision ? commandViolation(supervision, o.pid) : undefined;
  const result: SandboxedResult = {
    outcome: 'exited', code: o.code, signal: o.signal, blocked: o.signal === 'SIGSYS' || (named !== undefined && named.pid === o.pid),
    ...(o.pid !== undefined ? { pid: o.pid } : {}), stdout: o.stdout, stderr: o.stderr, timedOut: o.timedOut, durationMs,
  };
  const violation = parseViolation(o.stderr);
  if (named) {
    Object.assign(result, {
      ...(named.syscall ? { syscall: named.syscall } : {}), nr: named.nr, ...(named.arch ? { arch: named.arch } : {}),
      thread: named.thread, mainThread: named.thread === named.pid, args: named.args.map((a) => `0x${a.toString(16)}`),
      groups: named.groups, syscallSource: 'notification',
    });
  } else if (violation) {
    Object.assign(result, { syscall: violation.syscall, nr: violation.nr, arch: violation.arch, thread: violation.thread,
      mainThread: violation.main, ...(violation.groups ? { groups: violation.groups } : {}), syscallSource: 'report' });
  } else if (result.blocked && kernelLog && o.pid !== undefined) {
    const found = await kernelLog.find(o.pid);
    if (found) Object.assign(result, { ...found, syscallSource: 'kernel-log' });
  }
  let called: 'returned' | 'threw' | undefined;
  for (const message of o.messages) {
    if (message.kind === 'returned') {
      called = 'returned';
      if (message.value !== undefined) result.value = v8.deserialize(Buffer.from(message.value, 'base64'));
      else if (message.unserialisable !== undefined) result.value = message.unserialisable;
    } else if (message.kind === 'threw' || message.kind === 'uncaught') {
      called = 'threw';
      result.error = message.error;
    }
  }
  result.outcome = o.timedOut ? 'timed-out' : result.blocked ? 'blocked' : o.signal ? 'crashed' : called ?? 'exited';
  return result;
}

// ---------------------------------------------------------------------------------------
// Checks, shared by the node:test assertions and the vitest matchers

export interface CheckResult { pass: boolean; message: string }

/** How a result ended, in a few lines: for failure messages. */
export function describeResult(r: SandboxedResult): string {
  const how = r.timedOut ? 'timed out' : r.signal ? `died by ${r.signal}` : `exited with status ${r.code}`;
  const lines = [`the sandboxed child ${how} (outcome "${r.outcome}")`];
  if (r.syscall) lines.push(`blocked system call: ${r.syscall} (nr ${r.nr}, ${r.arch})`);
  if (r.syscall && r.groups) lines.push(r.groups.length ? `${r.groups.join(', ')} would allow it` : 'no built-in group allows it');
  if (r.error) lines.push(`error: ${r.error.name}: ${r.error.message}${r.error.code ? ` [${r.error.code}]` : ''}`);
  if (r.outcome === 'returned') lines.push(`returned: ${safeJson(r.value)}`);
  if (r.stderr.trim()) lines.push(`stderr:\n${indent(r.stderr)}`);
  if (r.stdout.trim()) lines.push(`stdout:\n${indent(r.stdout)}`);
  return lines.join('\n');
}

function indent(text: string): string {
  const trimmed = text.trimEnd();
  const lines = trimmed.split('\n');
  const shown = lines.length > 40 ? [...lines.slice(0, 40), `... (${lines.length - 40} more lines)`] : lines;
  return shown.map((l) => `  ${l}`).join('\n');
}

function safeJson(value: unknown): string {
  try { return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value); } catch { return String(value); }
}

function isResult(value: unknown): value is SandboxedResult {
  return typeof value === 'object' && value !== null && 'outcome' in value && 'signal' in value && 'stderr' in value;
}

function requireResult(value: unknown, what: string): SandboxedResult {
  if (!isResult(value)) throw new TypeError(`${what} expects the result of runSandboxed(), got ${safeJson(value)}`);
  return value;
}

/** Killed by seccomp (SIGSYS), on `syscall` when given. */
export function checkBlocked(value: unknown, syscall?: string): CheckResult {
  const r = requireResult(value, 'toBeBlockedBySeccomp');
  const pass = r.blocked && (syscall === undefined || r.syscall === syscall);
  const wanted = syscall ? `blocked by seccomp on ${syscall}` : 'blocked by seccomp';
  const unknown = r.blocked && syscall !== undefined && r.syscall === undefined
    ? ' (it died by SIGSYS, but no report line or kernel log record named the call: was report off, or was it a command?)' : '';
  return { pass, message: pass ? `expected the sandboxed child not to be ${wanted}, but it was\n${describeResult(r)}`
    : `expected the sandboxed child to be ${wanted}${unknown}\n${describeResult(r)}` };
}

/** Exit status 0, no signal, no timeout, nothing thrown. */
export function checkExitedCleanly(value: unknown): CheckResult {
  const r = requireResult(value, 'toExitCleanly');
  const pass = r.code === 0 && r.signal === null && !r.timedOut && r.outcome !== 'threw';
  return { pass, message: pass ? `expected the sandboxed child not to exit cleanly, but it did\n${describeResult(r)}`
    : `expected the sandboxed child to exit cleanly\n${describeResult(r)}` };
}

/** The function threw (or failed uncaught) an error whose code is `errno` ('EIO'). */
export function checkFailedWithErrno(value: unknown, errno: string): CheckResult {
  const r = requireResult(value, 'toFailWithErrno');
  const pass = r.outcome === 'threw' && r.error?.code === errno;
  return { pass, message: pass ? `expected the sandboxed function not to fail with ${errno}, but it did\n${describeResult(r)}`
    : `expected the sandboxed function to fail with ${errno}\n${describeResult(r)}` };
}

/** The function returned (deep-equal to `expected`, when given). */
export function checkReturned(value: unknown, expected?: unknown, equals: (a: unknown, b: unknown) => boolean = deepEqual): CheckResult {
  const r = requireResult(value, 'toReturnInSandbox');
  const pass = r.outcome === 'returned' && (expected === undefined || equals(r.value, expected));
  const what = expected === undefined ? 'to return' : `to return ${safeJson(expected)}`;
  return { pass, message: pass ? `expected the sandboxed function not ${what}, but it did\n${describeResult(r)}`
    : `expected the sandboxed function ${what}\n${describeResult(r)}` };
}

function deepEqual(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a, b);
}

function assertCheck(check: CheckResult, r: unknown, fn: Function): void { // eslint-disable-line @typescript-eslint/ban-types
  if (!check.pass) throw new AssertionError({ message: check.message, actual: r, operator: fn.name, stackStartFn: fn });
}

/** node:test / plain assert: throws an AssertionError unless the child was killed by seccomp (on `syscall`). */
export function assertBlockedBySeccomp(result: SandboxedResult, syscall?: string): void {
  assertCheck(checkBlocked(result, syscall), result, assertBlockedBySeccomp);
}

/** Throws an AssertionError unless the child exited with status 0, without a signal, timeout or error. */
export function assertExitedCleanly(result: SandboxedResult): void {
  assertCheck(checkExitedCleanly(result), result, assertExitedCleanly);
}

/** Throws an AssertionError unless the function failed with an error whose code is `errno`. */
export function assertFailedWithErrno(result: SandboxedResult, errno: string): void {
  assertCheck(checkFailedWithErrno(result, errno), result, assertFailedWithErrno);
}

/** Throws an AssertionError unless the function returned (deep-strict-equal to `expected`, when given). */
export function assertReturned(result: SandboxedResult, expected?: unknown): void {
  assertCheck(checkReturned(result, expected), result, assertReturned);
}
