/**
 * `sandbox`: the daemon-facing API. `lockdown()` applies a policy to the whole process
 * (all threads), `status()` says what is in force, `isSupported()` whether it can be.
 */
import { nativeArch } from './arch';
import { SeccompError } from './errors';
import { Filter } from './filter';
import { checkKnownKeys, type KeyList } from './known-keys';
import type * as Groups from './groups';
import type { GroupEntry } from './groups';
import type * as Landlock from './landlock';
import type { LandlockStatus } from './landlock';
import {
  addNeeds, isEmptyLandlock, landlockFromOptions, LANDLOCK_OPTION_KEY_LIST, mergeLandlock, type FsRules, type Isolation, type NetRules,
} from './landlock/policy';
import type * as Loader from './loader';
import type { LoadRecord } from './loader';
import { binding, bindingPath } from './native';
import { libseccompFacts, type LibseccompFacts } from './libseccomp-facts';
import { nodeSupport, type NodeSupport } from './node-support';
import { asOwnCalls } from './own-calls';
import type * as PolicyModule from './policy';
import type { Action, Policy } from './policy';
import { execFile, fork, readPolicySpec, spawn } from './on-demand';
import { nowMs } from './clock';

export interface LockdownOptions {
  /**
   * What to allow: system call names, `'@groups'` and rule objects
   * `{ syscall, conditions?, action? }`. Given alone, it replaces the default daemon profile
   * entirely; given with `policy`, its entries are added to that policy.
   * @defaultValue the default daemon profile
   */
  allow?: GroupEntry[];
  /**
   * A complete policy: plain policy data, a `Filter`, or a policy string (a file path, a
   * preset such as `'compute'`, a list such as `'@node,@net-server'`, or JSON; see
   * docs/policy-files.md, "Policy strings"). `allow`, when given too, adds to it.
   */
  policy?: Policy | Filter | string;
  /**
   * What happens to every call no rule allows. Given with `policy`, it replaces the policy's
   * own default.
   * @defaultValue `'kill-process'` (with `policy`: the policy's)
   */
  defaultAction?: Action;
  /**
   * Print one line naming the blocked call (docs/api.md, "Violation report") before the
   * process dies by SIGSYS.
   * @defaultValue `true`
   */
  report?: boolean;
  /**
   * On a system without seccomp, do nothing instead of throwing `ERR_SECCOMP_UNSUPPORTED`;
   * `status().skipped` says why.
   * @defaultValue `false`
   */
  optional?: boolean;
  /**
   * libseccomp's layout: `2` is a binary tree over system call numbers, `1` a linear chain.
   * @defaultValue `2`
   */
  optimize?: 1 | 2;
  /**
   * Landlock: restrict the file system to these paths (and what the policy's groups need,
   * such as `@dns`'s resolver files): `{ read, write, execute }`, lists of paths. `read`:
   * read files and list directories; `write`: read, and create, change, rename, truncate and
   * remove beneath; `execute`: run programs (and read). Paths must exist (a leading `?` marks
   * one that may not). Outside them, opens fail with `EACCES`. See docs/landlock.md.
   * @defaultValue no file system rules
   */
  fs?: FsRules;
  /**
   * Landlock: `{ bind, connect }`, the TCP ports the process may bind and connect to; other
   * ports fail with `EACCES`, and a list left out allows no port.
   * @defaultValue no port rules
   */
  net?: NetRules;
  /**
   * Isolation from processes outside the sandbox (no ptrace or `/proc/<pid>/mem` of them; on
   * Landlock ABI 6+, no signals to them and no abstract Unix sockets with them). `false`
   * turns it off; `true` or `{ signals, abstractUnix }` asks for it explicitly (then a
   * kernel that cannot isolate makes lockdown throw).
   * @defaultValue on wherever the kernel has Landlock, best effort
   */
  isolate?: boolean | Isolation;
  /**
   * Apply what this kernel's Landlock can enforce and list the rest in
   * `status().landlock.notEnforced` (with a process warning), instead of throwing
   * `ERR_SECCOMP_LANDLOCK_UNAVAILABLE`.
   * @defaultValue `false`
   */
  bestEffort?: boolean;
}

export interface LockdownResult {
  /** False only for an optional lockdown on an unsupported system. */
  applied: boolean;
  /** Why nothing was applied, when it was not. */
  reason?: string;
  record?: LoadRecord;
}

export interface IoUringStatus {
  /** io_uring instances this process had open when it was first locked down (or now, if never). */
  rings: number;
  /** True when operations submitted through those rings are invisible to seccomp. */
  bypassesFilter: boolean;
  note: string;
}

export interface SandboxStatus {
  supported: boolean;
  /** Why seccomp is unavailable, when it is. */
  reason?: string;
  /** A seccomp-node filter is in force in this process. */
  locked: boolean;
  /** Seccomp filters in force on the calling thread (including any not from seccomp-node). */
  filters: number;
  noNewPrivs: boolean;
  arch: string | null;
  /** The libseccomp version in use (null: none found). */
  libseccomp: string | null;
  /**
   * What depends on that version: each feature seccomp-node uses with the release that
   * brought it (met or not), and libseccomp's known bugs (GHSA-4q85-33p6-j5g6 and others)
   * with whether this version is affected and what seccomp-node does about each.
   */
  libseccompFacts: LibseccompFacts;
  kernel: string;
  /** The running Node's version (`process.version`). */
  node: string;
  /** Whether that Node version is supported (22, 24 and 26), with a note for a person. */
  nodeSupport: NodeSupport;
  /** The .node file in use (a prebuild or a local build), if any. */
  addon: string | null;
  lockdowns: LoadRecord[];
  /** Set when `lockdown({ optional: true })` did nothing. */
  skipped?: string;
  ioUring: IoUringStatus;
  /** Landlock: the kernel's ABI, and what this process's domain handles and enforces. */
  landlock: LandlockStatus;
}

// The compiler, verification and the loader load with the first lockdown or status(), not
// with the package: require() stays cheap for a process that locks down later, or never.
const loader = (): typeof Loader => require('./loader') as typeof Loader;
const landlock = (): typeof Landlock => require('./landlock') as typeof Landlock;
// So do the groups and policy checking, which only a lockdown that compiles needs: the
// default lockdown loads the program built into the package (see default-program.ts).
const groups = (): typeof Groups => require('./groups') as typeof Groups;
const policies = (): typeof PolicyModule => require('./policy') as typeof PolicyModule;

const IO_URING_BYPASS = 'io_uring submissions are executed by the kernel without passing through seccomp';
let skippedReason: string | undefined;

/** Every lockdown option, one line each (known-keys.ts): anything else is refused. */
const LOCKDOWN_OPTION_KEYS: KeyList<LockdownOptions> = {
  allow: true, policy: true, defaultAction: true, report: true, optional: true, optimize: true, ...LANDLOCK_OPTION_KEY_LIST,
};

/** The policy `lockdown(options)` loads, and where it came from. The build compiles `lockdownPolicy({})` ahead (default-program.ts). */
export function lockdownPolicy(options: LockdownOptions): { policy: Policy; source: string } {
  const { policy, source } = seccompPolicyFromOptions(options);
  const landlock = mergeLandlock(addNeeds(policy.landlock, options.allow ? groups().entriesNeeds(options.allow) : undefined), landlockFromOptions(options));
  if (isEmptyLandlock(landlock)) delete policy.landlock;
  else policy.landlock = landlock;
  return { policy, source };
}

/** Whether `options` leave the policy as it is by default: the default profile, its default action, no Landlock rules. */
function onlyDefaultProfile(options: LockdownOptions): boolean {
  return Object.keys(options).every((key) => key === 'report' || key === 'optional' || key === 'optimize');
}

function seccompPolicyFromOptions(options: LockdownOptions): { policy: Policy; source: string } {
  if (options.allow !== undefined && !Array.isArray(options.allow)) {
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', '`allow` must be an array of names, groups and rules');
  }
  // Only what the options need is loaded: a process may lock down under a filter of its own
  // already (a test's faults) that answers opens with an errno.
  const { checkPolicy, parseAction } = policies();
  if (options.policy !== undefined) {
    const policy = options.policy instanceof Filter ? options.policy.toPolicy()
      : typeof options.policy === 'string' ? readPolicySpec(options.policy).policy
        : checkPolicy(options.policy, 'policy');
    if (options.defaultAction) policy.defaultAction = parseAction(options.defaultAction);
    if (options.allow) policy.rules.push(...checkPolicy({ defaultAction: 'allow', rules: groups().expandEntries(options.allow) }).rules);
    return { policy, source: options.allow ? 'policy and allow list' : 'policy' };
  }
  const defaultAction = parseAction(options.defaultAction ?? 'kill-process');
  if (!options.allow) return { policy: { ...groups().defaultDaemonProfile(), defaultAction }, source: 'default profile' };
  return { policy: checkPolicy({ defaultAction, rules: groups().expandEntries(options.allow) }), source: 'allow list' };
}

function ioUringStatus(): IoUringStatus {
  const { checkSupport, countIoUringRings, processSnapshot } = loader();
  const rings = processSnapshot()?.ioUringRings ?? (checkSupport().supported ? countIoUringRings() : 0);
  return {
    rings,
    bypassesFilter: rings > 0,
    note: rings > 0
      ? `${rings} io_uring ring(s) were open before lockdown (Node 22+ opens them at startup); ${IO_URING_BYPASS}. ` +
        'To close this, apply the filter before Node starts (`seccomp-node run`, or spawn under a policy)'
      : 'no io_uring rings were open; new rings are refused after lockdown',
  };
}

export const sandbox = {
  /** child_process.spawn, with the child under its own policy from its first instruction. */
  spawn,
  /** child_process.fork, with the child under its own policy from its first instruction. */
  fork,
  /** child_process.execFile, with the child under its own policy from its first instruction. */
  execFile,

  /** True when this system can load seccomp filters with seccomp-node. Never throws. */
  isSupported(): boolean {
    try { return loader().checkSupport().supported; } catch { return false; }
  },

  /**
   * Locks the process down, all threads, irreversibly. Without options: the default daemon
   * profile (see README). Throws a SeccompError, with the process unchanged, on bad input
   * or when the kernel refuses; with `optional: true` an unsupported system is a no-op.
   */
  lockdown(options: LockdownOptions = {}): LockdownResult {
    if (typeof options !== 'object' || options === null) {
      throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', 'lockdown() takes an options object');
    }
    // Before anything else, optional or not: a misspelt option must never go unnoticed.
    checkKnownKeys(options, LOCKDOWN_OPTION_KEYS, 'lockdown options');
    const { beginPriming, checkSupport, loadDefaultProfile, loadPolicy, requireSupport } = loader();
    const support = checkSupport();
    if (!support.supported && options.optional) {
      skippedReason = support.reason;
      return { applied: false, ...(support.reason ? { reason: support.reason } : {}) };
    }
    requireSupport();
    const started = nowMs();
    const loadOptions = { report: options.report ?? true, optimize: options.optimize, defaultIsolation: true };
    if (onlyDefaultProfile(options)) {
      return { applied: true, record: loadDefaultProfile(() => lockdownPolicy(options).policy, loadOptions) };
    }
    beginPriming(); // meanwhile the policy is built and compiled
    const { policy, source } = lockdownPolicy(options);
    const record = loadPolicy(policy, source, { ...loadOptions, policyMs: nowMs() - started });
    return { applied: true, record };
  },

  /**
   * What is in force. After a lockdown it makes no system call the filter could forbid:
   * /proc facts were captured just before the first filter was loaded.
   */
  status(): SandboxStatus {
    // Its /proc reads happen only before a filter is in force: never learned (see own-calls).
    return asOwnCalls(() => currentStatus());
  },
};

/** What is in force (see sandbox.status()). */
function currentStatus(): SandboxStatus {
  const { canProbeLandlock, checkSupport, loadHistory, processSnapshot, readSeccompField } = loader();
  const support = checkSupport();
  const locked = loadHistory.length > 0;
  const snapshot = processSnapshot();
  let filters = 0;
  let noNewPrivs = false;
  if (locked && snapshot) {
    filters = snapshot.filtersBefore + loadHistory.length;
    noNewPrivs = true;
  } else if (support.supported) {
    filters = readSeccompField('Seccomp_filters');
    noNewPrivs = readSeccompField('NoNewPrivs') === 1;
  }
  let arch: string | null = null;
  try { arch = support.supported ? nativeArch() : null; } catch { arch = null; }
  return {
    supported: support.supported,
    ...(support.reason ? { reason: support.reason } : {}),
    locked,
    filters,
    noNewPrivs,
    arch,
    libseccomp: support.libseccomp ?? null,
    libseccompFacts: libseccompFacts(binding?.libraryInfo()),
    // node:os loads here, not with the package: status() is rare, every start is not.
    kernel: (require('node:os') as typeof import('node:os')).release(),
    node: process.version,
    nodeSupport: nodeSupport(),
    addon: bindingPath ?? null,
    lockdowns: loadHistory.map((r) => ({ ...r, skipped: [...r.skipped] })),
    ...(skippedReason ? { skipped: skippedReason } : {}),
    ioUring: ioUringStatus(),
    landlock: landlock().landlockStatus(canProbeLandlock()),
  };
}
