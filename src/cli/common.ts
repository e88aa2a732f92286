/** What the command modules share: usage errors, argument values, loading policies. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { nativeArch, requireArch, type ArchName } from '../arch';
import { SeccompError } from '../errors';
import { binding } from '../native';
import { readPolicySource, type PolicySource } from '../policy-source';

/** A mistake in how the command was called: exit status 2 and the command's usage. */
export class UsageError extends Error {}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Returns the exit status. */
  run(argv: string[], out: Output): number;
}

export interface Output {
  stdout(text: string | Uint8Array): void;
  stderr(text: string): void;
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

export function parse<T extends OptionsConfig>(argv: string[], options: T): ReturnType<typeof parseArgs<{ options: T; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function archOption(value: string | undefined): ArchName {
  return value === undefined ? nativeArch() : requireArch(value);
}

export function loadPolicy(file: string | undefined, arch: ArchName): PolicySource {
  if (!file) throw new UsageError('a policy file is required');
  return readPolicySource(file, { arch });
}

/**
 * A number as written on a command line or in a policy: decimal, 0x hex, 0 octal,
 * negative, a constant name (AF_INET, O_RDWR, EPERM) or several joined by `|`.
 */
export function parseValue(text: string): bigint {
  let result = 0n;
  for (const part of text.split('|')) {
    const p = part.trim();
    let value: bigint;
    if (/^-?(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)$/i.test(p)) {
      const negative = p.startsWith('-');
      const digits = negative ? p.slice(1) : p;
      const magnitude = /^0[0-7]+$/.test(digits) ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits);
      value = negative ? -magnitude : magnitude;
    } else if (binding && (p in binding.constants || p in binding.errnos)) {
      value = BigInt(binding.constants[p] ?? binding.errnos[p]);
    } else {
      throw new SeccompError('ERR_SECCOMP_VALUE_OUT_OF_RANGE', `"${p}" is neither a number nor a known constant`, { value: p });
    }
    result |= BigInt.asUintN(64, value);
  }
  return result;
}
