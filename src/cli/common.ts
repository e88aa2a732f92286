/** What the command modules share: usage errors, argument values, loading policies. */
import { nativeArch, requireArch, type ArchName } from '../arch';
import type * as OciImport from '../oci/import';
import type { OciArgWidths } from '../oci/import';
import { parseStandaloneValue } from '../policy-file/rule';
import type { PolicySource } from '../policy-source';
import { readPolicySpec } from '../policy-spec';
import { checkPid } from '../self-pid';
import { UsageError } from './args';
import { SeccompError } from '../errors';

export { parse, UsageError } from './args';
export type { Command, Output } from './args';

/** `--pid N`: what `$pid` (the loading process's pid) stands for in an exported program. */
export function pidOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(value)) throw new UsageError(`--pid must be a process id (a positive integer), not "${value}"`);
  return checkPid(Number(value), '--pid');
}

/** `--arch`: the kernel's name (x86_64, aarch64...) or Node's (x64, arm64...); default this machine's. */
export function archOption(value: string | undefined): ArchName {
  return value === undefined ? nativeArch() : asUsage(() => requireArch(value));
}

/**
 * `step`, with the SeccompError it throws about a command-line argument (an unknown
 * architecture, system call or constant) turned into a usage error: exit status 2, the
 * same message (did-you-mean included) and the usage.
 */
export function asUsage<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof SeccompError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * `--oci-widths per-argument|runc`, for every command that reads policies: how an OCI
 * profile's comparisons are read (see OciArgWidths). Spread into a command's options.
 */
export { OCI_WIDTHS_OPTION, OCI_WIDTHS_USAGE } from './args';

export function ociWidthsOption(value: string | undefined): OciArgWidths | undefined {
  if (value === undefined) return undefined;
  const { OCI_ARG_WIDTHS } = require('../oci/import') as typeof OciImport;
  if (!(OCI_ARG_WIDTHS as readonly string[]).includes(value)) {
    throw new UsageError(`--oci-widths must be ${OCI_ARG_WIDTHS.join(' or ')}, not "${value}"`);
  }
  return value as OciArgWidths;
}

/** A policy argument: a file, a preset, a list such as @node,@fs-read, or JSON (src/policy-spec.ts). */
export function loadPolicy(spec: string | undefined, arch: ArchName, ociArgWidths?: OciArgWidths): PolicySource {
  if (!spec) throw new UsageError('a policy is required (a file, a preset, or a list such as @node,@fs-read)');
  return readPolicySpec(spec, { arch, ...(ociArgWidths ? { ociArgWidths } : {}) });
}

/**
 * A number as written on a command line: the policy files' value grammar (decimal, 0x hex,
 * 0 octal, negative, constant names such as AF_INET or EPERM, A|B, ~A).
 */
export function parseValue(text: string): bigint {
  return asUsage(() => parseStandaloneValue(text, 'argument'));
}
