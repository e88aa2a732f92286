/**
 * `seccomp-node run --policy FILE -- COMMAND [ARG...]`: the program under the policy from its
 * first instruction.
 *
 * By default this process starts the program through the launcher (src/children/launcher) and stays
 * as its supervisor: a call outside the policy is named on stderr (call, arguments, the
 * built-in group that would allow it) and the program is ended with SIGSYS before the call
 * runs; this process then ends as the program did (its exit status, or the same signal), so
 * a shell still sees "Bad system call". Signals sent to this process (SIGTERM, SIGHUP,
 * SIGUSR1, SIGUSR2) are passed on; SIGINT and SIGQUIT from the terminal reach the program
 * directly, and this process waits for it. The program dies with its supervisor.
 *
 * `--exec` keeps the older way: this process loads the filter into itself and replaces
 * itself with the program (no supervisor; a violation is a kill by the kernel, named only in
 * the kernel log).
 *
 * A start should cost little more than the Node startup it already paid, so this module
 * loads only what starting needs; the syscall tables and groups load when a violation has
 * to be named. The compiled programs are never kept on disk: a cache the program could
 * write to (it runs as the same user) would let it weaken its own next start.
 */
import { spawn } from 'node:child_process';
import { startPlanned, type StartPlan } from '../children/launcher/start';
import { setCallNamer, type SupervisedViolation } from '../children/launcher/supervision';
import { binding } from '../native';
import { resolveExecutable } from '../children/resolve-executable';
import { OCI_WIDTHS_OPTION, OCI_WIDTHS_USAGE, parse, UsageError, type Command, type Output } from './args';

/* eslint-disable @typescript-eslint/no-require-imports */

function ports(values: string[] | undefined, flag: string): number[] | undefined {
  return values?.map((v) => {
    if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new UsageError(`${flag} takes a TCP port (0 to 65535), not "${v}"`);
    return Number(v);
  });
}

/** The Landlock rules given as flags (added to the policy file's own). */
function landlockFlags(values: Record<string, unknown>): import('../landlock/policy').LandlockRules | undefined {
  const { checkLandlock } = require('../landlock/policy') as typeof import('../landlock/policy');
  const list = (key: string) => values[key] as string[] | undefined;
  const fs = { read: list('fs-read'), write: list('fs-write'), execute: list('fs-execute') };
  const net = { bind: ports(list('net-bind'), '--net-bind'), connect: ports(list('net-connect'), '--net-connect') };
  const rules: Record<string, unknown> = {};
  if (Object.values(fs).some(Boolean)) rules.fs = fs;
  if (Object.values(net).some(Boolean)) rules.net = net;
  if (values.isolate !== undefined) {
    if (values.isolate !== 'on' && values.isolate !== 'off') throw new UsageError(`--isolate takes on or off, not "${String(values.isolate)}"`);
    rules.isolate = values.isolate === 'on';
  }
  if (values['best-effort']) rules.bestEffort = true;
  return Object.keys(rules).length ? checkLandlock(rules) : undefined;
}

/** The policy file with the flags' Landlock rules added. */
function fullPolicy(file: string, values: Record<string, unknown>): { policy: import('../policy').Policy; notes: string[]; warnings: string[] } {
  const { archOption, loadPolicy, ociWidthsOption } = require('./common') as typeof import('./common');
  const { mergeLandlock } = require('../landlock/policy') as typeof import('../landlock/policy');
  const { policy, notes, warnings } = loadPolicy(file, archOption(undefined), ociWidthsOption(values['oci-widths'] as string | undefined));
  const landlock = mergeLandlock(policy.landlock, landlockFlags(values));
  return { policy: landlock ? { ...policy, landlock } : policy, notes, warnings };
}

function printNotes(file: string, notes: string[], warnings: string[], out: Output): void {
  for (const note of notes) out.stderr(`${file}: note: ${note}\n`);
  for (const warning of warnings) out.stderr(`${file}: warning: ${warning}\n`);
}

/** What to start `command` with: the policy compiled (and verified) for this start. */
function planFor(file: string, values: Record<string, unknown>, command: string, args: string[], out: Output): StartPlan {
  const { planLaunch } = require('../children/launcher') as typeof import('../children/launcher');
  const executable = resolveExecutable(command, process.env.PATH);
  const { policy, notes, warnings } = fullPolicy(file, values);
  printNotes(file, notes, warnings, out);
  return planLaunch({ policy, file: command, args, env: process.env, cwd: process.cwd(), executable });
}

// A violation is named with the syscall tables and the groups, loaded only when one comes.
setCallNamer((...call) => (require('../children/launcher/naming') as typeof import('../children/launcher/naming')).nameCall(...call));

/** Signals passed on to the program; SIGINT and SIGQUIT come from the terminal to both. */
const FORWARDED = ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const;
const FROM_TERMINAL = ['SIGINT', 'SIGQUIT'] as const;

function violationLine(command: string, childPid: number, v: SupervisedViolation): string {
  const who = v.pid === childPid ? `${command} (pid ${childPid})` : `process ${v.pid}, started by ${command} (pid ${childPid}),`;
  const how = v.signal === 'SIGKILL' ? 'was killed (SIGKILL: it catches or ignores SIGSYS)' : 'was killed by SIGSYS';
  const { callDetails, callName } = require('../children/launcher/describe') as typeof import('../children/launcher/describe');
  return `seccomp-node run: ${who} ${how}: blocked system call ${callName(v)} in thread ${v.thread}, ${callDetails(v)}\n`;
}

/** Starts the program through the launcher and supervises it; settles with the status to exit with. */
function supervise(plan: StartPlan, command: string, args: string[], out: Output): Promise<number> {
  const launch = startPlanned(plan, command, args, 3);
  const kernelLog = launch.supervised ? undefined
    : (require('../testing/kernel-log') as typeof import('../testing/kernel-log')).watchKernelLog();
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(launch.command, launch.args, { stdio: ['inherit', 'inherit', 'inherit', launch.channel] });
  } catch (error) {
    launch.abort();
    kernelLog?.close();
    throw error;
  }
  const supervision = launch.started();
  const printed = new Set<SupervisedViolation>();
  const print = (violations: SupervisedViolation[]) => {
    for (const v of violations) {
      if (printed.has(v) || child.pid === undefined) continue;
      printed.add(v);
      out.stderr(violationLine(command, child.pid, v));
    }
  };
  supervision.subscribe((update) => print(update.violations));
  const forward = (signal: NodeJS.Signals) => { try { child.kill(signal); } catch { /* gone */ } };
  const ignore = () => { /* the terminal sent it to the program too */ };
  for (const signal of FORWARDED) process.on(signal, forward);
  for (const signal of FROM_TERMINAL) process.on(signal, ignore);
  return new Promise<number>((resolve, reject) => {
    child.on('error', (error) => { kernelLog?.close(); reject(error); });
    child.on('exit', (code, signal) => {
      for (const s of FORWARDED) process.off(s, forward);
      for (const s of FROM_TERMINAL) process.off(s, ignore);
      supervision.drain();
      print(supervision.violations);
      const failure = supervision.failure;
      if (failure && !failure.said) {
        out.stderr(`seccomp-node run: cannot start ${command}: ${failure.stage}${failure.path ? ` (${failure.path})` : ''}: ` +
          `${failure.errno} (${failure.message})\n`);
      }
      supervision.release();
      if (signal === 'SIGSYS' && printed.size === 0 && child.pid !== undefined) {
        const found = kernelLog?.findSync(child.pid);
        out.stderr(`seccomp-node run: ${command} (pid ${child.pid}) was killed by SIGSYS: blocked system call ` +
          `${found ? `${found.syscall ?? 'unknown'} (nr ${found.nr}, arch ${found.arch ?? 'unknown'})` :
            `unknown (${launch.reason ?? 'no notification'}; the kernel log has the call, for those who may read it)`}\n`);
      }
      kernelLog?.close();
      if (signal) {
        // End as the program did, so that the caller sees the same signal (without a core dump of this process).
        binding!.exitBySignal(binding!.constants[signal] ?? 9);
      }
      resolve(code ?? 1);
    });
  });
}

export const run: Command = {
  name: 'run',
  summary: 'run a program under a policy from its first instruction, naming any call it makes outside it',
  usage: 'run --policy FILE [--fs-read PATH] [--fs-write PATH] [--fs-execute PATH] [--net-bind PORT] [--net-connect PORT] ' +
    `[--isolate on|off] [--best-effort] ${OCI_WIDTHS_USAGE} [--exec] -- COMMAND [ARG...]\n` +
    '  --exec   replace this process with the program instead of supervising it (violations are then kills by the\n' +
    '           kernel, named only in the kernel log)',
  run(argv, out) {
    const many = { type: 'string', multiple: true } as const;
    const { values, positionals } = parse(argv, {
      policy: { type: 'string', short: 'p' },
      'fs-read': many, 'fs-write': many, 'fs-execute': many, 'net-bind': many, 'net-connect': many,
      isolate: { type: 'string' }, 'best-effort': { type: 'boolean' }, exec: { type: 'boolean' }, ...OCI_WIDTHS_OPTION,
    });
    if (!values.policy) throw new UsageError('--policy FILE is required');
    const [command, ...args] = positionals;
    if (!command) throw new UsageError('name the program to run after --');
    if (values.exec) {
      const { policy, notes, warnings } = fullPolicy(values.policy, values);
      printNotes(values.policy, notes, warnings, out);
      // Replaces this process: the exit status seen by the caller is the program's own.
      return (require('../children/exec') as typeof import('../children/exec')).execUnderPolicy(policy, command, args);
    }
    return supervise(planFor(values.policy, values, command, args, out), command, args, out);
  },
};
