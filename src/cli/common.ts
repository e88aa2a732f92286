/** What the command modules share: usage errors, argument values, loading policies. */
import { nativeArch, requireArch, type ArchName } from '../arch';
import { parseStandaloneValue } from '../policy-file/rule';
import { readPolicySource, type PolicySource } from '../policy-source';
import { checkPid } from '../self-pid';
import { UsageError } from './args';

export { parse, UsageError } from './args';
export type { Command, Output } from './args';

/** `--pid N`: what `$pid` (the loading process's pid) stands for in an exported program. */
export function pidOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(value)) throw new UsageError(`--pid must be a process id (a positive integer), not "${value}"`);
  return checkPid(Number(value), '--pid');
}

export function archOption(value: string | undefined): ArchName {
  return value === undefined ? nativeArch() : requireArch(value);
}

export function loadPolicy(file: string | undefined, arch: ArchName): PolicySource {
  if (!file) throw new UsageError('a policy file is required');
  return readPolicySource(file, { arch });
}

/**
 * A number as written on a command line: the policy files' value grammar (decimal, 0x hex,
 * 0 octal, negative, constant names such as AF_INET or EPERM, A|B, ~A).
 */
export function parseValue(text: string): bigint {
  return parseStandaloneValue(text, 'argument');
}
