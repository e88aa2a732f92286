/**
 * Errors for policy files. Every mistake in a file is reported with where it is and what
 * was expected there, so that an editor (or a person) can jump straight to it.
 */
import { SeccompError } from '../errors';

export interface SyntaxErrorExtra {
  /** The text found where `expected` was wanted ("end of line" at the end). */
  found?: string;
  /** Replaces "expected ..." in the message when the problem is not a missing token. */
  problem?: string;
}

/**
 * `app.policy:12:9: expected a comparison operator (...) after "arg0", found "="; did you mean "=="?`
 * Lines and columns count from 1.
 */
export function policySyntaxError(file: string, line: number, column: number, expected: string,
  suggestion?: string, extra: SyntaxErrorExtra = {}): SeccompError {
  const what = extra.problem ?? `expected ${expected}${extra.found === undefined ? '' : `, found ${extra.found}`}`;
  const hint = suggestion === undefined ? '' : `; did you mean "${suggestion}"?`;
  return new SeccompError('ERR_SECCOMP_POLICY_SYNTAX', `${file}:${line}:${column}: ${what}${hint}`,
    { file, line, column, expected, suggestion, ...extra });
}
