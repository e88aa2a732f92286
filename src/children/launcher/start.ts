/**
 * The per-start part of a launch, light enough for `seccomp-node run`'s start: the channel
 * with the configuration (encoded once per plan and thread kind) and, after the spawn, the
 * supervision. Everything that compiles lives in ./index (planLaunch).
 */
import * as fs from 'node:fs';
import { binding } from '../../native';
import { encodeConfig } from './config';
import { superviseChannel, type Supervision } from './supervision';
import type { LaunchPlan } from './index';

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

/** A compiled plan (./index, planLaunch): what starting needs. */
export interface StartPlan extends LaunchPlan {
  /** Encoded configurations, kept by the caller across starts. */
  configs?: Map<string, Buffer>;
}

const SIGKILL = 9;
const MAX_CONFIGS = 64;

/** The channel for one start of `plan`, and what to spawn. */
export function startPlanned(plan: StartPlan, file: string, args: readonly string[], channelIndex: number): PreparedLaunch {
  // The same for every start of this plan and thread kind: encoded once. A child dies with
  // the thread that forked it, so only children of the main thread get a death signal.
  const deathSignal = plan.notify && binding!.onMainThread() ? SIGKILL : 0;
  const configKey = `${deathSignal} ${process.pid}`;
  let config = plan.configs?.get(configKey);
  if (!config) {
    config = encodeConfig({
      notify: plan.notify, deathSignal, parentPid: process.pid, programs: plan.programs, ...(plan.landlock ? { landlock: plan.landlock } : {}),
    });
    if (plan.configs) {
      if (plan.configs.size >= MAX_CONFIGS) plan.configs.clear();
      plan.configs.set(configKey, config);
    }
  }
  const [parent, child] = binding!.launcherChannel(config);
  let childOpen = true;
  let supervision: Supervision | undefined;
  const close = (fd: number) => { try { fs.closeSync(fd); } catch { /* closed */ } };
  const prepared: PreparedLaunch = {
    command: plan.command,
    args: [String(channelIndex), plan.executable, file, ...args],
    channel: child,
    channelIndex,
    executable: plan.executable,
    supervised: plan.notify,
    ...(plan.reason ? { reason: plan.reason } : {}),
    started() {
      prepared.spawned();
      return prepared.supervise();
    },
    supervise() {
      supervision ??= superviseChannel(parent, plan.mode, plan.notify, plan.readProc);
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
