/**
 * Public entry points whose modules load on first use. A daemon that only locks down never
 * runs learn mode, the OCI importer and exporter, the linter, the disassembler, the policy
 * file parser or the spawn family, and every start would pay for loading them (issue 13).
 *
 * Each function here has the signature of the one it stands for and only forwards to it;
 * the compiler checks the forwarding call, so a change of signature there fails the build
 * here. `require` keeps one instance of each module, shared with the package's own imports.
 */
import { promisify } from 'node:util';
import type * as Disassemble from './bpf/disassemble';
import type * as Emulator from './bpf/emulator';
import type * as Learn from './learn';
import type * as Lint from './lint';
import type * as Oci from './oci';
import type * as PolicyFile from './policy-file';
import type * as PolicySource from './policy-source';
import type * as PolicySpec from './policy-spec';
import type * as Spawn from './children/spawn';
import type * as AllowingGroups from './allowing-groups';
import type * as Groups from './groups';
import type * as PolicyModule from './policy';
import type * as Presets from './children/presets';
import type { Policy } from './policy';

const learnModule = (): typeof Learn => require('./learn') as typeof Learn;
const ociModule = (): typeof Oci => require('./oci') as typeof Oci;
const policyFileModule = (): typeof PolicyFile => require('./policy-file') as typeof PolicyFile;
const spawnModule = (): typeof Spawn => require('./children/spawn') as typeof Spawn;

/** In-process learning: `const session = await learn.start(); ...warm up...; const { text } = await session.stop();` */
export const learn: typeof Learn.learn = {
  start: (...args) => learnModule().learn.start(...args),
};

/** Runs a command under strace and learns the policy it needs (see docs/learn.md). */
export function learnCommand(...args: Parameters<typeof Learn.learnCommand>): ReturnType<typeof Learn.learnCommand> {
  return learnModule().learnCommand(...args);
}

/** Learns a policy from the text of an `strace -f` trace. */
export function learnFromTrace(...args: Parameters<typeof Learn.learnFromTrace>): ReturnType<typeof Learn.learnFromTrace> {
  return learnModule().learnFromTrace(...args);
}

/** Warnings for the allowing rules of `policy` (rule = index into policy.rules). */
export function lintPolicy(policy: Policy): Lint.LintWarning[] {
  return (require('./lint') as typeof Lint).lintPolicy(policy);
}

const emulatorModule = (): typeof Emulator => require('./bpf/emulator') as typeof Emulator;

/**
 * The 32-bit value the filter returns for this system call (decode it with
 * {@link decodeAction}). Throws a SeccompError if the kernel would refuse the program.
 */
export function runFilter(...args: Parameters<typeof Emulator.runFilter>): number {
  return emulatorModule().runFilter(...args);
}

/** Like {@link runFilter}, also listing the executed instructions, for explaining a verdict. */
export function traceFilter(...args: Parameters<typeof Emulator.traceFilter>): Emulator.FilterTrace {
  return emulatorModule().traceFilter(...args);
}

/**
 * Splits a filter's return value the way __seccomp_filter does. The kernel treats an action
 * it does not know as KILL_PROCESS (since Linux 4.14), so that is what is reported for one.
 * `data` is the raw low 16 bits; note the kernel caps an ERRNO's data at 4095.
 */
export function decodeAction(value: number): ReturnType<typeof Emulator.decodeAction> {
  return emulatorModule().decodeAction(value);
}

/** The listing of a program (bytes as exported, or decoded instructions), lines joined by "\n". */
export function disassemble(...args: Parameters<typeof Disassemble.disassemble>): string {
  return (require('./bpf/disassemble') as typeof Disassemble).disassemble(...args);
}

/** An OCI/Docker seccomp profile (parsed JSON) as a policy, for this or the given architecture. */
export function fromOciProfile(...args: Parameters<typeof Oci.fromOciProfile>): Oci.OciImportResult {
  return ociModule().fromOciProfile(...args);
}

/** A policy as an OCI/Docker seccomp profile, for container runtimes. */
export function toOciProfile(...args: Parameters<typeof Oci.toOciProfile>): Oci.OciExportResult {
  return ociModule().toOciProfile(...args);
}

/** An OCI profile as JSON text, with 64-bit values exact. */
export function stringifyOciProfile(...args: Parameters<typeof Oci.stringifyOciProfile>): string {
  return ociModule().stringifyOciProfile(...args);
}

/** Parses OCI profile JSON text, keeping 64-bit values exact. */
export function parseOciProfile(text: string): unknown {
  return ociModule().parseOciProfile(text);
}

/** Parses policy text. `options.file` names it in errors and anchors relative `@include`s. */
export function parsePolicy(...args: Parameters<typeof PolicyFile.parsePolicy>): Policy {
  return policyFileModule().parsePolicy(...args);
}

/** Reads and parses a policy file and the files it includes. */
export function parsePolicyFile(...args: Parameters<typeof PolicyFile.parsePolicyFile>): Policy {
  return policyFileModule().parsePolicyFile(...args);
}

/**
 * Parses a policy file and compiles it for `options.arch`, so that what only the compiler
 * knows (unknown system calls, values too wide for an argument, conflicting rules) is
 * reported too, at the file and line of the rule concerned.
 */
export function checkPolicyFile(...args: Parameters<typeof PolicyFile.checkPolicyFile>): PolicyFile.PolicyFileCheck {
  return policyFileModule().checkPolicyFile(...args);
}

/** A policy written out in the policy file format. */
export function formatPolicy(policy: Policy): string {
  return policyFileModule().formatPolicy(policy);
}

/** Reads a policy from a file in any of the formats seccomp-node reads (policy file, OCI profile, policy JSON). */
export function readPolicySource(...args: Parameters<typeof PolicySource.readPolicySource>): PolicySource.PolicySource {
  return (require('./policy-source') as typeof PolicySource).readPolicySource(...args);
}

/** Reads a policy given as a string: JSON, a list of groups and names, a preset, or a file path (see src/policy-spec.ts). */
export function readPolicySpec(...args: Parameters<typeof PolicySpec.readPolicySpec>): PolicySource.PolicySource {
  return (require('./policy-spec') as typeof PolicySpec).readPolicySpec(...args);
}

/**
 * The policy a child will run under, from spawn/fork/execFile options, checked now (names,
 * conditions, conflicts, size) so that mistakes throw here rather than in the child.
 */
export function childPolicy(options: Spawn.ChildPolicyOptions): Policy {
  return spawnModule().childPolicy(options);
}

/** A forwarder for an overloaded function: the overloads are `T`'s, checked where it is declared. */
function forward<T>(target: () => unknown): T {
  return ((...args: unknown[]) => (target() as (...a: unknown[]) => unknown)(...args)) as T;
}

/** child_process.spawn, with the child under its own policy from its first instruction. */
export const spawn = forward<typeof Spawn.spawn>(() => spawnModule().spawn);

/** child_process.fork, with the child under its own policy from its first instruction. */
export const fork = forward<typeof Spawn.fork>(() => spawnModule().fork);

/**
 * child_process.execFile, with the child under its own policy from its first instruction;
 * `util.promisify(execFile)` resolves `{ stdout, stderr }` as the real one does.
 */
export const execFile = forward<typeof Spawn.execFile>(() => spawnModule().execFile);
execFile.__promisify__ = (...args) => spawnModule().execFile.__promisify__(...args);
Object.defineProperty(execFile, promisify.custom, { value: execFile.__promisify__, enumerable: false });

// The built-in groups and presets, and policy checking: a daemon that locks down with the
// default profile loads a program built into the package and needs none of them.
const groupsModule = (): typeof Groups => require('./groups') as typeof Groups;
const presetsModule = (): typeof Presets => require('./children/presets') as typeof Presets;

/**
 * Validates a policy given as data (from JSON, say) and returns a clean copy. Unknown keys
 * and rules without an action are errors, located by JSON path (`rules[3].condition`).
 */
export function checkPolicy(...args: Parameters<typeof PolicyModule.checkPolicy>): Policy {
  return (require('./policy') as typeof PolicyModule).checkPolicy(...args);
}

/** All groups, by name. */
export function groups(): Record<string, Groups.GroupDefinition> {
  return groupsModule().groups();
}

/** The default daemon profile: what `sandbox.lockdown()` applies without options. */
export function defaultDaemonProfile(): Policy {
  return groupsModule().defaultDaemonProfile();
}

/** The groups the default daemon profile is made of. */
export function defaultProfileGroups(): string[] {
  return groupsModule().defaultProfileGroups();
}

/**
 * The built-in groups whose own rules allow `syscall` with these argument registers (missing
 * ones count as 0), by name ('@net-client'); [] when none does.
 */
export function groupsAllowing(...args: Parameters<typeof AllowingGroups.groupsAllowing>): string[] {
  return (require('./allowing-groups') as typeof AllowingGroups).groupsAllowing(...args);
}

/** The presets shipped in policies/profiles: 'compute', 'daemon', 'fetcher', 'file-reader'. */
export function profileNames(): string[] {
  return presetsModule().profileNames();
}

/** A preset's policy (see children/presets.ts); `{ execStart: false }` leaves @exec-start out. */
export function profile(...args: Parameters<typeof Presets.profile>): Policy {
  return presetsModule().profile(...args);
}

/** Every preset with its description, file and groups. */
export function profiles(): Record<string, Presets.ProfileDefinition> {
  return presetsModule().profiles();
}
