/**
 * OCI runtime-spec / Docker seccomp profiles ⇄ {@link Policy}: import a container
 * profile to sandbox a Node process with it, or export a policy for a container runtime.
 */
export { fromOciProfile } from './import';
export type { OciArgWidths, OciImportOptions, OciImportResult } from './import';
export { toOciProfile, stringifyOciProfile, parseOciProfile } from './export';
export type { OciExportOptions, OciExportResult } from './export';
export type { OciProfile, OciSyscall, OciArg } from './common';
