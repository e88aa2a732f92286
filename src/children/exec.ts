/**
 * Running a program under a policy from its first instruction: the filter is loaded in
 * this process, which then replaces itself with the program (execve). Used by
 * `seccomp-node run --exec`; everything else starts programs through the launcher
 * (src/children/launcher), which does the same in a small C process and names violations.
 *
 * The policy must let that one execve through. seccomp cannot read the path string, but it
 * can compare the pointer: the path, argv and environment are laid out in an exec image, a
 * read-only mapping of their own at a random address (native/exec_image.h), and execve is
 * allowed only when its first argument is that address. The program that starts keeps the
 * filter, and with it that allowance, but not the mapping: it cannot know the address, and
 * a wrong guess is a forbidden execve. Any other exec is up to the policy.
 */
import * as path from 'node:path';
import { fromNative, SeccompError } from '../errors';
import { entriesNeeds } from '../groups';
import { mergeFsRules, type FsRules } from '../landlock/policy';
import { loadPolicy, requireSupport } from '../loader';
import { binding } from '../native';
import type { Policy } from '../policy';
import { resolveExecutable } from './resolve-executable';

export { resolveExecutable } from './resolve-executable';

/** The native exec image (see native/exec_image.c); its failures come back as ERR_SECCOMP_EXEC_FAILED. */
export function prepareExec(executable: string, argv: string[], env: string[], inheritFds: readonly number[]): bigint {
  try {
    return binding!.prepareExec(executable, argv, env, [...inheritFds]);
  } catch (error) {
    throw fromNative(error, 'ERR_SECCOMP_EXEC_FAILED', (why) => `cannot prepare to run ${executable}: ${why}`, { file: executable });
  }
}

/** `policy` plus the one execve that starts the program: allowed only for the path at `address`. */
function pinExec(policy: Policy, address: bigint): Policy {
  return {
    ...policy,
    rules: [...policy.rules, { syscall: 'execve', action: 'allow', conditions: [{ arg: 0, op: 'eq', value: address.toString(), width: 64 }] }],
  };
}

/** Runs `step`, turning a conflict over execve into what it means here. */
function explainingExecConflicts<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof SeccompError && error.code === 'ERR_SECCOMP_RULE_CONFLICT' && error.details.syscall === 'execve') {
      throw new SeccompError('ERR_SECCOMP_RULE_CONFLICT',
        'the policy has an unconditional rule for execve that is not "allow", so the program could never be started; ' +
        'remove it (the one execve that starts the program is allowed automatically)', { syscall: 'execve' });
    }
    throw error;
  }
}

/**
 * What the exec itself needs when the policy's Landlock rules restrict the file system: to
 * execute the program and map its libraries (@exec-start's needs), and (for a Node program)
 * to read the extra CA certificates its environment names, which Node loads at startup or
 * on first TLS use.
 */
export function execLandlockNeeds(executable: string, env: NodeJS.ProcessEnv): FsRules {
  const extraCa = env.NODE_EXTRA_CA_CERTS;
  const own: FsRules = { execute: [executable], ...(extraCa ? { read: [`?${path.resolve(extraCa)}`] } : {}) };
  // Whatever the policy lists, starting a program needs the dynamic loader and its libraries.
  return mergeFsRules(own, entriesNeeds(['@exec-start'])?.fs) ?? own;
}

/**
 * Loads `policy` and replaces this process with `file`, which inherits `inheritFds`
 * (stdio by default). Never returns: on success the
 * process is the new program; if execve fails after the filter is in place, the process
 * cannot be restored, so it prints why and exits with status 127, as a shell does.
 */
export function execUnderPolicy(policy: Policy, file: string, args: readonly string[],
  env: NodeJS.ProcessEnv = process.env, inheritFds: readonly number[] = [0, 1, 2]): never {
  requireSupport();
  const executable = resolveExecutable(file, env.PATH);
  const envStrings = Object.entries(env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
  const address = prepareExec(executable, [file, ...args], envStrings, inheritFds);
  // Plain kill-process: a SIGSYS handler would not survive the exec anyway.
  explainingExecConflicts(() => loadPolicy(pinExec(policy, address), 'exec', {
    report: false, beforeExec: true, defaultIsolation: true, landlockNeeds: execLandlockNeeds(executable, env),
  }));
  try {
    binding!.execPrepared();
  } catch (error) {
    process.stderr.write(`seccomp-node: cannot start ${executable}: ${(error as Error).message}\n`);
  }
  process.exit(127);
}
