/**
 * Per-process policies: `sandbox.spawn`, `sandbox.execFile` and `sandbox.fork` start a child
 * under its own filter, loaded before the program's first instruction, and the role
 * presets (`profile('compute')`...) that suit common helpers.
 *
 * How a child starts. Node starts the exec helper (lib/exec-helper.js) with the caller's
 * options; the helper loads the child's policy into itself and execve's the program. execve
 * keeps the pid, so the ChildProcess the caller gets back *is* the program: same pid, stdio,
 * signals, 'exit' and 'close', exit code. For fork() the helper passes its IPC channel on,
 * and the program (a Node process) opens it again; messages sent before it does stay queued
 * in the socket.
 *
 * What the parent needs, and what seccomp can and cannot check there. The child inherits
 * the parent's filters and adds its own; the kernel applies every one of them, so the child
 * can do only what *both* allow. A parent that is itself locked down therefore needs:
 * - process creation: `@process` (clone without CLONE_THREAD, execve, wait4, the socketpair
 *   libuv uses to report exec errors) and `shutdown` (ending a child's stdin pipe);
 * - for fork(), its end of the IPC channel: `recvmsg` and `sendmsg`;
 * - what the helper (a Node process) and the program do between execve and their first
 *   line: `@exec-start`;
 * - everything each child needs at run time, since the child's own filter can only narrow;
 * - stdio 'pipe' or 'inherit' rather than 'ignore' for stdout and stderr: for 'ignore', the
 *   forked child opens /dev/null for writing, under the parent's filter;
 * - two calls that `@node` refuses as it stands (test/spawn.test.ts carries the rules a
 *   spawning daemon adds): in the forked child, libuv resets every signal's disposition with glibc's
 *   signal(), SIGSYS included, which `@node` answers with EPERM (it guards the violation
 *   report), so child_process.spawn fails with EPERM. rt_sigaction(SIGSYS, act, oldact) can
 *   be allowed when oldact is not NULL: signal() passes one, while libuv's handler
 *   registration (process.on('SIGSYS')) passes NULL and stays refused. And the helper's
 *   libseccomp probes seccomp(SECCOMP_SET_MODE_STRICT, 1, NULL) when it starts, which the
 *   inherited filter kills unless it answers EINVAL (as the kernel does).
 * seccomp cannot check which program the parent executes: execve's path is a pointer to
 * memory that another thread can change after the check (TOCTOU), so "allow execve only for
 * the helper" cannot be expressed. A parent that allows `@process` can exec any program its
 * user may run; that program still runs under the parent's filter, with no_new_privs, so it
 * gains nothing the parent did not have. Where that is too much: start the helpers before
 * the parent locks down (they keep running, each under its own filter), restrict which
 * programs exist or are executable for the daemon's user (file permissions, a mount
 * namespace, Landlock), or keep the spawning in a small supervisor process that the
 * exposed daemon talks to.
 *
 * The child itself may exec nothing unless its policy says so: its one execve is allowed by
 * comparing the path pointer with the helper's copy of the path (src/exec.ts). The program
 * that starts has a new address space, so the comparison no longer matches anything it
 * uses; code that can map memory at a chosen address and guess that (randomised) address
 * could exec once more, still under the same filters.
 *
 * The violation report. A SIGSYS handler does not survive execve, and a program's startup
 * runs before any handler of its own could be installed, so an exec-time child cannot print
 * the in-process report line. The parent reports instead: when a child started here dies by
 * SIGSYS, the ChildProcess emits 'seccomp-violation' and (unless `report: false`) the parent
 * writes one line to its stderr. The blocked call is taken from the kernel's audit record
 * (`type=1326 ... pid=PID ... syscall=NR`), read from /dev/kmsg when that is possible: best
 * effort, asynchronous, bounded to a few hundred milliseconds. It is not possible when the
 * reader lacks CAP_SYSLOG under kernel.dmesg_restrict, when auditd collects the records,
 * when audit is off, or when the kernel rate-limits them (printk_ratelimit); a parent locked
 * down by seccomp-node does not try (the open could be a blocked call). Only kills are
 * logged by default: a child killed by a parent's filter compiled with the report on (a
 * trap) leaves no record. The pid in the record is the kernel's, as seen from the initial
 * pid namespace: in a container the lookup finds nothing.
 */
import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SeccompError } from './errors';
import type { ExecRequest } from './exec-helper';
import { Filter } from './filter';
import { watchForViolation } from './child-report';
import { entriesNeeds, expandEntries, type GroupEntry } from './groups';
import { checkExecPolicy } from './exec';
import {
  addNeeds, isEmptyLandlock, landlockFromOptions, LANDLOCK_OPTION_KEY_LIST, mergeLandlock, type LandlockOptions,
} from './landlock/policy';
import { planLandlockFor } from './loader';
import { checkKnownKeys, keyNames, type KeyList } from './known-keys';
import { checkPolicy, parseAction, type Action, type Policy, type Rule } from './policy';
import { readPolicySpec } from './policy-spec';

// The presets are for spawning; offered here too.
export { parsePolicySpec, profile, profileNames, profiles } from './presets';
export type { ProfileDefinition } from './presets';
export type { ChildViolation } from './child-report';

/** The Node script that loads a child's policy and execs the program (always the compiled one in lib/). */
export const EXEC_HELPER = path.join(__dirname, '..', 'lib', 'exec-helper.js');
const EXEC_REQUEST_ENV = 'SECCOMP_NODE_EXEC';
/** One environment string may hold at most 32 pages (MAX_ARG_STRLEN), name included. */
const MAX_REQUEST_BYTES = 128 * 1024 - EXEC_REQUEST_ENV.length - 2;
/** A directory that cannot exist or be created: chdir to it fails with ENOENT. */
const MISSING_DIR = '/proc/self/seccomp-node-no-such-program';


// ---------------------------------------------------------------------------------------
// The child's policy

/**
 * How the child's policy is given: like `sandbox.lockdown()` (Landlock's `fs`, `net`,
 * `isolate` and `bestEffort` included), plus exec-time and report settings. The child
 * starts inside this process's Landlock domain, if any, and its own rules narrow it.
 */
export interface ChildPolicyOptions extends LandlockOptions {
  /**
   * The child's policy: plain policy data, a `Filter`, or a policy string (a file path, a
   * preset such as `'compute'`, a list such as `'@node,@fs-read'`, or JSON; see
   * docs/policy-files.md, "Policy strings"). `profile('compute')` and the other presets
   * return policy data. Either `policy` or `allow` is required, not both.
   */
  policy?: Policy | Filter | string;
  /**
   * Instead of `policy`: an allow list, as for `lockdown()` (system call names, `'@groups'`
   * and rule objects). Given together with `policy`, spawn throws
   * `ERR_SECCOMP_INVALID_OPTION`.
   */
  allow?: GroupEntry[];
  /**
   * What happens to calls the policy does not allow.
   * @defaultValue `'kill-process'` (with `policy`: the policy's)
   */
  defaultAction?: Action;
  /**
   * Add `@exec-start`: what every program does between execve and `main()` (the dynamic
   * loader mapping its libraries read-only, libc setting up TLS, Node raising its file
   * limit). Without it almost no dynamically linked program starts. It allows read-only
   * opens; the presets include it already.
   * @defaultValue `true`
   */
  execStart?: boolean;
  /**
   * When the child dies by SIGSYS, write one line naming it (and the blocked call, when the
   * kernel log says which) to this process's stderr. The `ChildProcess` emits
   * `'seccomp-violation'` either way.
   * @defaultValue `true`
   */
  report?: boolean;
}

/** The policy options of spawn/fork/execFile, one line each (known-keys.ts). */
const CHILD_POLICY_KEYS: KeyList<ChildPolicyOptions> = {
  policy: true, allow: true, defaultAction: true, execStart: true, report: true, ...LANDLOCK_OPTION_KEY_LIST,
};

// child_process's own options, as the installed @types/node declares them: the compiler
// checks each list against Node's types, so a key Node renames shows up at build time.
// Typos in them are refused too: a misspelt `timeout` or `cwd` would otherwise be dropped.
const SPAWN_KEYS: KeyList<cp.SpawnOptions> = {
  cwd: true, env: true, uid: true, gid: true, stdio: true, detached: true, serialization: true, signal: true,
  timeout: true, killSignal: true, argv0: true, shell: true, windowsHide: true, windowsVerbatimArguments: true,
};
const FORK_KEYS: KeyList<cp.ForkOptions> = {
  cwd: true, env: true, uid: true, gid: true, stdio: true, detached: true, serialization: true, signal: true,
  timeout: true, killSignal: true, execPath: true, execArgv: true, silent: true, windowsVerbatimArguments: true,
};
const EXEC_FILE_KEYS: KeyList<cp.ExecFileOptions> = {
  cwd: true, env: true, uid: true, gid: true, signal: true, timeout: true, killSignal: true, maxBuffer: true,
  encoding: true, shell: true, windowsHide: true, windowsVerbatimArguments: true,
};

function dedupe(rules: Rule[]): Rule[] {
  const seen = new Set<string>();
  return rules.filter((rule) => {
    const key = JSON.stringify(rule);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const validated = new Set<string>();

/**
 * The policy a child will run under, from spawn/fork/execFile options, checked now (names,
 * conditions, conflicts, size) so that mistakes throw here rather than in the child.
 */
export function childPolicy(options: ChildPolicyOptions): Policy {
  if (options.policy !== undefined && options.allow !== undefined) {
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', 'give either `policy` or `allow`, not both');
  }
  let policy: Policy;
  if (options.policy !== undefined && options.policy !== null) {
    policy = options.policy instanceof Filter ? options.policy.toPolicy()
      : typeof options.policy === 'string' ? readPolicySpec(options.policy).policy
        : checkPolicy(options.policy, 'policy');
  } else if (options.allow !== undefined) {
    if (!Array.isArray(options.allow)) {
      throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', '`allow` must be an array of names, groups and rules');
    }
    policy = checkPolicy({ defaultAction: 'kill-process', rules: expandEntries(options.allow) });
  } else {
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION',
      'a sandboxed child needs its policy: pass `policy` (policy data, a Filter, a policy file, or a preset such as ' +
      "profile('compute')) or `allow` (names and '@groups')");
  }
  if (options.defaultAction !== undefined) policy.defaultAction = parseAction(options.defaultAction);
  if (options.execStart !== false) policy.rules.push(...expandEntries(['@exec-start']));
  let landlock = addNeeds(policy.landlock, options.allow !== undefined ? entriesNeeds(options.allow) : undefined);
  if (options.execStart !== false) landlock = addNeeds(landlock, entriesNeeds(['@exec-start']));
  landlock = mergeLandlock(landlock, landlockFromOptions(options));
  policy = { defaultAction: policy.defaultAction, rules: dedupe(policy.rules), ...(isEmptyLandlock(landlock) ? {} : { landlock }) };
  validate(policy);
  return withLandlockStep(policy);
}

/**
 * The child inherits this process's seccomp filters, under which its Landlock step runs.
 * Explicit rules that a filter here would kill throw now (planLandlockFor); the default
 * isolation such a filter rules out is turned off for the child, which could not know.
 */
function withLandlockStep(policy: Policy): Policy {
  const plan = planLandlockFor(policy, { report: false, beforeExec: true, defaultIsolation: true });
  if (!plan.blockedBy) return policy;
  return { ...policy, landlock: { ...policy.landlock, isolate: false } };
}

/** Compiles the policy as the helper will load it (with a pinned execve), to fail early. */
function validate(policy: Policy): void {
  const key = JSON.stringify(policy);
  if (validated.has(key)) return;
  checkExecPolicy(policy);
  if (validated.size > 64) validated.clear();
  validated.add(key);
}

// ---------------------------------------------------------------------------------------
// Starting children

type Env = NodeJS.ProcessEnv;

function splitOptions<T extends ChildPolicyOptions>(options: T, childProcessKeys: object, caller: string):
  { policy: Policy; report: boolean; rest: Omit<T, keyof ChildPolicyOptions> } {
  if (typeof options !== 'object' || options === null) {
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', 'a sandboxed child needs an options object with its `policy` or `allow`');
  }
  checkKnownKeys(options, { ...childProcessKeys, ...CHILD_POLICY_KEYS }, `${caller} options`);
  const rest: Record<string, unknown> = { ...(options as Record<string, unknown>) };
  for (const key of keyNames(CHILD_POLICY_KEYS)) delete rest[key];
  for (const key of ['shell', 'argv0'] as const) {
    if (rest[key] !== undefined && rest[key] !== false) {
      throw new SeccompError('ERR_SECCOMP_INVALID_OPTION',
        key === 'shell'
          ? 'a sandboxed child cannot be started through a shell: the shell would have to exec the program, which its filter forbids. Pass the program and its arguments'
          : '`argv0` is not supported for sandboxed children: argv[0] is the program as named',
        { option: key });
    }
  }
  return { policy: childPolicy(options), report: options.report !== false, rest: rest as Omit<T, keyof ChildPolicyOptions> };
}

function cwdPath(cwd: string | URL | undefined): string {
  if (cwd === undefined || cwd === null) return process.cwd();
  return path.resolve(typeof cwd === 'string' ? cwd : fileURLToPath(cwd));
}

/** Whether the exec helper will find `file` as exec.ts's resolveExecutable does, from `cwd`. */
function findable(file: string, env: Env, cwd: string): boolean {
  try {
    if (!fs.statSync(cwd).isDirectory()) return false;
  } catch {
    return false;
  }
  const dirs = file.includes('/') ? [''] : (env.PATH ?? '/usr/bin:/bin').split(':').filter(Boolean);
  return dirs.some((dir) => {
    const candidate = path.resolve(cwd, dir, file);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return fs.statSync(candidate).isFile();
    } catch {
      return false;
    }
  });
}

/**
 * The environment of the exec helper: the program's, with the request added and
 * NODE_OPTIONS moved into the request (the helper must not preload anything, say a
 * `--import seccomp-node/lockdown` meant for the program).
 */
function helperEnv(env: Env, request: Omit<ExecRequest, 'v' | 'nodeOptions'>): Env {
  const out: Env = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && key !== EXEC_REQUEST_ENV) out[key] = value;
  const full: ExecRequest = { v: 1, ...request, ...(out.NODE_OPTIONS !== undefined ? { nodeOptions: out.NODE_OPTIONS } : {}) };
  delete out.NODE_OPTIONS;
  const json = JSON.stringify(full);
  if (Buffer.byteLength(json) > MAX_REQUEST_BYTES) {
    throw new SeccompError('ERR_SECCOMP_FILTER_TOO_LARGE',
      `the child's policy and arguments take ${Buffer.byteLength(json)} bytes, more than one environment string can carry ` +
      `(${MAX_REQUEST_BYTES}); use fewer rules`, { bytes: Buffer.byteLength(json) });
  }
  out[EXEC_REQUEST_ENV] = json;
  return out;
}

/** Descriptors the program inherits: stdio, and any further entries of an stdio array. */
function inheritedFds(stdio: unknown): number[] {
  const count = Array.isArray(stdio) ? Math.max(3, stdio.length) : 3;
  return Array.from({ length: count }, (_, i) => i);
}

function normaliseArgs<T>(args: readonly string[] | T | undefined | null, options: T | undefined): { args: string[]; options: T | undefined } {
  if (Array.isArray(args)) return { args: args.map(String), options };
  if (args !== undefined && args !== null && typeof args === 'object') return { args: [], options: args as T };
  return { args: [], options };
}

/** spawnfile and spawnargs name the program, as child_process would, rather than the helper. */
function presentAs(child: cp.ChildProcess, file: string, args: readonly string[]): cp.ChildProcess {
  const writable = child as { -readonly [K in 'spawnfile' | 'spawnargs']: cp.ChildProcess[K] };
  writable.spawnfile = file;
  writable.spawnargs = [file, ...args];
  return child;
}

export type SandboxSpawnOptions = cp.SpawnOptions & ChildPolicyOptions;
export type SandboxForkOptions = cp.ForkOptions & ChildPolicyOptions;
export type SandboxExecFileOptions = cp.ExecFileOptions & ChildPolicyOptions;
export type ExecFileCallback = (error: cp.ExecFileException | null, stdout: string | Buffer, stderr: string | Buffer) => void;

/**
 * child_process.spawn(command, args, options), with the child under `options.policy` (or
 * `options.allow`) from its first instruction. Same options (except `shell` and `argv0`),
 * same ChildProcess and events; in addition 'seccomp-violation' when the child dies by
 * SIGSYS. A program that cannot be found gives 'error' (ENOENT) and 'close', as Node's own
 * spawn does; it is never started unfiltered.
 */
export function spawn(command: string, options: SandboxSpawnOptions): cp.ChildProcess;
export function spawn(command: string, args: readonly string[], options: SandboxSpawnOptions): cp.ChildProcess;
export function spawn(command: string, argsOrOptions?: readonly string[] | SandboxSpawnOptions, maybeOptions?: SandboxSpawnOptions): cp.ChildProcess {
  const { args, options } = normaliseArgs(argsOrOptions, maybeOptions);
  if (typeof command !== 'string' || command === '') {
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', 'spawn() needs the program to run', { command });
  }
  const { policy, report, rest } = splitOptions(options as SandboxSpawnOptions, SPAWN_KEYS, 'spawn()');
  const env = rest.env ?? process.env;
  if (!findable(command, env, cwdPath(rest.cwd))) {
    // Node's own failure, without running anything: libuv forks, cannot enter the directory
    // and reports ENOENT for `command`, as when the program does not exist.
    return cp.spawn(command, args, { ...rest, cwd: MISSING_DIR });
  }
  const request = { policy, file: command, args, fds: inheritedFds(rest.stdio) };
  const child = cp.spawn(process.execPath, [EXEC_HELPER], { ...rest, env: helperEnv(env, request) });
  watchForViolation(child, command, report);
  return presentAs(child, command, args);
}

/** process.execArgv without `-e CODE`, as fork() does, so that an eval'd parent does not fork itself. */
function defaultExecArgv(): string[] {
  const execArgv = [...process.execArgv];
  const evaluated = (process as unknown as { _eval?: string })._eval;
  if (evaluated != null) {
    const index = execArgv.lastIndexOf(evaluated);
    if (index > 0) execArgv.splice(index - 1, 2);
  }
  return execArgv;
}

/**
 * child_process.fork(modulePath, args, options), with the Node child under the policy from
 * its first instruction (exec time, before Node's own startup: no io_uring rings exist).
 * The IPC channel works as with fork(): messages sent right away are received. The policy
 * must allow what a Node process and its IPC need: the presets do.
 */
export function fork(modulePath: string | URL, options: SandboxForkOptions): cp.ChildProcess;
export function fork(modulePath: string | URL, args: readonly string[], options: SandboxForkOptions): cp.ChildProcess;
export function fork(modulePath: string | URL, argsOrOptions?: readonly string[] | SandboxForkOptions, maybeOptions?: SandboxForkOptions): cp.ChildProcess {
  const { args, options } = normaliseArgs(argsOrOptions, maybeOptions);
  const module = modulePath instanceof URL ? fileURLToPath(modulePath) : modulePath;
  if (typeof module !== 'string' || module === '') {
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', 'fork() needs the module to run', { modulePath });
  }
  const { policy, report, rest } = splitOptions(options as SandboxForkOptions, FORK_KEYS, 'fork()');
  const { execPath = process.execPath, execArgv = defaultExecArgv(), serialization, ...forkOptions } = rest;
  const env = forkOptions.env ?? process.env;
  const stdio = forkOptions.stdio ?? (forkOptions.silent ? ['pipe', 'pipe', 'pipe', 'ipc'] : ['inherit', 'inherit', 'inherit', 'ipc']);
  if (!findable(execPath, env, cwdPath(forkOptions.cwd))) {
    return cp.fork(module, args, { ...forkOptions, execPath, execArgv, cwd: MISSING_DIR });
  }
  // The IPC entry itself is not inherited by index: the helper adds the channel's descriptor.
  const fds = inheritedFds(stdio).filter((fd) => !Array.isArray(stdio) || stdio[fd] !== 'ipc');
  const request = { policy, file: execPath, args: [...execArgv, module, ...args], fds, serialization: serialization ?? 'json' };
  const child = cp.fork(EXEC_HELPER, [], {
    ...forkOptions, ...(serialization ? { serialization } : {}), execPath: process.execPath, execArgv: [],
    env: helperEnv(env, request),
  });
  watchForViolation(child, module, report);
  return presentAs(child, execPath, request.args);
}

function execFileImpl(file: string, argsOrOptions?: unknown, optionsOrCallback?: unknown, maybeCallback?: unknown): cp.ChildProcess {
  let args: string[] = [];
  let rest: unknown[] = [argsOrOptions, optionsOrCallback, maybeCallback];
  if (Array.isArray(argsOrOptions)) {
    args = argsOrOptions.map(String);
    rest = [optionsOrCallback, maybeCallback];
  } else if (argsOrOptions === undefined || argsOrOptions === null) {
    rest = [optionsOrCallback, maybeCallback];
  }
  const options = (typeof rest[0] === 'object' && rest[0] !== null ? rest[0] : undefined) as SandboxExecFileOptions | undefined;
  const callback = rest.find((r): r is ExecFileCallback => typeof r === 'function');
  if (typeof file !== 'string' || file === '') {
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', 'execFile() needs the program to run', { file });
  }
  const { policy, report, rest: execOptions } = splitOptions(options as SandboxExecFileOptions, EXEC_FILE_KEYS, 'execFile()');
  const env = execOptions.env ?? process.env;
  if (!findable(file, env, cwdPath(execOptions.cwd))) {
    return cp.execFile(file, args, { ...execOptions, cwd: MISSING_DIR }, (error, stdout, stderr) => callback?.(error, stdout, stderr));
  }
  const request = { policy, file, args, fds: [0, 1, 2] };
  const helperCommand = `${process.execPath} ${EXEC_HELPER}`;
  const command = [file, ...args].join(' ');
  const child = cp.execFile(process.execPath, [EXEC_HELPER], { ...execOptions, env: helperEnv(env, request) },
    (error, stdout, stderr) => {
      if (error) {
        // Name the program, not the helper, as execFile would.
        error.cmd = command;
        error.message = error.message.replace(helperCommand, command);
      }
      callback?.(error, stdout, stderr);
    });
  watchForViolation(child, file, report);
  return presentAs(child, file, args);
}

/**
 * child_process.execFile(file, args, options, callback), with the program under the policy
 * from its first instruction: output collected, `timeout`, `maxBuffer`, `killSignal`,
 * `encoding` and `signal` as in Node; `util.promisify(execFile)` resolves `{ stdout, stderr }`.
 */
export const execFile: {
  (file: string, options: SandboxExecFileOptions, callback?: ExecFileCallback): cp.ChildProcess;
  (file: string, args: readonly string[] | null | undefined, options: SandboxExecFileOptions, callback?: ExecFileCallback): cp.ChildProcess;
  __promisify__(file: string, args: readonly string[] | null | undefined, options: SandboxExecFileOptions):
    Promise<{ stdout: string | Buffer; stderr: string | Buffer }> & { child: cp.ChildProcess };
} = Object.assign(execFileImpl as never, {
  __promisify__: (file: string, args: readonly string[] | null | undefined, options: SandboxExecFileOptions) => {
    let child!: cp.ChildProcess;
    const promise = new Promise<{ stdout: string | Buffer; stderr: string | Buffer }>((resolve, reject) => {
      child = execFileImpl(file, args, options, (error: cp.ExecFileException | null, stdout: string | Buffer, stderr: string | Buffer) => {
        if (error) {
          reject(Object.assign(error, { stdout, stderr }));
        } else {
          resolve({ stdout, stderr });
        }
      });
    });
    return Object.assign(promise, { child });
  },
});
Object.defineProperty(execFile, promisify.custom, { value: execFile.__promisify__, enumerable: false });
