/**
 * Policy files (minijail's `.policy` syntax plus extensions; see parser.ts for the syntax):
 * parse them into a {@link Policy}, check them against the compiler with file/line
 * locations, and write policies back out.
 */
import { nativeArch, requireArch, type ArchInput, type ArchName } from '../arch';
import { compile } from '../compiler';
import type { Policy } from '../policy';
import { builtinGroups } from '../groups';
import { parse as parseWith, parseFile as parseFileWith, type ParsedPolicy, type ParseOptions } from './parser';
import { locateRuleError } from '../rule-origin';
import { bindForChecking } from '../self-pid';

// The public entry points know the built-in groups unless told otherwise.
const parse = (text: string, options: ParseOptions): ParsedPolicy => parseWith(text, { groups: builtinGroups, ...options });
const parseFile = (file: string, options: Omit<ParseOptions, 'file'>): ParsedPolicy => parseFileWith(file, { groups: builtinGroups, ...options });

export type { GroupTable, ParseOptions, ParsedPolicy, SourceLocation } from './parser';
export { formatPolicy } from './format';
export { policySyntaxError } from './errors';

export interface FileOptions {
  /** Which `[arch ...]` sections apply (and, for checkPolicyFile, the target): the kernel's name or Node's; default native. */
  arch?: ArchInput;
}

export interface PolicyFileCheck extends ParsedPolicy {
  arch: ArchName;
  /** System calls named in the file that do not exist on `arch` (left out of its filter). */
  skipped: string[];
}

/** Parses policy text. `options.file` names it in errors and anchors relative `@include`s. */
export function parsePolicy(text: string, options: ParseOptions = {}): Policy {
  return parse(text, options).policy;
}

/** Like {@link parsePolicy}, also telling where each rule was written. */
export function parsePolicyWithLocations(text: string, options: ParseOptions = {}): ParsedPolicy {
  return parse(text, options);
}

/** Reads and parses a policy file and the files it includes. */
export function parsePolicyFile(file: string, options: FileOptions = {}): Policy {
  return parseFile(file, options).policy;
}

/**
 * Parses a policy file and compiles it for `options.arch`, so that what only the compiler
 * knows (unknown system calls, values too wide for an argument, conflicting rules) is
 * reported too, at the file and line of the rule concerned.
 */
export function checkPolicyFile(file: string, options: FileOptions = {}): PolicyFileCheck {
  const parsed = parseFile(file, options);
  const arch = options.arch === undefined ? nativeArch() : requireArch(options.arch);
  try {
    const { skipped } = compile(bindForChecking(parsed.policy), { arch, report: false, optimize: 2 });
    return { ...parsed, arch, skipped };
  } catch (error) {
    throw locateRuleError(error, parsed.policy);
  }
}

