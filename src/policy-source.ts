/**
 * Reads a policy from a file, whatever its form, into the one Policy representation:
 * - JSON with `syscalls` (OCI / Docker seccomp profile),
 * - JSON with `rules` (seccomp-node's own Policy data, as Filter#toPolicy() writes it),
 * - anything else: the policy file format (minijail syntax plus extensions).
 */
import type { ArchInput } from './arch';
import { SeccompError } from './errors';
import { checkPolicy } from './policy';
import type * as OciImport from './oci/import';
import type { OciArgWidths } from './oci';
import type { Policy } from './policy';
import { parsePolicyWithLocations, type SourceLocation } from './policy-file';
import { readPolicyFile } from './policy-file/parser';

/** Files: a policy file, an OCI profile, policy JSON; strings (src/policy-spec.ts) also a group list or a preset. */
export type PolicySourceKind = 'policy-file' | 'oci-profile' | 'policy-json' | 'list' | 'preset';

export interface PolicySource {
  policy: Policy;
  kind: PolicySourceKind;
  /** For policy files: where each rule was written (same order as policy.rules). */
  locations?: SourceLocation[];
  /** What an import had to interpret (OCI actions without an in-process equivalent...). */
  notes: string[];
  /** Lines whose meaning a reader may mistake (policy files: minijail's two meanings of `; return`). */
  warnings: string[];
}

export interface PolicySourceOptions {
  /** Which `[arch ...]` sections and OCI rules apply (the kernel's name or Node's); default the native architecture. */
  arch?: ArchInput;
  /** OCI profiles: comparison widths, see {@link OciArgWidths}; default 'per-argument'. */
  ociArgWidths?: OciArgWidths;
}

export function readPolicySource(file: string, options: PolicySourceOptions = {}): PolicySource {
  const text = readPolicyFile(file);
  // JSON starts with "{"; so does a policy file whose first rule is a system call list
  // ("{read, write}: 1"), which the colon after the closing brace tells apart.
  if (/^\s*\{/.test(text) && !/^\s*\{[^{}"]*\}\s*:/.test(text)) return readPolicyJson(text, options, file);
  const parsed = parsePolicyWithLocations(text, { file, ...(options.arch ? { arch: options.arch } : {}) });
  return { policy: parsed.policy, kind: 'policy-file', locations: parsed.locations, notes: parsed.notes, warnings: parsed.warnings };
}

/** JSON text: an OCI/Docker profile (with `syscalls`) or policy data. `file` names it in errors. */
export function readPolicyJson(text: string, options: PolicySourceOptions = {}, file?: string): PolicySource {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new SeccompError('ERR_SECCOMP_POLICY_SYNTAX', `${file ? `${file}: ` : ''}invalid JSON: ${(error as Error).message}`, file ? { file } : {});
  }
  if (typeof data === 'object' && data !== null && 'syscalls' in data) {
    // The importer loads with the first OCI profile: policy files and presets never need it.
    const { fromOciProfile } = require('./oci/import') as typeof OciImport;
    const { policy, notes } = fromOciProfile(data, {
      ...(options.arch ? { arch: options.arch } : {}), ...(options.ociArgWidths ? { argWidths: options.ociArgWidths } : {}),
    });
    return { policy, kind: 'oci-profile', notes, warnings: [] };
  }
  return { policy: checkPolicy(data), kind: 'policy-json', notes: [], warnings: [] };
}
