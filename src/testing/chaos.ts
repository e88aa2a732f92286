/**
 * Chaos runs: a program run once with chosen system calls failing, and a verdict on what
 * it did with that: carried on (exit status 0), exited with an error status, died by a
 * signal (crashed), or hung. Used by `seccomp-node chaos`; synchronous, so the program can
 * use the terminal.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { SeccompError } from '../errors';
import { resolveExecutable } from '../children/exec';
import { launchFailureError } from '../children/launcher';
import { compileFor } from '../verified-program';
import type { Policy } from '../policy';
import { prepareCommand } from './command';
import { isNodeProgram } from './exec';
import { describeFaults, faultPolicy, type FaultSpec } from './faults';
import { watchKernelLog } from './kernel-log';
import type { ErrorInfo } from './runner';

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
const PRELOAD_SCRIPT = path.join(PACKAGE_ROOT, 'lib', 'testing', 'preload.js');
const REPORT_FD = 3;

export interface ChaosOptions {
  fail: FaultSpec;
  /** A policy stacked on the faults (from exec). */
  policy?: Policy;
  /** When the faults begin; default 'main' for Node programs, 'exec' for others. */
  from?: 'exec' | 'main';
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** 'inherit' (default): the program uses this terminal; 'pipe': output is collected. */
  stdio?: 'inherit' | 'pipe';
}

/** What the program did under the faults. */
export type ChaosVerdict = 'carried-on' | 'exited' | 'crashed' | 'blocked' | 'timed-out';

export interface ChaosResult {
  verdict: ChaosVerdict;
  /** The verdict in words: "carried on (exit status 0)". */
  description: string;
  /** `seccomp-node chaos` exit status for this verdict: 0 carried on, 3 exited non-zero, 4 died by a signal, 5 timed out. */
  status: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  faults: string;
  from: 'exec' | 'main';
  /** Node programs with faults from main: when they were armed ('main module'...), if they were. */
  armed?: string;
  /** Node programs with faults from main: the uncaught exception that ended it, if one did. */
  uncaught?: ErrorInfo;
  /**
   * With a policy: the call the policy killed, from the supervisor's notification (or, where
   * seccomp user notification is unavailable, from the kernel log, best effort).
   */
  syscall?: string;
  stdout?: string;
  stderr?: string;
}

const STATUS: Record<ChaosVerdict, number> = { 'carried-on': 0, exited: 3, crashed: 4, blocked: 4, 'timed-out': 5 };

/** Runs `command` once under `options.fail`. Throws only when the request is wrong. */
export function runChaos(command: string, args: readonly string[], options: ChaosOptions): ChaosResult {
  const env = { ...process.env, ...options.env };
  const cwd = path.resolve(options.cwd ?? process.cwd());
  resolveExecutable(command, env.PATH, cwd);
  const node = isNodeProgram(command, env);
  const from = options.from ?? (node ? 'main' : 'exec');
  if (from === 'main' && !node) {
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', `--from main works only for Node programs; ${command} is not one (use --from exec)`);
  }
  const faults = faultPolicy(options.fail, from === 'main' ? [{ syscall: 'write', arg: 0, value: REPORT_FD }] : []);
  compileFor(faults, { report: false });
  // Compiled (and refused, when wrong) here, before anything starts.
  const prepared = prepareCommand({
    command, args, env, cwd, faults, faultsFrom: from, preload: PRELOAD_SCRIPT, reportFd: REPORT_FD,
    ...(options.policy ? { policy: options.policy } : {}),
  });
  const launch = prepared.launch;
  const kernelLog = options.policy && !launch?.supervised ? watchKernelLog() : undefined;
  const supervision = launch?.supervise();
  try {
    const pipe = options.stdio === 'pipe';
    let r: ReturnType<typeof spawnSync>;
    try {
      // Synchronous, so that the program can use the terminal; the supervisor thread answers
      // its notifications meanwhile.
      r = spawnSync(prepared.command, prepared.args, {
        cwd, env: prepared.env, encoding: 'utf8', maxBuffer: 64 << 20,
        stdio: [pipe ? 'ignore' : 'inherit', pipe ? 'pipe' : 'inherit', pipe ? 'pipe' : 'inherit', 'pipe', ...(launch ? [launch.channel] : [])],
        ...(options.timeoutMs ? { timeout: options.timeoutMs, killSignal: 'SIGKILL' as const } : {}),
      });
    } finally {
      launch?.spawned();
    }
    try {
      if (r.error && (r.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw r.error;
      supervision?.drain();
      if (supervision?.failure) throw launchFailureError(command, supervision.failure);
      const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
      const events = String(r.output?.[REPORT_FD] ?? '').split('\n').filter((l) => l.startsWith('{')).flatMap((l) => {
        try { return [JSON.parse(l) as { kind?: string; event?: string; when?: string; error?: ErrorInfo }]; } catch { return []; }
      });
      const armed = events.find((e) => e.event === 'armed')?.when;
      const uncaught = events.find((e) => e.event === 'uncaught')?.error;
      const signal = r.signal;
      const named = supervision?.violations.find((v) => v.pid === r.pid) ?? supervision?.violations[0];
      const verdict: ChaosVerdict = timedOut ? 'timed-out' : (signal === 'SIGSYS' || named) && options.policy ? 'blocked'
        : signal ? 'crashed' : r.status === 0 ? 'carried-on' : 'exited';
      const syscall = verdict !== 'blocked' ? undefined
        : named ? named.syscall ?? `nr ${named.nr}` : r.pid ? kernelLog?.findSync(r.pid)?.syscall : undefined;
      let description = {
        'carried-on': 'carried on (exit status 0)',
        exited: `exited with status ${r.status}`,
        crashed: `crashed (signal ${signal})`,
        blocked: `was killed by the policy (SIGSYS${syscall ? ` on ${syscall}` : ''})`,
        'timed-out': `hung: killed after ${options.timeoutMs} ms`,
      }[verdict];
      if (uncaught) description += ` after an uncaught ${uncaught.name}: ${uncaught.message}`;
      if (from === 'main' && !armed && verdict !== 'timed-out') description += '; the faults were never armed (it ended before its main module ran)';
      return {
        verdict, description, status: STATUS[verdict], code: r.status, signal, faults: describeFaults(options.fail), from,
        ...(armed ? { armed } : {}), ...(uncaught ? { uncaught } : {}), ...(syscall ? { syscall } : {}),
        ...(pipe ? { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') } : {}),
      };
    } finally {
      supervision?.release();
    }
  } finally {
    kernelLog?.close();
  }
}
