/**
 * Where each policy rule was written, so that an error about a rule (the compiler's, or
 * libseccomp refusing one) and `explain` can name its file and line.
 *
 * Origins ride beside the rules rather than in them: a Policy stays the plain data it is
 * (equal policies compare equal, JSON round-trips, nothing changes the compiler's input).
 * The policy-file parser records where each rule came from; the steps that copy rules on
 * their way to the compiler (validation, binding `$pid`, the SIGSYS guard, groups, Filter)
 * carry the origin to the copy. A rule whose origin was lost is simply named without one,
 * never with a wrong one: the origin belongs to the rule object itself.
 */
import * as path from 'node:path';
import { SeccompError } from './errors';
import type { Policy, Rule } from './policy';

export interface RuleOrigin {
  /** The file as the policy named it, the line and the column (1-based). */
  file: string;
  line: number;
  column: number;
  /** For a rule a `@group` line brought in: the group, and where the group's own file has it. */
  via?: { group: string; file: string; line: number };
}

const origins = new WeakMap<object, RuleOrigin>();

export function setOrigin(rule: Rule, origin: RuleOrigin): void {
  origins.set(rule, origin);
}

export function originOf(rule: Rule): RuleOrigin | undefined {
  return origins.get(rule);
}

/** Gives `to` (a copy of `from`) the origin of `from`; returns `to`. */
export function carryOrigin<T extends Rule>(from: object, to: T): T {
  const origin = origins.get(from);
  if (origin && from !== to) origins.set(to, origin);
  return to;
}

/** `copy(rules)`, rule by rule, each copy keeping its original's origin. */
export function carryOrigins(from: readonly Rule[], to: readonly Rule[]): void {
  from.forEach((rule, i) => { if (to[i]) carryOrigin(rule, to[i]); });
}

const PACKAGE_ROOT = path.resolve(__dirname, '..');

/** The package's own files (groups, presets) relative to the package, others as named. */
function displayFile(file: string): string {
  return file.startsWith(`${PACKAGE_ROOT}${path.sep}`) ? path.relative(PACKAGE_ROOT, file) : file;
}

/** `app.policy:3`, or `app.policy:3 (@node, policies/groups/node.policy:157)`. */
export function describeOrigin(origin: RuleOrigin): string {
  const at = `${displayFile(origin.file)}:${origin.line}`;
  return origin.via ? `${at} (${origin.via.group}, ${displayFile(origin.via.file)}:${origin.via.line})` : at;
}

/**
 * An error about rules of `policy` (`details.rule`, or the first of `details.rules`, or the
 * first rule of `details.syscall`), with
 * where that rule was written: the message starts with `file:line:column:` and `details`
 * gains `file`, `line` and `column`. Errors already located, and rules without an origin,
 * pass through unchanged.
 */
export function locateRuleError(error: unknown, policy: Policy): unknown {
  if (!(error instanceof SeccompError) || error.details.file !== undefined) return error;
  const rules = error.details.rules;
  const index = typeof error.details.rule === 'number' ? error.details.rule
    : Array.isArray(rules) && typeof rules[0] === 'number' ? rules[0] as number : -1;
  // Errors about a syscall as a whole (too many alternatives): its first rule.
  const syscall = error.details.syscall;
  const rule = index >= 0 ? policy.rules[index]
    : typeof syscall === 'string' ? policy.rules.find((r) => r.syscall === syscall && originOf(r)) : undefined;
  const origin = rule && originOf(rule);
  if (!origin) return error;
  const { file, line, column } = origin;
  const located = new SeccompError(error.code, `${file}:${line}:${column}: ${error.message}`,
    { ...error.details, file, line, column, ...(origin.via ? { via: origin.via } : {}) });
  return located;
}
