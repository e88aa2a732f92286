/**
 * The Landlock compiler: the Landlock part of a policy and the facts of this kernel become
 * the ruleset the native layer applies ({@link NativeLandlockSpec}), or an error. Every
 * decision is made here:
 *
 * - which rights are handled: all the kernel knows for a restricted layer (file system,
 *   TCP ports), and the scopes of the isolation;
 * - what an explicit request needs that the kernel lacks: an error naming the right and the
 *   ABI (ERR_SECCOMP_LANDLOCK_UNAVAILABLE), or with `bestEffort`, a note of what is not
 *   enforced. File system rules need truncate (ABI 3) and device ioctl (ABI 5) as well:
 *   without them a file outside the rules could still be truncated, or a device opened
 *   through them sent any ioctl. The default isolation is always best effort;
 * - which paths exist (a missing one is an error naming it, unless marked `?`) and which
 *   are files, which take only file rights;
 * - whether a new domain is needed at all: a layer that would add nothing to the domain
 *   already in force is not created (a thread holds at most 16);
 * - how the threads are covered: the calling thread before exec, TSYNC on ABI 8 and later,
 *   otherwise every thread by signal (native/every_thread.cc).
 */
import * as fs from 'node:fs';
import { SeccompError } from '../errors';
import type { NativeLandlockSpec } from '../native';
import type { LandlockSupport } from './kernel';
import { rulePath, type FsRules, type LandlockRules, type NetRules } from './policy';
import {
  ACCESS, ANCHOR_RIGHT, FILE_RIGHTS, FS_ACCESS_NAMES, PORT_ACCESS, PORT_ACCESS_NAMES, SCOPES, SINCE, fsRightNames, fsRightsOf,
  netRightNames, netRightsOf, scopeNames, type FsRightName, type NetRightName, type ScopeName,
} from './rights';

export interface LandlockContext {
  support: LandlockSupport;
  /** Isolate when the rules do not say: true for lockdown, spawn and run; false for Filter#load. */
  defaultIsolation: boolean;
  /** 'process': every thread of this running process; 'exec': the calling thread, right before execve. */
  target: 'process' | 'exec';
  /** What earlier layers applied by seccomp-node already enforce in this process. */
  inForce: { domain: boolean; scoped: number };
  /** Facts that make a default scope do harm (found by the caller). */
  environment: {
    /** NOTIFY_SOCKET when it is an abstract address (systemd's sd_notify would fail). */
    abstractNotifySocket?: string;
    /** Child processes that already run (scoped signals could no longer reach them). */
    childProcesses?: number;
  };
  /** Granted when the file system is restricted, for the library's own needs (/proc/self...). */
  libraryNeeds?: FsRules;
  /** Threads answering within this long, or the restriction is abandoned unapplied. */
  timeoutMs?: number;
}

/** One right an explicit request asked for and the kernel could not enforce (best effort). */
export interface NotEnforced { what: string; abi: number; linux: string }

/** What one Landlock layer does, for status() and the CLI. */
export interface LandlockLayer {
  handled: { fs: FsRightName[]; net: NetRightName[]; scopes: ScopeName[] };
  /** Path rules as applied (paths as written), with the rights each grants. */
  paths: { path: string; rights: FsRightName[] }[];
  ports: { port: number; rights: NetRightName[] }[];
  /** Optional paths (`?`) that did not exist and were left out. */
  missing: string[];
  /** How the threads were covered. */
  threads: NativeLandlockSpec['threads'];
  notEnforced: NotEnforced[];
  notes: string[];
}

export interface LandlockPlan {
  /** The ruleset to apply; undefined when no new domain is needed (or none can be made, best effort). */
  spec?: NativeLandlockSpec;
  layer: LandlockLayer;
  /** A call of the Landlock step that a seccomp filter in force would kill, when that ruled the layer out. */
  blockedBy?: string;
  /**
   * The layer holds something asked for explicitly (rules, isolation): failing to apply it
   * throws. A layer of default isolation alone is best effort: a failure leaves it out.
   */
  required?: boolean;
}

/** Default for `timeoutMs`: generous, a loaded 2-core machine can delay a thread for a while. */
export const DEFAULT_THREAD_TIMEOUT_MS = 5000;

/** A plan that creates no layer. */
export function noLayer(threads: NativeLandlockSpec['threads'], ...notes: string[]): LandlockPlan {
  return { layer: { handled: { fs: [], net: [], scopes: [] }, paths: [], ports: [], missing: [], threads, notEnforced: [], notes } };
}

function unavailable(what: string, since: { abi: number; linux: string }, support: LandlockSupport): SeccompError {
  const has = support.abi > 0 ? `this kernel has Landlock ABI ${support.abi}` : (support.reason ?? 'this kernel has no Landlock');
  return new SeccompError('ERR_SECCOMP_LANDLOCK_UNAVAILABLE',
    `${what} needs Landlock ABI ${since.abi} (Linux ${since.linux}), and ${has}. Nothing was applied. ` +
    'Pass bestEffort: true (policy files: @landlock best-effort) to apply what this kernel can enforce ' +
    '(status().landlock.notEnforced lists the rest), or leave the rule out',
    { right: what, abi: since.abi, kernelAbi: support.abi, ...(support.reason ? { reason: support.reason } : {}) });
}

function pathError(list: string, entry: string, reason: string): SeccompError {
  return new SeccompError('ERR_SECCOMP_LANDLOCK_PATH',
    `${list}: ${entry} ${reason}. Landlock rules hold the paths they name when they are applied, so every path ` +
    `must exist then; write "?${entry}" for a path that may be missing (it is then skipped)`, { path: entry, list });
}

type Scope = 'signals' | 'abstractUnix';
const SCOPE_BITS: Record<Scope, number> = { signals: SCOPES.signal, abstractUnix: SCOPES.abstract_unix_socket };

/** The isolation setting of one scope: true/false when explicit, undefined for the default. */
function scopeSetting(isolate: LandlockRules['isolate'], scope: Scope): boolean | undefined {
  if (typeof isolate === 'boolean') return isolate;
  return isolate?.[scope];
}

export function compileLandlock(rules: LandlockRules | undefined, ctx: LandlockContext): LandlockPlan {
  const abi = ctx.support.abi;
  const bestEffort = rules?.bestEffort === true;
  const layer: LandlockLayer = {
    handled: { fs: [], net: [], scopes: [] }, paths: [], ports: [], missing: [],
    threads: ctx.target === 'exec' ? 'calling' : abi >= SINCE.tsync.abi ? 'tsync' : 'every',
    notEnforced: [], notes: [],
  };
  /** True when the kernel has it; otherwise throws (explicit), or notes it (best effort, default). */
  const kernelHas = (what: string, since: { abi: number; linux: string }, explicit: boolean): boolean => {
    if (abi >= since.abi) return true;
    if (explicit && !bestEffort) throw unavailable(what, since, ctx.support);
    if (explicit) layer.notEnforced.push({ what, abi: since.abi, linux: since.linux });
    else layer.notes.push(`${what} not applied: it needs Landlock ABI ${since.abi} (Linux ${since.linux}); ` +
      (abi > 0 ? `this kernel has ABI ${abi}` : (ctx.support.reason ?? 'no Landlock here')));
    return false;
  };

  const isolate = rules?.isolate;
  const restrictFs = rules?.fs !== undefined;
  const restrictNet = rules?.net !== undefined;
  const explicitDomain = isolate !== undefined && isolate !== false;
  const defaults = isolate !== false && ctx.defaultIsolation;

  let handledFs = 0;
  let handledNet = 0;
  let scoped = 0;

  if (restrictFs && kernelHas('file system rules', SINCE.fs, true)) {
    handledFs = fsRightsOf(abi);
    kernelHas('file system rules (truncate)', SINCE.truncate, true);
    kernelHas('file system rules (device ioctl)', SINCE.ioctl_dev, true);
    if (abi < SINCE.refer.abi) layer.notes.push('renaming or linking across directories fails with EXDEV (Landlock ABI 1 has no refer right)');
  }
  if (restrictNet && kernelHas('TCP port rules', SINCE.net, true)) handledNet = netRightsOf(abi);

  for (const scope of ['signals', 'abstractUnix'] as const) {
    const setting = scopeSetting(isolate, scope);
    const what = scope === 'signals' ? 'isolation of signals' : 'isolation of abstract Unix sockets';
    if (setting === true) {
      if (kernelHas(what, SINCE.scopes, true)) scoped |= SCOPE_BITS[scope];
    } else if (setting === undefined && defaults) {
      const reason = defaultScopeConflict(scope, ctx);
      if (reason) layer.notes.push(reason);
      else if (kernelHas(what, SINCE.scopes, false)) scoped |= SCOPE_BITS[scope];
    }
  }

  const wantsDomain = restrictFs || restrictNet || explicitDomain || defaults;
  if (wantsDomain && handledFs === 0 && handledNet === 0 && scoped === 0) {
    // Only the domain itself (no ptrace of, or /proc/<pid>/mem access to, processes outside).
    if (kernelHas('isolation from other processes', SINCE.fs, explicitDomain)) handledFs = ANCHOR_RIGHT;
  }
  if (handledFs === 0 && handledNet === 0 && scoped === 0) return { layer };

  if (!restrictFs && !restrictNet && ctx.inForce.domain && (scoped & ~ctx.inForce.scoped) === 0) {
    layer.notes.push('no new Landlock layer: the domain already in force isolates as much');
    return { layer };
  }

  const paths = restrictFs ? pathRules([rules?.fs, rules?.needs?.fs, ctx.libraryNeeds], handledFs, layer) : [];
  const ports = restrictNet ? portRules([rules?.net, rules?.needs?.net], handledNet) : [];
  layer.handled = { fs: fsRightNames(handledFs), net: netRightNames(handledNet), scopes: scopeNames(scoped) };
  layer.paths = paths.map((p) => ({ path: p.path, rights: fsRightNames(p.access) }));
  layer.ports = ports.map((p) => ({ port: p.port, rights: netRightNames(p.access) }));
  return {
    spec: { handledFs, handledNet, scoped, paths, ports, threads: layer.threads, timeoutMs: ctx.timeoutMs ?? DEFAULT_THREAD_TIMEOUT_MS },
    layer,
    required: (handledFs !== ANCHOR_RIGHT && handledFs !== 0) || handledNet !== 0 || explicitDomain,
  };
}

/** Why a default scope would do harm here, or undefined. */
function defaultScopeConflict(scope: Scope, ctx: LandlockContext): string | undefined {
  const { abstractNotifySocket, childProcesses } = ctx.environment;
  if (scope === 'abstractUnix' && abstractNotifySocket) {
    return `abstract Unix sockets not isolated: NOTIFY_SOCKET (${abstractNotifySocket}) is an abstract address, and ` +
      'sd_notify() (readiness, watchdog) would fail. Pass isolate: { abstractUnix: true } to isolate them anyway';
  }
  if (scope === 'signals' && childProcesses && childProcesses > 0) {
    return `signals not isolated: ${childProcesses} child process(es) started before lockdown would no longer receive ` +
      'signals from this process. Pass isolate: { signals: true } to isolate them anyway';
  }
  return undefined;
}

function pathRules(sources: (FsRules | undefined)[], handled: number, layer: LandlockLayer): NativeLandlockSpec['paths'] {
  const byPath = new Map<string, number>();
  for (const source of sources) {
    for (const word of FS_ACCESS_NAMES) {
      for (const entry of source?.[word] ?? []) {
        const { path, optional } = rulePath(entry);
        let stat: fs.Stats;
        try {
          stat = fs.statSync(path);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if ((code === 'ENOENT' || code === 'ENOTDIR') && optional) {
            if (!layer.missing.includes(path)) layer.missing.push(path);
            continue;
          }
          throw pathError(`fs.${word}`, path, code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : `cannot be used (${code})`);
        }
        const access = ACCESS[word] & handled & (stat.isDirectory() ? ~0 : FILE_RIGHTS);
        byPath.set(path, (byPath.get(path) ?? 0) | access);
      }
    }
  }
  return [...byPath].filter(([, access]) => access !== 0).map(([path, access]) => ({ path, access }));
}

function portRules(sources: (NetRules | undefined)[], handled: number): NativeLandlockSpec['ports'] {
  const byPort = new Map<number, number>();
  for (const source of sources) {
    for (const word of PORT_ACCESS_NAMES) {
      for (const port of source?.[word] ?? []) byPort.set(port, (byPort.get(port) ?? 0) | (PORT_ACCESS[word] & handled));
    }
  }
  return [...byPort].filter(([, access]) => access !== 0).map(([port, access]) => ({ port, access }));
}
