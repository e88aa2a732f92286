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
import { archName } from './arch';
import { SeccompError } from './errors';
import type { ExecRequest } from './exec-helper';
import { Filter } from './filter';
import { builtinGroups, expandEntries, leadingComment, type GroupEntry } from './groups';
import { checkExecPolicy } from './exec';
import { loadHistory } from './loader';
import { fromOciProfile } from './oci';
import { checkPolicy, parseAction, type Action, type Policy, type Rule } from './policy';
import { parseFile, type GroupTable } from './policy-file/parser';
import { readPolicySource } from './policy-source';
import type { LockdownOptions } from './sandbox';
import { closestName, syscallTable } from './syscalls';

/** The Node script that loads a child's policy and execs the program (always the compiled one in lib/). */
export const EXEC_HELPER = path.join(__dirname, '..', 'lib', 'exec-helper.js');
const EXEC_REQUEST_ENV = 'SECCOMP_NODE_EXEC';
/** One environment string may hold at most 32 pages (MAX_ARG_STRLEN), name included. */
const MAX_REQUEST_BYTES = 128 * 1024 - EXEC_REQUEST_ENV.length - 2;
/** A directory that cannot exist or be created: chdir to it fails with ENOENT. */
const MISSING_DIR = '/proc/self/seccomp-node-no-such-program';

const PROFILE_DIR = path.join(__dirname, '..', 'policies', 'profiles');

// ---------------------------------------------------------------------------------------
// The child's policy

/** How the child's policy is given: like `sandbox.lockdown()`, plus exec-time and report settings. */
export interface ChildPolicyOptions {
  /**
   * A complete policy: plain policy data, a Filter, or the path of a policy file (policy
   * file format, OCI/Docker JSON profile, or policy JSON). `profile('compute')` and the
   * other presets return policy data.
   */
  policy?: Policy | Filter | string;
  /** Or an allow list, as for lockdown: syscall names, '@groups' and rule objects. */
  allow?: GroupEntry[];
  /** What happens to calls the policy does not allow. Default 'kill-process'. */
  defaultAction?: Action;
  /**
   * Add `@exec-start` (what every program does between execve and main: the dynamic loader
   * mapping its libraries read-only, libc setting up TLS, Node raising its file limit).
   * Default true: without it almost no dynamically linked program can start. Note that it
   * allows read-only opens. The presets include it already.
   */
  execStart?: boolean;
  /**
   * When the child dies by SIGSYS, write one line naming it (and the blocked call, when the
   * kernel log says which) to this process's stderr. Default true. The ChildProcess emits
   * 'seccomp-violation' either way.
   */
  report?: boolean;
}

const CHILD_POLICY_KEYS = ['policy', 'allow', 'defaultAction', 'execStart', 'report'] as const;

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
      : typeof options.policy === 'string' ? readPolicySource(options.policy).policy
        : checkPolicy(options.policy);
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
  policy = { defaultAction: policy.defaultAction, rules: dedupe(policy.rules) };
  validate(policy);
  return policy;
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
// Role presets

export interface ProfileDefinition {
  name: string;
  /** The leading comment of its policy file. */
  description: string;
  file: string;
  /** The groups it names. */
  groups: string[];
}

function profileFile(name: string): string {
  const names = profileNames();
  if (!names.includes(name)) {
    const suggestion = closestName(name, names);
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION',
      `unknown profile "${name}"` + (suggestion ? `; did you mean "${suggestion}"?` : '') + `; profiles: ${names.join(', ')}`,
      { profile: name, suggestion });
  }
  return path.join(PROFILE_DIR, `${name}.policy`);
}

/** The presets shipped in policies/profiles: 'compute', 'daemon', 'fetcher', 'file-reader'. */
export function profileNames(): string[] {
  return fs.readdirSync(PROFILE_DIR).filter((f) => f.endsWith('.policy')).map((f) => f.slice(0, -'.policy'.length)).sort();
}

function readProfile(name: string, execStart: boolean): { policy: Policy; groups: string[]; file: string } {
  const file = profileFile(name);
  const groups: string[] = [];
  const table: GroupTable = {
    names: builtinGroups.names,
    expand: (group, seen) => {
      groups.push(group);
      return group === '@exec-start' && !execStart ? [] : builtinGroups.expand(group, seen);
    },
  };
  return { policy: parseFile(file, { groups: table }).policy, groups, file };
}

/**
 * A preset as policy data, for `sandbox.spawn`/`fork`/`execFile({ policy })` or
 * `sandbox.lockdown({ policy })`:
 * - `compute`: the runtime and the descriptors it was given (stdio, fork's IPC channel);
 *   no sockets, no file writes, no processes.
 * - `fetcher`: `compute` plus connecting out and DNS; no listening, no file writes.
 * - `file-reader`: `compute` plus reading files and directories; no network, no writes.
 * - `daemon`: the default daemon profile of `sandbox.lockdown()`.
 * The exec-time presets include `@exec-start`, whose read-only opens every program needs to
 * start. `{ execStart: false }` leaves it out: for a process that is already running, such
 * as a worker that tightens its own filter once its code is loaded (then `compute` allows no
 * open at all).
 */
export function profile(name: string, options: { execStart?: boolean } = {}): Policy {
  return readProfile(name, options.execStart !== false).policy;
}

/** Every preset with its description, file and groups. */
export function profiles(): Record<string, ProfileDefinition> {
  return Object.fromEntries(profileNames().map((name) => {
    const { groups, file } = readProfile(name, true);
    return [name, { name, description: leadingComment(fs.readFileSync(file, 'utf8')), file, groups }];
  }));
}

/**
 * Lockdown options from one string, as `SECCOMP_NODE_POLICY` gives them to
 * `node --import seccomp-node/lockdown`:
 * - JSON (starts with `{`): policy data, or an OCI/Docker seccomp profile;
 * - a list of groups and names (starts with `@`, or has commas): `@node,@fs-read,@net-client`;
 * - a preset name: `compute`, `fetcher`, `file-reader`, `daemon`;
 * - otherwise the path of a policy file.
 */
export function parsePolicySpec(spec: string): LockdownOptions {
  const text = spec.trim();
  if (text === '') throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', 'the policy is empty');
  if (text.startsWith('{')) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new SeccompError('ERR_SECCOMP_POLICY_SYNTAX', `invalid policy JSON: ${(error as Error).message}`);
    }
    if (typeof data === 'object' && data !== null && 'syscalls' in data) return { policy: fromOciProfile(data).policy };
    return { policy: checkPolicy(data) };
  }
  if (text.startsWith('@') || (text.includes(',') && !text.includes('/'))) {
    return { allow: text.split(/[\s,]+/).filter(Boolean) };
  }
  if (/^[a-z][a-z0-9-]*$/.test(text) && profileNames().includes(text)) return { policy: profile(text) };
  return { policy: path.resolve(text) };
}

// ---------------------------------------------------------------------------------------
// The violation report, in the parent

/** What the parent learnt about a child that died by SIGSYS. */
export interface ChildViolation {
  pid: number;
  /** The program (spawn, execFile) or module (fork) as the caller named it. */
  command: string;
  /** The blocked call, when the kernel's audit record was found; otherwise null. */
  syscall: string | null;
  nr: number | null;
  arch: string | null;
  /** Why the call is unknown, when it is. */
  reason?: string;
  /** The line written to stderr (also when `report: false` kept it from being written). */
  line: string;
}

interface AuditHit { nr: number; arch: string | null; syscall: string | null }

/** Delays between looks at the kernel log: its audit records are written asynchronously. */
const KMSG_RETRY_MS = [10, 25, 50, 100, 150];

/** Parses one /dev/kmsg record: a seccomp audit record (type 1326) of `pid`, with SIGSYS. */
function parseAuditRecord(record: string, pid: number, notBefore: number): AuditHit | undefined {
  const text = record.slice(record.indexOf(';') + 1);
  if (!text.includes('type=1326')) return undefined;
  // Untrusted fields (comm, exe) are hex-encoded by the kernel when they contain spaces, so
  // " pid=" and friends cannot be forged through them.
  const field = (name: string, pattern: string) => new RegExp(` ${name}=(${pattern})(?: |$)`).exec(text)?.[1];
  if (field('pid', '\\d+') !== String(pid) || field('sig', '\\d+') !== '31') return undefined;
  const stamp = /audit\((\d+)\.(\d+):/.exec(text);
  if (stamp && Number(stamp[1]) * 1000 + Number(stamp[2]) < notBefore) return undefined;
  const nr = Number(field('syscall', '\\d+'));
  if (!Number.isInteger(nr)) return undefined;
  const token = field('arch', '[0-9a-f]+');
  const arch = token ? archName(parseInt(token, 16)) ?? null : null;
  let syscall: string | null = null;
  try { syscall = arch ? syscallTable(arch)[nr] || null : null; } catch { syscall = null; }
  return { nr, arch, syscall };
}

/**
 * Looks for the kernel's audit record of `pid`'s death in /dev/kmsg: non-blocking reads on
 * the thread pool, a few retries while kauditd catches up. Never throws.
 */
function findAuditRecord(pid: number, notBefore: number): Promise<AuditHit | { reason: string }> {
  // Opening a file could itself be a call this process's own filter forbids.
  if (loadHistory.length > 0) {
    return Promise.resolve({ reason: 'dmesg not read: this process is locked down, and opening the kernel log could be a blocked call itself' });
  }
  return new Promise((resolve) => {
    fs.open('/dev/kmsg', fs.constants.O_RDONLY | fs.constants.O_NONBLOCK, (openError, fd) => {
      if (openError) {
        resolve({ reason: `dmesg not readable: ${openError.code ?? openError.message}` });
        return;
      }
      const buffer = Buffer.alloc(16 * 1024);
      let hit: AuditHit | undefined;
      let retry = 0;
      const finish = (result: AuditHit | { reason: string }) => fs.close(fd, () => resolve(result));
      const next = (): void => {
        fs.read(fd, buffer, 0, buffer.length, null, (error, bytes) => {
          if (error && error.code === 'EPIPE') { next(); return; } // records overwritten while reading
          if (error && error.code !== 'EAGAIN') {
            finish(hit ?? { reason: `dmesg not readable: ${error.code ?? error.message}` });
            return;
          }
          if (!error && bytes > 0) {
            hit = parseAuditRecord(buffer.toString('utf8', 0, bytes), pid, notBefore) ?? hit;
            next();
            return;
          }
          // The end of the log for now.
          if (hit) { finish(hit); return; }
          if (retry >= KMSG_RETRY_MS.length) {
            finish({ reason: 'no audit record in the kernel log (auditd may collect them, audit may be off, or the kernel rate-limited them)' });
            return;
          }
          setTimeout(next, KMSG_RETRY_MS[retry++]);
        });
      };
      next();
    });
  });
}

/** Reports the child's death by SIGSYS, with the blocked call when the kernel log names it. */
function watchForViolation(child: cp.ChildProcess, command: string, report: boolean): void {
  const notBefore = Date.now() - 2000;
  child.once('exit', (_code, signal) => {
    if (signal !== 'SIGSYS' || child.pid === undefined) return;
    const pid = child.pid;
    if (!report && child.listenerCount('seccomp-violation') === 0) return;
    void findAuditRecord(pid, notBefore).then((found) => {
      const head = `seccomp-node: child process ${pid} (${command}) was killed by SIGSYS: blocked system call`;
      const violation: ChildViolation = 'reason' in found
        ? { pid, command, syscall: null, nr: null, arch: null, reason: found.reason, line: `${head} unknown (${found.reason})` }
        : { pid, command, ...found, line: `${head} ${found.syscall ?? 'unknown'} (nr ${found.nr}, arch ${found.arch ?? 'unknown'})` };
      if (report) {
        try { process.stderr.write(`${violation.line}\n`); } catch { /* stderr gone */ }
      }
      child.emit('seccomp-violation', violation);
    });
  });
}

// ---------------------------------------------------------------------------------------
// Starting children

type Env = NodeJS.ProcessEnv;

function splitOptions<T extends ChildPolicyOptions>(options: T): { policy: Policy; report: boolean; rest: Omit<T, keyof ChildPolicyOptions> } {
  if (typeof options !== 'object' || options === null) {
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', 'a sandboxed child needs an options object with its `policy` or `allow`');
  }
  const rest: Record<string, unknown> = { ...(options as Record<string, unknown>) };
  for (const key of CHILD_POLICY_KEYS) delete rest[key];
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
  const { policy, report, rest } = splitOptions(options as SandboxSpawnOptions);
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
  const { policy, report, rest } = splitOptions(options as SandboxForkOptions);
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
  const { policy, report, rest: execOptions } = splitOptions(options as SandboxExecFileOptions);
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
