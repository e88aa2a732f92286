/**
 * Starting a program under a policy from its first instruction, through the launcher
 * (native/launcher.c): sandbox.spawn, execFile and fork, runSandboxed and chaos for
 * commands, `seccomp-node run` and learn all come through here.
 *
 * The parent prepares everything: the child's programs (compiled and verified once per
 * policy, with sites for the per-child values: ./template), the Landlock ruleset (planned
 * against this kernel and this process's filters), and the channel that carries them. The
 * caller then spawns the launcher with Node's own child_process, so the ChildProcess,
 * stdio, IPC and events are Node's; the launcher execs the program, which keeps its pid.
 *
 * Where the child is supervised (./notify), calls outside its policy go to this process's
 * supervisor thread, which names them and ends the child with SIGSYS; the call never runs.
 * The child dies with its supervisor: the launcher sets PR_SET_PDEATHSIG (SIGKILL). The
 * kernel sends that signal when the *thread* that forked the child ends, so it is set only
 * for children started from the main thread; a child started from a Worker outlives the
 * Worker and, were this process to die, would see ENOSYS for every notified call (which
 * still never runs) instead of dying.
 */
import * as fs from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { nativeArch } from '../arch';
import { SeccompError } from '../errors';
import { execLandlockNeeds, resolveExecutable } from '../exec';
import { binding } from '../native';
import { planLandlockFor, requireSupport } from '../loader';
import type { NativeLandlockSpec } from '../native';
import type { Policy, Rule } from '../policy';
import { syscallTable } from '../syscalls';
import { launcherPath } from './binary';
import { encodeConfig, type LaunchConfig } from './config';
import { supervisionPlan, type SupervisionPlan } from './notify';
import { superviseChannel, type Supervision } from './supervision';
import { buildTemplate } from './template';

export { launcherPath } from './binary';
export { launchFailureError } from './supervision';
export { supervisionPlan } from './notify';
export type { SupervisionPlan } from './notify';
export type { LaunchFailure, RecordedCall, SupervisedViolation, Supervision, SupervisionUpdate } from './supervision';

export interface LaunchRequest {
  /** The program's policy, complete (@exec-start, a forked child's IPC rules). Absent: faults only. */
  policy?: Policy;
  /** The program as named (also argv[0]), found on the program's PATH from `cwd`. */
  file: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Errno faults to stack under the policy (chaos, runSandboxed), loaded first. */
  faults?: Policy;
  /** Calls that the program will answer with an errno itself later (faults armed from its main module): guarded too. */
  laterErrnos?: readonly string[];
  /** 'kill' (default): violations end the child. 'record': learn (every call recorded, then let through). */
  mode?: 'kill' | 'record';
  /** The policy's identity for the template cache, when the caller has a cheaper one than its JSON. */
  cacheKey?: string;
  /** The program's absolute path, when the caller resolved it already (as `file` from `cwd`). */
  executable?: string;
}

export interface PreparedLaunch {
  /** Spawn this (the launcher) with `args`, the program's environment, and `channel` as stdio entry `channelIndex`. */
  command: string;
  args: string[];
  channel: number;
  channelIndex: number;
  /** The program's absolute path. */
  executable: string;
  /** Violations go to the supervisor (else the kernel kills, as before). */
  supervised: boolean;
  /** Why the child is not supervised, when it is not. */
  reason?: string;
  /** After the spawn: closes this process's copy of the launcher's end and starts watching ({@link supervise} and {@link spawned}). */
  started(): Supervision;
  /** Starts watching the channel (before a synchronous spawn, so that notifications are answered meanwhile). Idempotent. */
  supervise(): Supervision;
  /** The spawn is done (or failed): closes this process's copy of the launcher's end. */
  spawned(): void;
  /** The spawn failed: closes both ends (the parent's only if it is not watched yet). */
  abort(): void;
}

const SIGKILL = 9;
const MAX_CACHED = 64;

interface Stack { programs: LaunchConfig['programs']; configs: Map<string, Buffer> }
const stacks = new Map<string, Stack>();
const landlockPlans = new Map<string, NativeLandlockSpec | undefined>();

function remember<V>(cache: Map<string, V>, key: string, make: () => V): V {
  if (cache.has(key)) {
    const value = cache.get(key)!;
    cache.delete(key); // most recent last
    cache.set(key, value);
    return value;
  }
  const value = make();
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
  return value;
}

/**
 * The guard (see ./notify): the policy's own verdicts for the calls that an errno or trap of
 * another filter could outrank, and allow for every other call.
 */
function guardPolicy(policy: Policy, guarded: ReadonlySet<string>): Policy {
  const rules: Rule[] = policy.rules.filter((r) => guarded.has(r.syscall));
  for (const name of syscallTable(nativeArch())) if (name && !guarded.has(name)) rules.push({ syscall: name, action: 'allow' });
  return { defaultAction: policy.defaultAction, rules };
}

function stackFor(request: LaunchRequest, plan: SupervisionPlan, notify: boolean): Stack {
  const programs: LaunchConfig['programs'] = [];
  if (request.faults) programs.push({ template: buildTemplate(request.faults, { kind: 'faults', notify: false }), listener: false });
  const policy = request.policy;
  if (!policy) return { programs, configs: new Map() };
  if (notify && request.mode !== 'record') {
    const guarded = new Set([...plan.guard, ...(request.faults?.rules.map((r) => r.syscall) ?? []), ...(request.laterErrnos ?? [])]);
    if (guarded.size > 0) programs.push({ template: buildTemplate(guardPolicy(policy, guarded), { kind: 'policy', notify: false }), listener: false });
  }
  programs.push({ template: buildTemplate(policy, { kind: 'policy', notify }), listener: notify });
  return { programs, configs: new Map() };
}

function landlockFor(policy: Policy, executable: string, env: NodeJS.ProcessEnv): NativeLandlockSpec | undefined {
  const key = JSON.stringify([policy.landlock ?? null, executable, env.NODE_EXTRA_CA_CERTS ?? null]);
  return remember(landlockPlans, key, () => {
    const plan = planLandlockFor(policy, {
      report: false, beforeExec: true, defaultIsolation: true, landlockNeeds: execLandlockNeeds(executable, env),
    });
    for (const missing of plan.layer.notEnforced) {
      process.emitWarning(`${missing.what} not enforced for a child: it needs Landlock ABI ${missing.abi} (Linux ${missing.linux}) ` +
        '(bestEffort: true)', { code: 'SECCOMP_NODE_LANDLOCK_BEST_EFFORT' });
    }
    return plan.spec;
  });
}

/**
 * Everything the launcher needs, ready for the caller's spawn. Throws (with nothing started)
 * on a bad policy, a missing program, or a Landlock rule this kernel cannot apply.
 */
export function prepareLaunch(request: LaunchRequest, channelIndex: number): PreparedLaunch {
  requireSupport();
  const command = launcherPath();
  const executable = request.executable ?? resolveExecutable(request.file, request.env.PATH, request.cwd);
  const mode = request.mode ?? 'kill';
  const plan = supervisionPlan();
  if (mode === 'record' && !plan.record) {
    throw new SeccompError('ERR_SECCOMP_UNSUPPORTED',
      `learning through seccomp user notification is not possible here: ${plan.reason ?? 'the kernel lacks SECCOMP_USER_NOTIF_FLAG_CONTINUE (Linux 5.5)'}`);
  }
  if (!request.policy && !request.faults) {
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', 'a launch needs a policy or faults');
  }
  // Without a policy nothing is killed: there is nothing to supervise.
  const notify = plan.notify && request.policy !== undefined;
  const key = JSON.stringify([request.cacheKey ?? request.policy ?? null, request.faults ?? null, request.laterErrnos ?? null, mode,
    notify, plan.guard]);
  const stack = remember(stacks, key, () => stackFor(request, plan, notify));
  const landlock = mode === 'record' || !request.policy ? undefined : landlockFor(request.policy, executable, request.env);
  // The same for every start of this policy, program and thread kind: encoded once.
  const deathSignal = notify && isMainThread ? SIGKILL : 0;
  const configKey = `${deathSignal} ${process.pid} ${landlock ? JSON.stringify(landlock) : ''}`;
  let config = stack.configs.get(configKey);
  if (!config) {
    config = encodeConfig({ notify, deathSignal, parentPid: process.pid, programs: stack.programs, ...(landlock ? { landlock } : {}) });
    if (stack.configs.size >= MAX_CACHED) stack.configs.clear();
    stack.configs.set(configKey, config);
  }
  const [parent, child] = binding!.launcherChannel(config);
  let childOpen = true;
  let supervision: Supervision | undefined;
  const close = (fd: number) => { try { fs.closeSync(fd); } catch { /* closed */ } };
  const prepared: PreparedLaunch = {
    command,
    args: [String(channelIndex), executable, request.file, ...request.args],
    channel: child,
    channelIndex,
    executable,
    supervised: notify,
    ...(!notify && plan.reason ? { reason: plan.reason } : {}),
    started() {
      prepared.spawned();
      return prepared.supervise();
    },
    supervise() {
      supervision ??= superviseChannel(parent, mode, notify, plan.readProc);
      return supervision;
    },
    spawned() {
      if (childOpen) close(child);
      childOpen = false;
    },
    abort() {
      prepared.spawned();
      if (!supervision) close(parent);
    },
  };
  return prepared;
}
