/**
 * A command under faults and a policy, from its first instruction: runSandboxed({ command })
 * and chaos start it through the launcher (src/children/launcher), as sandbox.spawn does. The faults
 * (errno rules, default allow) are loaded first, then the policy; or, for a Node program
 * with faults from its main module, the policy at exec and the faults by a preload once
 * Node's own startup is done.
 */
import { buildVerified, compileFor } from '../verified-program';
import { bindingPath } from '../native';
import type { Policy } from '../policy';
import { prepareLaunch, type PreparedLaunch } from '../children/launcher';

export interface CommandPlan {
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  policy?: Policy;
  faults?: Policy;
  /** 'exec': faults from the first instruction; 'main': armed by `preload` in a Node program. */
  faultsFrom: 'exec' | 'main';
  preload: string;
  /** The descriptor the preload reports on (armed, uncaught), and that is exempted from the faults. */
  reportFd: number;
}

export interface PreparedCommand {
  /** What to spawn: the launcher, or the program itself when no filter is loaded at exec. */
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** The launcher's channel goes at stdio index `reportFd + 1`; absent when there is no launcher. */
  launch?: PreparedLaunch;
}

/** Everything ready to spawn; throws (nothing started) on a bad policy or fault, or a missing program. */
export function prepareCommand(plan: CommandPlan): PreparedCommand {
  let args = [...plan.args];
  const env = { ...plan.env };
  let faults = plan.faults;
  let laterErrnos: string[] | undefined;
  if (faults && plan.faultsFrom === 'main') {
    // Compiled here, so that the preload needs nothing of the package but the addon.
    env.SECCOMP_NODE_FAULTS = buildVerified(compileFor(faults, { report: false })).bytes.toString('base64');
    env.SECCOMP_NODE_ADDON = bindingPath ?? '';
    env.SECCOMP_NODE_FAULTS_FD = String(plan.reportFd);
    args = ['--require', plan.preload, ...args];
    laterErrnos = faults.rules.map((r) => r.syscall);
    faults = undefined;
  }
  if (!plan.policy && !faults) return { command: plan.command, args, env };
  const launch = prepareLaunch({
    file: plan.command, args, env, cwd: plan.cwd,
    ...(plan.policy ? { policy: plan.policy } : {}), ...(faults ? { faults } : {}), ...(laterErrnos ? { laterErrnos } : {}),
  }, plan.reportFd + 1);
  return { command: launch.command, args: launch.args, env, launch };
}
