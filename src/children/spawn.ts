/**
 * Per-process policies: `sandbox.spawn`, `sandbox.execFile` and `sandbox.fork` start a child
 * under its own filter, loaded before the program's first instruction, and the role
 * presets (`profile('compute')`...) that suit common helpers.
 *
 * How a child starts. Node spawns the launcher (native/launcher.c, a small static program
 * beside the addon) with the caller's options and one more stdio entry, the channel that
 * carries the child's programs, compiled and verified here once per policy
 * (src/children/launcher). The launcher applies the Landlock rules, loads the filter and execve's the
 * program. execve keeps the pid, so the ChildProcess the caller gets back *is* the program:
 * same pid, stdio, signals, IPC channel, 'exit' and 'close', exit code. Messages sent before
 * a forked program opens its channel stay queued in the socket. A forked child always gets
 * what its IPC channel needs (recvmsg and sendmsg on that descriptor), as `execStart` adds
 * what starting a program needs.
 *
 * What the parent needs, and what seccomp can and cannot check there. The child inherits
 * the parent's filters and adds its own; the kernel applies every one of them, so the child
 * can do only what *both* allow. A parent that is itself locked down therefore needs:
 * - process creation: `@process` (clone without CLONE_THREAD, execve, wait4, the socketpair
 *   libuv uses to report exec errors, sendmsg and recvmsg for the launcher's channel and
 *   fork()'s IPC channel) and `shutdown` (ending a child's stdin pipe);
 * - what the launcher and the program do between execve and their first line: `@exec-start`;
 * - everything each child needs at run time, since the child's own filter can only narrow;
 * - stdio 'pipe' or 'inherit' rather than 'ignore' for stdout and stderr: for 'ignore', the
 *   forked child opens /dev/null for writing, under the parent's filter.
 * seccomp cannot check which program the parent executes: execve's path is a pointer to
 * memory that another thread can change after the check (TOCTOU), so "allow execve only for
 * the launcher" cannot be expressed. A parent that allows `@process` can exec any program its
 * user may run; that program still runs under the parent's filter, with no_new_privs, so it
 * gains nothing the parent did not have. Where that is too much: start the helpers before
 * the parent locks down (they keep running, each under its own filter), restrict which
 * programs exist or are executable for the daemon's user (file permissions, a mount
 * namespace, Landlock), or keep the spawning in a small supervisor process that the
 * exposed daemon talks to.
 *
 * The child itself may exec nothing unless its policy says so: its one execve is allowed by
 * comparing the path pointer with the launcher's copy of the path, at a random address
 * (src/children/launcher/template.ts). The program that starts has a new address space, so the
 * comparison no longer matches anything it uses.
 *
 * The violation report (src/children/report.ts). Where seccomp user notification is available,
 * a call outside the child's policy goes to this process's supervisor thread, which names it
 * (call, arguments, the groups that would allow it) and ends the child with SIGSYS: the
 * ChildProcess emits 'seccomp-violation' and (unless `report: false`) this process writes
 * one line to its stderr. Otherwise the kernel kills the child and the call is named from
 * the kernel's audit record, where this process can read /dev/kmsg.
 */
import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SeccompError } from '../errors';
import { collectOutput, type ExecFileBehaviour, type ExecFileCallback } from './exec-file';
import { Filter } from '../filter';
import { watchForViolation } from './report';
import { entriesNeeds, expandEntries, type GroupEntry } from '../groups';
import { prepareLaunch } from './launcher';
import { checkLaunchPolicy } from './launcher/template';
import {
  addNeeds, isEmptyLandlock, landlockFromOptions, LANDLOCK_OPTION_KEY_LIST, mergeLandlock, type LandlockOptions,
} from '../landlock/policy';
import { planLandlockFor } from '../loader';
import { checkKnownKeys, keyNames, type KeyList } from '../known-keys';
import { checkPolicy, parseAction, type Action, type Policy, type Rule } from '../policy';
import { readPolicySpec } from '../policy-spec';

// The presets are for spawning; offered here too.
export { parsePolicySpec, profile, profileNames, profiles } from './presets';
export type { ProfileDefinition } from './presets';
export type { ChildViolation } from './report';
export type { ExecFileCallback } from './exec-file';

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
   * When the child dies by SIGSYS, write one line naming it and the blocked call (with its
   * arguments and the groups that would allow it) to this process's stderr. The
   * `ChildProcess` emits `'seccomp-violation'` either way.
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

const POLICY_KEY_NAMES = keyNames(CHILD_POLICY_KEYS);
/** Each caller's options: child_process's and the policy's (built once: spawn runs per request). */
const OPTION_KEYS = new Map<object, object>([SPAWN_KEYS, FORK_KEYS, EXEC_FILE_KEYS].map((keys) => [keys, { ...keys, ...CHILD_POLICY_KEYS }]));

function dedupe(rules: Rule[]): Rule[] {
  const seen = new Set<string>();
  return rules.filter((rule) => {
    const key = JSON.stringify(rule);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Child policies by the options that made them, so that a service spawning per request compiles nothing twice. */
const policies = new Map<string, Policy>();
const MAX_CACHED = 64;

/** What identifies the policy `options` ask for; undefined when it cannot be told cheaply. */
function policyKey(options: ChildPolicyOptions): string | undefined {
  const parts: Record<string, unknown> = {};
  for (const key of POLICY_KEY_NAMES as (keyof ChildPolicyOptions)[]) if (key !== 'report' && options[key] !== undefined) parts[key] = options[key];
  if (typeof options.policy === 'string') {
    // a policy file: its contents may change between two starts
    try {
      const stat = fs.statSync(options.policy);
      parts.file = [path.resolve(options.policy), stat.mtimeMs, stat.size, stat.ino];
    } catch {
      return undefined;
    }
  } else if (options.policy instanceof Filter) {
    parts.policy = options.policy.toPolicy();
  }
  try {
    return JSON.stringify(parts);
  } catch {
    return undefined;
  }
}

/**
 * The policy a child will run under, from spawn/fork/execFile options, checked now (names,
 * conditions, conflicts, size) so that mistakes throw here rather than in the child.
 */
export function childPolicy(options: ChildPolicyOptions): Policy {
  return structuredClone(cachedChildPolicy(options).policy);
}

function cachedChildPolicy(options: ChildPolicyOptions): { policy: Policy; key: string } {
  const key = policyKey(options);
  const known = key !== undefined ? policies.get(key) : undefined;
  if (known) return { policy: known, key: key! };
  const policy = buildChildPolicy(options);
  const finalKey = key ?? JSON.stringify(policy);
  if (policies.size >= MAX_CACHED) policies.delete(policies.keys().next().value!);
  policies.set(finalKey, policy);
  return { policy, key: finalKey };
}

function buildChildPolicy(options: ChildPolicyOptions): Policy {
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
  checkLaunchPolicy(policy);
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

/**
 * What a child's IPC channel needs (fork(), or 'ipc' in stdio): libuv reads and writes the
 * channel with recvmsg and sendmsg (file descriptors travel as SCM_RIGHTS), on that
 * descriptor only. Added to every such child's policy, as @exec-start is to all of them.
 */
export function ipcChannelRules(fd: number): Rule[] {
  const onChannel = [{ arg: 0, op: 'eq' as const, value: String(fd), width: 32 as const }];
  return [
    { syscall: 'recvmsg', action: 'allow', conditions: onChannel },
    { syscall: 'sendmsg', action: 'allow', conditions: onChannel },
  ];
}

function withIpcChannel(policy: Policy, key: string, fd: number): { policy: Policy; key: string } {
  for (const rule of policy.rules) {
    if ((rule.syscall === 'recvmsg' || rule.syscall === 'sendmsg') && !rule.conditions?.length && rule.action !== 'allow') {
      throw new SeccompError('ERR_SECCOMP_RULE_CONFLICT',
        `the child has an IPC channel, which needs ${rule.syscall} on its descriptor (${fd}), but the policy answers every ` +
        `${rule.syscall} with ${typeof rule.action === 'string' ? rule.action : `errno ${rule.action.errno}`}: give that rule ` +
        `a condition that leaves descriptor ${fd} out (arg0 != ${fd}), or start the child without 'ipc'`, { syscall: rule.syscall });
    }
  }
  return { policy: { ...policy, rules: dedupe([...policy.rules, ...ipcChannelRules(fd)]) }, key: `${key}+ipc${fd}` };
}

// ---------------------------------------------------------------------------------------
// Starting children

type Env = NodeJS.ProcessEnv;
type StdioEntry = NonNullable<cp.SpawnOptions['stdio']> extends infer S ? S extends readonly (infer E)[] ? E : never : never;

function splitOptions<T extends ChildPolicyOptions>(options: T, childProcessKeys: object, caller: string):
  { policy: Policy; key: string; report: boolean; rest: Omit<T, keyof ChildPolicyOptions> } {
  if (typeof options !== 'object' || options === null) {
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', 'a sandboxed child needs an options object with its `policy` or `allow`');
  }
  checkKnownKeys(options, OPTION_KEYS.get(childProcessKeys)!, `${caller} options`);
  const rest: Record<string, unknown> = {};
  for (const key of Object.keys(options)) if (!Object.hasOwn(CHILD_POLICY_KEYS, key)) rest[key] = (options as Record<string, unknown>)[key];
  for (const key of ['shell', 'argv0'] as const) {
    if (rest[key] !== undefined && rest[key] !== false) {
      throw new SeccompError('ERR_SECCOMP_INVALID_OPTION',
        key === 'shell'
          ? 'a sandboxed child cannot be started through a shell: the shell would have to exec the program, which its filter forbids. Pass the program and its arguments'
          : '`argv0` is not supported for sandboxed children: argv[0] is the program as named',
        { option: key });
    }
  }
  const { policy, key } = cachedChildPolicy(options);
  return { policy, key, report: options.report !== false, rest: rest as Omit<T, keyof ChildPolicyOptions> };
}

function cwdPath(cwd: string | URL | undefined): string {
  if (cwd === undefined || cwd === null) return process.cwd();
  return path.resolve(typeof cwd === 'string' ? cwd : fileURLToPath(cwd));
}

/**
 * Where `file` is found (src/children/exec.ts, resolveExecutable), from `cwd`; undefined when it is
 * not, or when `cwd` (given by the caller) is no directory.
 */
function findable(file: string, env: Env, cwd: string, cwdGiven: boolean): string | undefined {
  if (cwdGiven) {
    try {
      if (!fs.statSync(cwd).isDirectory()) return undefined;
    } catch {
      return undefined;
    }
  }
  const dirs = file.includes('/') ? [''] : (env.PATH ?? '/usr/bin:/bin').split(':').filter(Boolean);
  for (const dir of dirs) {
    const candidate = path.resolve(cwd, dir, file);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch { /* the next one */ }
  }
  return undefined;
}

/** `stdio` as an array of at least three entries, as Node reads it. */
function stdioArray(stdio: cp.SpawnOptions['stdio']): StdioEntry[] {
  if (stdio === undefined || stdio === null) return ['pipe', 'pipe', 'pipe'];
  if (typeof stdio === 'string') return [stdio, stdio, stdio] as StdioEntry[];
  const out = [...stdio] as StdioEntry[];
  for (let i = 0; i < 3; i++) if (out[i] === undefined || out[i] === null) out[i] = 'pipe';
  return out;
}

function normaliseArgs<T>(args: readonly string[] | T | undefined | null, options: T | undefined): { args: string[]; options: T | undefined } {
  if (Array.isArray(args)) return { args: args.map(String), options };
  if (args !== undefined && args !== null && typeof args === 'object') return { args: [], options: args as T };
  return { args: [], options };
}

/** spawnfile and spawnargs name the program, as child_process would, rather than the launcher. */
function presentAs(child: cp.ChildProcess, file: string, args: readonly string[]): cp.ChildProcess {
  const writable = child as { -readonly [K in 'spawnfile' | 'spawnargs']: cp.ChildProcess[K] };
  writable.spawnfile = file;
  writable.spawnargs = [file, ...args];
  return child;
}

interface Start {
  policy: Policy;
  key: string;
  file: string;
  /** `file`, found. */
  executable: string;
  args: string[];
  /** What the report calls it: the program, or the module for fork(). */
  name: string;
  report: boolean;
  env: Env;
  cwd: string;
  stdio: StdioEntry[];
  /** The rest of the spawn options. */
  options: cp.SpawnOptions;
}

/** Spawns the launcher for `start`; the ChildProcess is the program's. */
function launch(start: Start): cp.ChildProcess {
  const ipc = start.stdio.indexOf('ipc');
  const { policy, key } = ipc >= 0 ? withIpcChannel(start.policy, start.key, ipc) : start;
  const prepared = prepareLaunch({
    policy, cacheKey: key, file: start.file, executable: start.executable, args: start.args, env: start.env, cwd: start.cwd,
  }, start.stdio.length);
  let child: cp.ChildProcess;
  try {
    // `cwd` and `env` only as the caller gave them (in start.options): libuv's chdir runs under
    // this process's filter, and Node passes its own environment faster than a given one.
    child = cp.spawn(prepared.command, prepared.args, { ...start.options, stdio: [...start.stdio, prepared.channel] });
  } catch (error) {
    prepared.abort();
    throw error;
  }
  const supervision = prepared.started();
  // The channel was the launcher's, not the program's: the caller sees the stdio it asked for.
  (child.stdio as unknown[]).splice(prepared.channelIndex, 1);
  watchForViolation(child, start.name, start.report, supervision);
  return presentAs(child, start.file, start.args);
}

export type SandboxSpawnOptions = cp.SpawnOptions & ChildPolicyOptions;
export type SandboxForkOptions = cp.ForkOptions & ChildPolicyOptions;
export type SandboxExecFileOptions = cp.ExecFileOptions & ChildPolicyOptions;

/**
 * child_process.spawn(command, args, options), with the child under `options.policy` (or
 * `options.allow`) from its first instruction. Same options (except `shell` and `argv0`),
 * same ChildProcess and events; in addition 'seccomp-violation' when the child (or a process
 * it started) is killed for a call outside its policy. A program that cannot be found gives
 * 'error' (ENOENT) and 'close', as Node's own spawn does; it is never started unfiltered.
 */
export function spawn(command: string, options: SandboxSpawnOptions): cp.ChildProcess;
export function spawn(command: string, args: readonly string[], options: SandboxSpawnOptions): cp.ChildProcess;
export function spawn(command: string, argsOrOptions?: readonly string[] | SandboxSpawnOptions, maybeOptions?: SandboxSpawnOptions): cp.ChildProcess {
  const { args, options } = normaliseArgs(argsOrOptions, maybeOptions);
  if (typeof command !== 'string' || command === '') {
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', 'spawn() needs the program to run', { command });
  }
  const { policy, key, report, rest } = splitOptions(options as SandboxSpawnOptions, SPAWN_KEYS, 'spawn()');
  const env = rest.env ?? process.env;
  const cwd = cwdPath(rest.cwd);
  const executable = findable(command, env, cwd, rest.cwd !== undefined && rest.cwd !== null);
  if (!executable) {
    // Node's own failure, without running anything: libuv forks, cannot enter the directory
    // and reports ENOENT for `command`, as when the program does not exist.
    return cp.spawn(command, args, { ...rest, cwd: MISSING_DIR });
  }
  return launch({ policy, key, file: command, executable, args, name: command, report, env, cwd, stdio: stdioArray(rest.stdio), options: rest });
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

/** fork()'s stdio: strings become three entries and the IPC channel, as child_process.fork does. */
function forkStdio(options: cp.ForkOptions): StdioEntry[] {
  const stdio = options.stdio;
  if (stdio === undefined || stdio === null) {
    return options.silent ? ['pipe', 'pipe', 'pipe', 'ipc'] : ['inherit', 'inherit', 'inherit', 'ipc'];
  }
  if (typeof stdio === 'string') return [stdio, stdio, stdio, 'ipc'] as StdioEntry[];
  const out = stdioArray(stdio);
  if (!out.includes('ipc')) {
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', 'fork() needs an \'ipc\' entry in `stdio` (child_process.fork requires one too)');
  }
  return out;
}

/**
 * child_process.fork(modulePath, args, options), with the Node child under the policy from
 * its first instruction (exec time, before Node's own startup: no io_uring rings exist).
 * The IPC channel works as with fork(): messages sent right away are received. The child's
 * policy always gets what its channel needs (recvmsg and sendmsg on it); it must allow what
 * a Node process needs (@node; the presets have it).
 */
export function fork(modulePath: string | URL, options: SandboxForkOptions): cp.ChildProcess;
export function fork(modulePath: string | URL, args: readonly string[], options: SandboxForkOptions): cp.ChildProcess;
export function fork(modulePath: string | URL, argsOrOptions?: readonly string[] | SandboxForkOptions, maybeOptions?: SandboxForkOptions): cp.ChildProcess {
  const { args, options } = normaliseArgs(argsOrOptions, maybeOptions);
  const module = modulePath instanceof URL ? fileURLToPath(modulePath) : modulePath;
  if (typeof module !== 'string' || module === '') {
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', 'fork() needs the module to run', { modulePath });
  }
  const { policy, key, report, rest } = splitOptions(options as SandboxForkOptions, FORK_KEYS, 'fork()');
  const { execPath = process.execPath, execArgv = defaultExecArgv(), silent, stdio: _stdio, ...spawnOptions } = rest;
  const env = spawnOptions.env ?? process.env;
  const cwd = cwdPath(spawnOptions.cwd);
  const stdio = forkStdio(rest);
  const executable = findable(execPath, env, cwd, spawnOptions.cwd !== undefined && spawnOptions.cwd !== null);
  if (!executable) {
    return cp.fork(module, args, { ...spawnOptions, silent, stdio: rest.stdio, execPath, execArgv, cwd: MISSING_DIR });
  }
  return launch({
    policy, key, file: execPath, executable, args: [...execArgv, module, ...args], name: module, report, env, cwd, stdio,
    options: spawnOptions as cp.SpawnOptions,
  });
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
  const { policy, key, report, rest: execOptions } = splitOptions(options as SandboxExecFileOptions, EXEC_FILE_KEYS, 'execFile()');
  const { encoding, timeout, maxBuffer, killSignal, cwd: cwdOption, env: envOption, uid, gid, signal, windowsHide } = execOptions;
  const behaviour: ExecFileBehaviour = {
    ...(encoding !== undefined ? { encoding: encoding as ExecFileBehaviour['encoding'] } : {}), ...(timeout !== undefined ? { timeout } : {}),
    ...(maxBuffer !== undefined ? { maxBuffer } : {}), ...(killSignal !== undefined ? { killSignal } : {}),
  };
  const env = envOption ?? process.env;
  const cwd = cwdPath(cwdOption);
  // As child_process.execFile does: only these reach spawn; stdio is pipes.
  const spawnOptions: cp.SpawnOptions = { ...(uid !== undefined ? { uid } : {}), ...(gid !== undefined ? { gid } : {}),
    ...(envOption !== undefined && envOption !== null ? { env: envOption } : {}),
    ...(signal !== undefined ? { signal } : {}), ...(cwdOption !== undefined && cwdOption !== null ? { cwd: cwdOption } : {}),
    windowsHide: Boolean(windowsHide) };
  const executable = findable(file, env, cwd, cwdOption !== undefined && cwdOption !== null);
  const child = executable
    ? launch({ policy, key, file, executable, args, name: file, report, env, cwd, stdio: ['pipe', 'pipe', 'pipe'], options: spawnOptions })
    : presentAs(cp.spawn(file, args, { ...spawnOptions, env, cwd: MISSING_DIR }), file, args);
  return collectOutput(child, file, args, behaviour, callback);
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
