/**
 * The child side of runSandboxed(): `node lib/testing/runner.js SPEC_FILE`. It reads the
 * spec (then deletes the file), prepares what is to run, loads the filters and runs it:
 *
 * - a function (its source) or a module export: loaded first, then the fault filter, then
 *   the policy, then the call. The outcome goes to the parent as one JSON line on
 *   descriptor `resultFd` (writes to it are exempted from faults and allowed by the policy).
 * - a command: the filters are loaded and the program replaces this process (execve).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { Filter } from '../filter';
import type { Policy } from '../policy';
import { sandbox } from '../sandbox';
import { buildVerified, compileFor } from '../loader';
import { bindingPath } from '../native';
import { execWithFilters } from './exec';

export interface RunnerSpec {
  mode: 'function' | 'module' | 'command';
  /** function: its source text (fn.toString()). */
  source?: string;
  /** module: an absolute path, and the export to call. */
  module?: string;
  export?: string;
  /** function and module: the arguments, v8-serialised, base64. */
  args?: string;
  /** command */
  command?: string;
  commandArgs?: string[];
  /** Node commands with faults from the main module on: the preload to insert. */
  preload?: string;
  policy?: Policy;
  report: boolean;
  optimize?: 1 | 2;
  faults?: Policy;
  resultFd: number;
  keepAlive: boolean;
}

export type RunnerMessage =
  | { kind: 'returned'; value?: string; unserialisable?: string }
  | { kind: 'threw' | 'uncaught' | 'setup-error'; error: ErrorInfo };

export interface ErrorInfo { name: string; message: string; code?: string; errno?: number; syscall?: string; stack?: string }

function errorInfo(error: unknown): ErrorInfo {
  if (typeof error !== 'object' || error === null) return { name: typeof error, message: String(error) };
  const e = error as NodeJS.ErrnoException;
  return {
    name: String(e.name ?? 'Error'), message: String(e.message ?? e),
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.errno === 'number' ? { errno: e.errno } : {}),
    ...(typeof e.syscall === 'string' ? { syscall: e.syscall } : {}),
    ...(typeof e.stack === 'string' ? { stack: e.stack } : {}),
  };
}

let resultFd = -1;

function send(message: RunnerMessage): void {
  const data = Buffer.from(`${JSON.stringify(message)}\n`);
  let offset = 0;
  // The descriptor may be non-blocking: retry until the parent has read enough.
  for (let spins = 0; offset < data.length; spins++) {
    try {
      offset += fs.writeSync(resultFd, data, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || spins > 1_000_000) throw error;
    }
  }
}

/** A function from its source: an expression (arrow, function, class method shorthand). */
function compileFunction(source: string): (...args: unknown[]) => unknown {
  const loader = (vm.constants as unknown as Record<string, unknown> | undefined)?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  // dynamic import() inside the function resolves like the main program's (Node 20.12+)
  const options = { filename: 'sandboxed-function.js', ...(loader !== undefined ? { importModuleDynamically: loader } : {}) } as vm.RunningScriptOptions;
  let value: unknown;
  try {
    value = vm.runInThisContext(`(${source}\n)`, options);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // A method written in shorthand: `name(a) { ... }` or `async name() { ... }`
    const holder = vm.runInThisContext(`({ ${source}\n })`, options) as Record<string, unknown>;
    value = Object.values(holder)[0];
  }
  if (typeof value !== 'function') throw new TypeError('the sandboxed source is not a function');
  return value as (...args: unknown[]) => unknown;
}

async function loadExport(file: string, name: string): Promise<(...args: unknown[]) => unknown> {
  const mod = await import(pathToFileURL(file).href) as Record<string, unknown>;
  const fallback = mod.default as Record<string, unknown> | undefined;
  const value = name in mod ? mod[name] : typeof fallback === 'object' || typeof fallback === 'function' ? fallback?.[name] : undefined;
  if (typeof value !== 'function') throw new TypeError(`${file} has no exported function "${name}"`);
  return value as (...args: unknown[]) => unknown;
}

function encode(value: unknown): RunnerMessage {
  if (value === undefined) return { kind: 'returned' };
  try {
    return { kind: 'returned', value: v8.serialize(value).toString('base64') };
  } catch {
    let text: string;
    try { text = String(value); } catch { text = Object.prototype.toString.call(value); }
    return { kind: 'returned', unserialisable: text };
  }
}

async function runCall(spec: RunnerSpec): Promise<void> {
  let fn: (...args: unknown[]) => unknown;
  let args: unknown[];
  try {
    // In scope for the function: require() resolving from the working directory.
    (globalThis as Record<string, unknown>).require ??= createRequire(path.join(process.cwd(), '[sandboxed]'));
    fn = spec.mode === 'function' ? compileFunction(spec.source ?? '') : await loadExport(spec.module!, spec.export ?? 'default');
    args = spec.args ? v8.deserialize(Buffer.from(spec.args, 'base64')) as unknown[] : [];
    if (spec.faults) Filter.fromPolicy(spec.faults).load({ report: spec.report });
    if (spec.policy) sandbox.lockdown({ policy: spec.policy, report: spec.report, ...(spec.optimize ? { optimize: spec.optimize } : {}) });
  } catch (error) {
    send({ kind: 'setup-error', error: errorInfo(error) });
    process.exit(70);
  }
  process.on('uncaughtExceptionMonitor', (error) => {
    try { send({ kind: 'uncaught', error: errorInfo(error) }); } catch { /* the parent sees the exit */ }
  });
  let message: RunnerMessage;
  try {
    message = encode(await fn(...args));
  } catch (error) {
    message = { kind: 'threw', error: errorInfo(error) };
  }
  send(message);
  if (spec.keepAlive) process.exitCode = message.kind === 'returned' ? 0 : 1;
  else process.exit(message.kind === 'returned' ? 0 : 1);
}

function runCommand(spec: RunnerSpec): never {
  const env = { ...process.env };
  let args = spec.commandArgs ?? [];
  let faults = spec.faults;
  let inheritFds = [0, 1, 2];
  if (spec.preload && faults) {
    inheritFds = [0, 1, 2, spec.resultFd];
    // Compiled here, so that the preload needs nothing of the package but the addon.
    env.SECCOMP_NODE_FAULTS = buildVerified(compileFor(faults, { report: false })).bytes.toString('base64');
    env.SECCOMP_NODE_ADDON = bindingPath ?? '';
    env.SECCOMP_NODE_FAULTS_FD = String(spec.resultFd);
    args = ['--require', spec.preload, ...args];
    faults = undefined;
  }
  try {
    return execWithFilters({ file: spec.command!, args, env, inheritFds, ...(spec.policy ? { policy: spec.policy } : {}), ...(faults ? { faults } : {}) });
  } catch (error) {
    send({ kind: 'setup-error', error: errorInfo(error) });
    process.exit(70);
  }
}

function main(): void {
  const file = process.argv[2];
  const spec = JSON.parse(fs.readFileSync(file, 'utf8')) as RunnerSpec;
  fs.rmSync(file, { force: true });
  resultFd = spec.resultFd;
  if (spec.mode === 'command') runCommand(spec);
  else void runCall(spec);
}

if (require.main === module) main();
