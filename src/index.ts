/**
 * seccomp-node: sandbox a Node.js process with Linux seccomp-bpf.
 *
 * What a daemon needs to lock down loads with the package; the rest (learn mode, OCI, the
 * linter, the disassembler, policy files, spawn) loads on first use (src/on-demand.ts).
 * @packageDocumentation
 */
export { sandbox } from './sandbox';
export type { LockdownOptions, LockdownResult, SandboxStatus, IoUringStatus } from './sandbox';
export type { NodeSupport } from './node-support';
export { childPolicy } from './on-demand';
export type { ChildPolicyOptions, SandboxSpawnOptions, SandboxForkOptions, SandboxExecFileOptions, ExecFileCallback } from './children/spawn';
export { profile, profiles, profileNames } from './on-demand';
export type { ProfileDefinition } from './children/presets';
export type { ChildViolation } from './children/report';
export { Filter } from './filter';
export { checkPolicy } from './on-demand';
export type { FilterOptions, ExportOptions, LoadOptions } from './filter';
export { arg, arg32, arg64, Arg, MaskedArg } from './conditions';
export { SELF_PID } from './self-pid';
export type { ArgValue } from './conditions';
export { SeccompError } from './errors';
export type { SeccompErrorCode } from './errors';
export type { Action, SimpleAction, ErrnoAction, Condition, CompareOp, Rule, Policy } from './policy';
export type { LoadRecord } from './loader';
export type { GroupEntry, GroupDefinition } from './groups';
export { groups, defaultDaemonProfile, defaultProfileGroups } from './on-demand';
export { groupsAllowing } from './on-demand';
export type { AllowingOptions } from './allowing-groups';
export { ARCH_TOKENS } from './arch';
export { parsePolicy, parsePolicyFile, checkPolicyFile, formatPolicy } from './on-demand';
export type { ParseOptions, SourceLocation } from './policy-file';
export { readPolicySource } from './on-demand';
export type { PolicySource, PolicySourceKind } from './policy-source';
export { fromOciProfile, toOciProfile, stringifyOciProfile, parseOciProfile } from './on-demand';
export type { OciArgWidths, OciImportOptions, OciImportResult, OciExportOptions, OciExportResult, OciProfile } from './oci';
export { runFilter, traceFilter, decodeAction } from './on-demand';
export type { SeccompData } from './bpf/emulator';
export { disassemble } from './on-demand';
export { lintPolicy } from './on-demand';
export { learn, learnCommand, learnFromTrace } from './on-demand';
export type { LearnOptions, LearnCommandOptions, LearnResult, LearnSession, LearnedPolicy, LearnMode } from './learn';
export type { LintWarning } from './lint';
export type { ArchInput, ArchName } from './arch';
export type { LibseccompFacts, LibseccompIssue, LibseccompRequirement } from './libseccomp-facts';
import { binding } from './native';

/**
 * Constants for conditions and errno actions (AF_*, SOCK_*, O_*, PROT_*, MAP_*, CLONE_*,
 * ioctl requests, PR_*, signals), read from this platform's headers at build time.
 * Empty where the addon is unavailable.
 */
export const constants: Readonly<Record<string, number>> = binding?.constants ?? Object.freeze({});
/** errno names and their numbers on this platform. */
export const errnos: Readonly<Record<string, number>> = binding?.errnos ?? Object.freeze({});
