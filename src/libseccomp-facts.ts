/**
 * What depends on the installed libseccomp, as data: the version each feature seccomp-node
 * uses needs, and the library's known bugs with the versions they affect and what the
 * compiler does about each. `status().libseccompFacts` reports them for the library this
 * process loaded; the support check takes its minimum from the same table.
 *
 * Sources: libseccomp's CHANGELOG (when a feature appeared), GHSA-4q85-33p6-j5g6, and what
 * this project's fuzzer and verification found on 2.5.4 (src/lowering.ts, src/not-equal.ts,
 * buildVerified in src/loader.ts).
 */
import type { LibraryInfo } from './native';

export type Version = [number, number, number];

/** A feature seccomp-node uses and the libseccomp release that brought it. */
export interface LibseccompRequirement {
  /** `2.5.0`. */
  version: string;
  /** What seccomp-node uses it for. */
  feature: string;
  /** The functions the addon looks up with dlsym for it, if any. */
  functions?: string[];
  /** Whether the installed library has it (false when no library was found). */
  met: boolean;
}

/** A bug or limit of libseccomp that can make a filter differ from its policy, and how it is handled. */
export interface LibseccompIssue {
  /** A stable name: the advisory's identifier, or a short slug. */
  id: string;
  /** What goes wrong. */
  problem: string;
  /** The first release with it, where that is known (an advisory says so). */
  since?: string;
  /** The release it was seen in here, where that is how it is known. */
  seenIn?: string;
  /** The release that fixed it; null when none is known to (every release is then treated as affected). */
  fixedIn: string | null;
  /** Whether the installed library is affected: from `since` up to `fixedIn` (true when its version is unknown). */
  affected: boolean;
  /** What seccomp-node does about it, on every version. */
  handling: string;
}

export interface LibseccompFacts {
  /** The installed version (`status().libseccomp`), or null when none was found. */
  version: string | null;
  /** What the library says the kernel supports (seccomp_api_get); seccomp-node needs 3 or more. */
  apiLevel: number | null;
  /** The lowest version seccomp-node works with: the highest of `requirements`. */
  minimum: string;
  requirements: LibseccompRequirement[];
  issues: LibseccompIssue[];
  /** Things seccomp-node does without the library (so a library that lacks them does not matter). */
  notNeeded: string[];
}

const REQUIREMENTS: Omit<LibseccompRequirement, 'met'>[] = [
  { version: '2.5.0', feature: 'the binary-tree layout of the syscall dispatch (SCMP_FLTATR_CTL_OPTIMIZE, lockdown\'s default optimize: 2)' },
  { version: '2.4.0', feature: 'the kill-process action (SCMP_ACT_KILL_PROCESS, the default) and the API level that says the kernel has it and thread sync',
    functions: ['seccomp_api_get'] },
  { version: '2.4.0', feature: 'EDOM when a filter for an architecture of the other byte order is asked for (reported as ERR_SECCOMP_UNSUPPORTED)' },
  { version: '2.3.0', feature: 'the run-time version check', functions: ['seccomp_version'] },
  // Older than that, all of them; 2.3.0 is the oldest release this table vouches for.
  { version: '2.3.0', feature: 'building, exporting and naming: contexts, architectures, rules with arguments, syscall resolution, BPF and PFC export',
    functions: ['seccomp_init', 'seccomp_release', 'seccomp_attr_set', 'seccomp_arch_native', 'seccomp_arch_add', 'seccomp_arch_remove',
      'seccomp_rule_add_array', 'seccomp_syscall_resolve_name', 'seccomp_syscall_resolve_name_arch',
      'seccomp_syscall_resolve_num_arch', 'seccomp_load', 'seccomp_export_bpf', 'seccomp_export_pfc'] },
];

const LOWERED = 'conditions reach libseccomp as masked equalities (src/lowering.ts), never as ranges; every program is ' +
  'checked against the policy before it is loaded or exported (docs/threat-model.md, "Verified compilation")';
const NE_SHAPES = '!= reaches libseccomp only as a lone 64-bit comparison in the shapes it handles (src/not-equal.ts); every other ' +
  '!= becomes masked equalities, and every program is verified';

const ISSUES: Omit<LibseccompIssue, 'affected'>[] = [
  { id: 'GHSA-4q85-33p6-j5g6', since: '2.4.0', fixedIn: '2.6.1', handling: LOWERED,
    problem: '64-bit comparisons are merged wrongly: lt/le rules on one argument that share their upper 32 bits can get the wrong action' },
  { id: 'range-stale-accumulator', seenIn: '2.5.4', fixedIn: null, handling: LOWERED,
    problem: 'range (lt/le/gt/ge) trees can reach a comparison from a failed sub-tree with another word in the accumulator, ' +
      'so range rules allow calls the policy kills' },
  { id: 'ne-eq-pruning', seenIn: '2.5.4', fixedIn: null, handling: NE_SHAPES,
    problem: 'tree pruning takes != and == on the same value for the same node' },
  { id: 'ne-cycle', seenIn: '2.5.4', fixedIn: null, handling: NE_SHAPES,
    problem: 'an != with further comparisons after it, shared by two rules, can link the tree into a cycle: seccomp_rule_add ' +
      'never returns' },
  { id: 'shared-code-blocks', seenIn: '2.5.4', fixedIn: null,
    handling: 'verification finds it; the compiler then builds that syscall\'s rules in a second shape (each masked comparison ' +
      'split in two) and verification judges again; a disagreement that remains is ERR_SECCOMP_MISCOMPILED and nothing loads',
    problem: 'identical code blocks are shared between syscalls whatever the accumulator holds, so two syscalls whose rules ' +
      'end in the same comparison can break each other (rare; found by the fuzzer, mostly for i386 and arm)' },
  { id: 'one-comparison-per-argument', seenIn: '2.5.4', fixedIn: null,
    handling: 'the compiler intersects all of a rule\'s conditions on one argument before libseccomp sees them',
    problem: 'a second comparison of the same argument in one rule is refused (EINVAL)' },
  { id: 'syscall-table', fixedIn: null,
    handling: 'names resolve from seccomp-node\'s own tables of the kernel\'s system calls, and libseccomp is handed numbers ' +
      '(for other architectures, calls it cannot name go in under stand-ins that the export renumbers)',
    problem: 'each release knows only the system calls of the kernels before it (2.5.4 does not know mseal, for one)' },
];

const NOT_NEEDED = [
  'seccomp_export_bpf_mem (2.6.0): programs are exported through a memfd, which works with every version',
  'libseccomp\'s loading and its thread sync: the verified bytes are loaded with the seccomp() system call itself',
  'seccomp_notify_* (2.5.0): learn mode watches with strace',
];

export function parseVersion(text: string): Version {
  const [a = 0, b = 0, c = 0] = text.split('.').map((part) => Number.parseInt(part, 10) || 0);
  return [a, b, c];
}

export function versionAtLeast(version: string, min: string): boolean {
  const [v, m] = [parseVersion(version), parseVersion(min)];
  for (let i = 0; i < 3; i++) if (v[i] !== m[i]) return v[i] > m[i];
  return true;
}

/** The lowest version seccomp-node works with: what its newest requirement needs. */
export const MIN_LIBSECCOMP = REQUIREMENTS.map((r) => r.version).reduce((a, b) => (versionAtLeast(a, b) ? a : b));

/** The requirements `version` does not meet, newest first. */
export function unmetRequirements(version: string): Omit<LibseccompRequirement, 'met'>[] {
  return REQUIREMENTS.filter((r) => !versionAtLeast(version, r.version));
}

/** The facts for the library `info` describes (undefined or unavailable: none found). */
export function libseccompFacts(info: LibraryInfo | undefined): LibseccompFacts {
  const version = info?.available && info.version ? info.version : null;
  return {
    version,
    apiLevel: version === null ? null : info?.apiLevel ?? null,
    minimum: MIN_LIBSECCOMP,
    requirements: REQUIREMENTS.map((r) => ({ ...r, ...(r.functions ? { functions: [...r.functions] } : {}),
      met: version !== null && versionAtLeast(version, r.version) })),
    issues: ISSUES.map((issue) => ({ ...issue,
      affected: version === null ||
        ((issue.since === undefined || versionAtLeast(version, issue.since)) && (issue.fixedIn === null || !versionAtLeast(version, issue.fixedIn))) })),
    notNeeded: [...NOT_NEEDED],
  };
}
