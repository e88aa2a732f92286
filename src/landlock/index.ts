/**
 * Landlock in the load path: plan a layer for this process (the kernel's support, what is
 * in force, the facts that shape the default isolation), apply it through the native layer,
 * and remember what was applied for status().
 */
import * as fs from 'node:fs';
import { SeccompError, isNativeError } from '../errors';
import { binding, launcherBesideAddon } from '../native';
import { compileLandlock, type LandlockLayer, type LandlockPlan, type NotEnforced } from './compile';
import { knownLandlockSupport, landlockSupport, type LandlockSupport } from './kernel';
import { mergeFsRules, type FsRules, type LandlockRules } from './policy';
import { scopeNames, type FsRightName, type NetRightName, type ScopeName } from './rights';

export type { LandlockLayer, LandlockPlan, NotEnforced } from './compile';
export { compileLandlock, noLayer } from './compile';
export { landlockSupport } from './kernel';

/**
 * What the library itself needs when the file system is restricted: its own /proc entry
 * (resolved to /proc/<pid> when the rule is added). A later lockdown reads
 * /proc/self/task/<tid>/stat there to tell io_uring workers from threads, and Node reads
 * /proc/self for process.memoryUsage() and the like. Other processes' entries stay closed.
 */
export const LIBRARY_NEEDS: FsRules = { read: ['/proc/self'] };

/**
 * And its launcher (native/launcher.c), which sandbox.spawn and friends execute: a process
 * that starts sandboxed children after its lockdown needs to run it (seccomp still decides
 * whether it may exec at all). It starts nothing but programs under a policy.
 */
function libraryNeeds(): FsRules {
  if (!launcherBesideAddon) return LIBRARY_NEEDS;
  return { ...LIBRARY_NEEDS, execute: [`?${launcherBesideAddon}`] };
}

/** A layer as applied, for status(). */
export interface AppliedLandlockLayer extends LandlockLayer {
  at: string;
  source: string;
  /** Threads restricted (the calling thread included). */
  threadCount: number;
  /** io_uring kernel threads left out (they run no code of the process). */
  ioWorkers: number;
}

const applied: AppliedLandlockLayer[] = [];
/** Why default isolation was left out, when it was. */
const skippedDefault: string[] = [];

/** What was asked for where no layer could be made at all (best effort on a kernel without Landlock). */
const notEnforcedWithoutLayer: NotEnforced[] = [];

/** Records why a plan made no layer: its notes, and (with a warning each) what it could not enforce. */
export function noteSkipped(plan: LandlockPlan): void {
  if (plan.spec) return;
  skippedDefault.push(...plan.layer.notes);
  notEnforcedWithoutLayer.push(...plan.layer.notEnforced);
  for (const missing of plan.layer.notEnforced) warnNotEnforced(missing);
}
let scopedInForce = 0;

export function landlockLayers(): AppliedLandlockLayer[] {
  return applied.map((layer) => structuredClone(layer));
}

/** Child processes of this process that run now, from /proc/self/task/<tid>/children. */
function childProcessCount(): number {
  let count = 0;
  try {
    for (const tid of fs.readdirSync('/proc/self/task')) {
      try {
        count += fs.readFileSync(`/proc/self/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).length;
      } catch { /* the thread ended, or the kernel lacks CONFIG_PROC_CHILDREN */ }
    }
  } catch { /* /proc unreadable: nothing known */ }
  return count;
}

export interface PlanOptions {
  target: 'process' | 'exec';
  defaultIsolation: boolean;
  /** Extra grants when the file system is restricted (the program an exec starts). */
  needs?: FsRules;
  timeoutMs?: number;
}

/** The layer `rules` ask for in this process, checked against this kernel; applies nothing. */
export function planLandlock(rules: LandlockRules | undefined, options: PlanOptions): LandlockPlan {
  const notify = process.env.NOTIFY_SOCKET;
  const wantsSignalScope = options.target === 'process' && rules?.isolate === undefined && options.defaultIsolation;
  const support = landlockSupport();
  return compileLandlock(rules, {
    support,
    defaultIsolation: options.defaultIsolation,
    target: options.target,
    inForce: { domain: applied.length > 0, scoped: scopedInForce },
    environment: {
      ...(notify?.startsWith('@') ? { abstractNotifySocket: notify } : {}),
      ...(wantsSignalScope && support.abi >= 6 ? { childProcesses: childProcessCount() } : {}),
    },
    libraryNeeds: mergeFsRules(libraryNeeds(), options.needs),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
}

function failure(error: unknown): SeccompError {
  const e = isNativeError(error) ? error as Error & { code?: string; stage?: string; path?: string; thread?: number; detail?: string } : undefined;
  const code = e?.code ?? 'unknown error';
  const base = { errno: code, stage: e?.stage, ...(e?.path ? { path: e.path } : {}), ...(e?.thread ? { thread: e.thread } : {}) };
  let why = e?.message ?? String(error);
  if (e?.stage === 'restrict' && code === 'E2BIG') why = 'this thread already holds 16 Landlock layers, the most the kernel allows';
  if (e?.stage === 'threads' && code === 'ETIMEDOUT') {
    why = `thread ${e.thread} did not answer the signal that restricts it (signal 33) in time: native code may block it`;
  }
  return new SeccompError('ERR_SECCOMP_LANDLOCK_FAILED', `Landlock was not applied (${why}). The process is unchanged`, base);
}

/**
 * Applies a planned layer. Throws with the process unchanged until the restriction itself;
 * past that point the native layer ends the process rather than leave it half restricted.
 */
export function applyLandlockPlan(plan: LandlockPlan, source: string): AppliedLandlockLayer | undefined {
  if (!plan.spec) return undefined;
  let result: { threads: number; ioWorkers: number };
  try {
    result = binding!.applyLandlock(plan.spec);
  } catch (error) {
    if (plan.required) throw failure(error);
    // Default isolation is best effort: nothing was applied, and status() says why.
    skippedDefault.push(`no Landlock layer (default isolation): ${failure(error).message}`);
    return undefined;
  }
  scopedInForce |= plan.spec.scoped;
  const layer: AppliedLandlockLayer = {
    ...structuredClone(plan.layer), at: new Date().toISOString(), source, threadCount: result.threads, ioWorkers: result.ioWorkers,
  };
  applied.push(layer);
  for (const missing of layer.notEnforced) warnNotEnforced(missing);
  return layer;
}

/** Best effort never drops a rule silently: one warning per right left out. */
function warnNotEnforced(missing: NotEnforced): void {
  process.emitWarning(`${missing.what} not enforced: it needs Landlock ABI ${missing.abi} (Linux ${missing.linux}) ` +
    '(bestEffort: true); see sandbox.status().landlock', { code: 'SECCOMP_NODE_LANDLOCK_BEST_EFFORT' });
}

/** Landlock's part of sandbox.status(). */
export interface LandlockStatus {
  /** The kernel has Landlock (false also when it was never probed). */
  supported: boolean;
  /** The kernel's Landlock ABI; null when it was not probed (a filter in force could refuse the probe). */
  abi: number | null;
  errata?: number;
  /** Why there is no Landlock. */
  reason?: string;
  /** seccomp-node put this process in a Landlock domain. */
  enforced: boolean;
  /** Rights and scopes in force, over all layers: what the process is denied unless a rule grants it. */
  handled: { fs: FsRightName[]; net: NetRightName[]; scopes: ScopeName[] };
  /** What was asked for and could not be enforced here (best effort), over all layers. */
  notEnforced: NotEnforced[];
  /** One record per layer, oldest first. */
  layers: AppliedLandlockLayer[];
  /** Why isolation or rules were left out where no layer was made (best effort). */
  notes: string[];
}

export function landlockStatus(probe: boolean): LandlockStatus {
  const support: LandlockSupport | undefined = probe ? landlockSupport() : knownLandlockSupport();
  const layers = landlockLayers();
  const union = <T>(pick: (l: AppliedLandlockLayer) => T[]): T[] => [...new Set(layers.flatMap(pick))];
  return {
    supported: (support?.abi ?? 0) > 0,
    abi: support ? support.abi : null,
    ...(support && support.abi > 0 ? { errata: support.errata } : {}),
    ...(support?.reason ? { reason: support.reason } : {}),
    enforced: layers.length > 0,
    handled: { fs: union((l) => l.handled.fs), net: union((l) => l.handled.net), scopes: scopeNames(scopedInForce) },
    notEnforced: [...notEnforcedWithoutLayer, ...layers.flatMap((l) => l.notEnforced)],
    layers,
    notes: [...skippedDefault],
  };
}
