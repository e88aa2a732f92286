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
import { nativeArch } from '../../arch';
import { SeccompError } from '../../errors';
import { execLandlockNeeds, resolveExecutable } from '../exec';
import { loadHistory, planLandlockFor, requireSupport } from '../../loader';
import type { NativeLandlockSpec } from '../../native';
import type { Policy, Rule } from '../../policy';
import { syscallTable } from '../../syscalls';
import { launcherPath } from './binary';
import type { LaunchConfig } from './config';
import { nameCall } from './naming';
import { supervisionPlan, type SupervisionPlan } from './notify';
import { startPlanned, type PreparedLaunch } from './start';
import { setCallNamer } from './supervision';
import { buildTemplate } from './template';

// Violations are named (syscall tables, groups) for everyone who launches through here.
setCallNamer(nameCall);

export { launcherPath } from './binary';
export { launchFailureError } from './supervision';
export { startPlanned } from './start';
export type { PreparedLaunch } from './start';
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

const MAX_CACHED = 64;

interface Stack {
  programs: LaunchConfig['programs'];
  /** Encoded configurations, by the Landlock ruleset they carry (it depends on the program too). */
  configs: Map<string, Map<string, Buffer>>;
}
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

function landlockFor(policy: Policy, policyKey: string, executable: string, env: NodeJS.ProcessEnv):
  { spec: NativeLandlockSpec | undefined; key: string } {
  // What is in force here changes what the step may do: planned again after each lockdown.
  const key = JSON.stringify([policyKey, executable, env.NODE_EXTRA_CA_CERTS ?? null, loadHistory.length]);
  return { key, spec: remember(landlockPlans, key, () => {
    const plan = planLandlockFor(policy, {
      report: false, beforeExec: true, defaultIsolation: true, landlockNeeds: execLandlockNeeds(executable, env),
    });
    for (const missing of plan.layer.notEnforced) {
      process.emitWarning(`${missing.what} not enforced for a child: it needs Landlock ABI ${missing.abi} (Linux ${missing.linux}) ` +
        '(bestEffort: true)', { code: 'SECCOMP_NODE_LANDLOCK_BEST_EFFORT' });
    }
    return plan.spec;
  }) };
}

/** What a launch needs, decided and compiled: reusable for every start of the same request. */
export interface LaunchPlan {
  /** The launcher. */
  command: string;
  executable: string;
  mode: 'kill' | 'record';
  notify: boolean;
  /** Why not supervised, when not. */
  reason?: string;
  readProc: boolean;
  programs: LaunchConfig['programs'];
  landlock?: NativeLandlockSpec;
}

/** Decides and compiles (cached per policy); throws, with nothing started, on a bad request. */
export function planLaunch(request: LaunchRequest): LaunchPlan & { configs: Map<string, Buffer> } {
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
  // The policy's identity: the caller's key when it has one (spawn's, from the options), else its JSON.
  const policyKey = request.cacheKey ?? JSON.stringify(request.policy ?? null);
  const key = JSON.stringify([policyKey, request.faults ?? null, request.laterErrnos ?? null, mode, notify, plan.guard]);
  const stack = remember(stacks, key, () => stackFor(request, plan, notify));
  const { spec: landlock, key: landlockKey } = mode === 'record' || !request.policy ? { spec: undefined, key: '' }
    : landlockFor(request.policy, policyKey, executable, request.env);
  let configs = stack.configs.get(landlockKey);
  if (!configs) {
    if (stack.configs.size >= MAX_CACHED) stack.configs.clear();
    configs = new Map();
    stack.configs.set(landlockKey, configs);
  }
  return {
    command, executable, mode, notify, ...(!notify && plan.reason ? { reason: plan.reason } : {}), readProc: plan.readProc,
    programs: stack.programs, ...(landlock ? { landlock } : {}), configs,
  };
}

/**
 * Everything the launcher needs, ready for the caller's spawn. Throws (with nothing started)
 * on a bad policy, a missing program, or a Landlock rule this kernel cannot apply.
 */
export function prepareLaunch(request: LaunchRequest, channelIndex: number): PreparedLaunch {
  return startPlanned(planLaunch(request), request.file, request.args, channelIndex);
}
