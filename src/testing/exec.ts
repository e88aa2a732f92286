/**
 * Starting a program under a fault filter, and optionally a policy, from its first
 * instruction. Like execUnderPolicy (src/exec.ts), but with two stacked filters: the fault
 * filter (default allow, errno rules) and the policy. The kernel gives every call the most
 * restrictive answer of the two, so the order does not change what the program sees; the
 * fault filter goes first so that the second load is never refused by a policy without
 * seccomp(2).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execLandlockNeeds, execUnderPolicy, prepareExec, resolveExecutable } from '../exec';
import { loadPolicy, requireSupport } from '../loader';
import { binding } from '../native';
import type { Condition, Policy } from '../policy';

export interface ExecPlan {
  file: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  /** The policy, loaded after the faults. Absent: faults only (neither: a plain exec). */
  policy?: Policy;
  /** A fault policy (see faultPolicy()). Absent: execUnderPolicy(policy). */
  faults?: Policy;
  /** Descriptors the program keeps (default stdio). */
  inheritFds?: readonly number[];
}

/** Replaces this process with `plan.file` under the filters. Never returns. */
export function execWithFilters(plan: ExecPlan): never {
  if (!plan.faults && plan.policy) {
    return execUnderPolicy(plan.policy, plan.file, plan.args, plan.env, plan.inheritFds ?? [0, 1, 2]);
  }
  requireSupport();
  const executable = resolveExecutable(plan.file, plan.env.PATH);
  const envStrings = Object.entries(plan.env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
  const address = prepareExec(executable, [plan.file, ...plan.args], envStrings, plan.inheritFds ?? [0, 1, 2]);
  // The one execve that starts the program passes through both filters: seccomp cannot
  // read the path, but it can compare the pointer to the path's pinned copy.
  const exempt: Condition = { arg: 0, op: 'ne', value: address.toString(), width: 64 };
  if (plan.faults) {
    const faults: Policy = {
      ...plan.faults,
      rules: plan.faults.rules.map((r) => (r.syscall === 'execve' ? { ...r, conditions: [...(r.conditions ?? []), exempt] } : r)),
    };
    loadPolicy(faults, 'fault injection', { report: false });
  }
  if (plan.policy) {
    const pinned: Policy = {
      ...plan.policy,
      rules: [...plan.policy.rules, { syscall: 'execve', action: 'allow', conditions: [{ ...exempt, op: 'eq' }] }],
    };
    loadPolicy(pinned, 'exec', { report: false, defaultIsolation: true, landlockNeeds: execLandlockNeeds(executable, plan.env) });
  }
  try {
    binding!.execPrepared();
  } catch (error) {
    process.stderr.write(`seccomp-node: cannot start ${executable}: ${(error as Error).message}\n`);
  }
  process.exit(127);
}

/** Whether `command` is a Node binary (by name, or the same file as this process's). */
export function isNodeProgram(command: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (/^(node|nodejs|node\d+)$/.test(path.basename(command))) return true;
  try {
    return fs.realpathSync(resolveExecutable(command, env.PATH)) === fs.realpathSync(process.execPath);
  } catch {
    return false;
  }
}

/** A command line as a POSIX shell would read it back. */
export function shellQuote(words: readonly string[]): string {
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, "'\\''")}'`)).join(' ');
}
