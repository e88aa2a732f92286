/**
 * Splits one line of a policy file into tokens. The lexer works a physical line at a time
 * (a line continued with `\\` is tokenized line by line, see lines.ts), and every token
 * knows its 1-based line and column.
 */
import { policySyntaxError } from './errors';

export type TokenKind = 'name' | 'number' | 'directive' | 'symbol' | 'op' | 'invalid' | 'end';

export interface Token {
  kind: TokenKind;
  text: string;
  /** The physical line it is on (a statement continued with `\\` spans several). */
  line: number;
  column: number;
  /** For numbers. */
  value?: bigint;
  /** For invalid tokens: thrown when the parser reaches it, so errors come in reading order. */
  error?: Error;
}

// Names may contain inner dashes for action words and group names (kill-process, @fs-read).
const NAME = /[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*/y;
const DIRECTIVE = /@[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*/y;
// Values filled in when the filter is loaded: `$pid`.
const SYMBOL = /\$[A-Za-z_][A-Za-z0-9_]*/y;
// Greedy on purpose: "12abc" or "0x" is one malformed number, not a number and a name.
const NUMBER = /-?[0-9][A-Za-z0-9_]*/y;
// Longest first, so that "==" is never read as "=" "=". "=" and "!" exist only to be reported
// with a suggestion ("==", "!=").
const OPERATORS = ['=>', '==', '!=', '<=', '>=', '&&', '||', '<', '>', '&', '|', '~', '(', ')', ':', ';', ',',
  '[', ']', '{', '}', '*', '=', '!'];

/** The part of a line before its `#` comment. */
export function stripComment(text: string): string {
  const hash = text.indexOf('#');
  return hash < 0 ? text : text.slice(0, hash);
}

/** Decimal, 0x hexadecimal or 0 octal (as C's strtoull with base 0), optionally negative. */
export function parseNumber(text: string): bigint | undefined {
  const m = /^(-?)(?:0[xX]([0-9a-fA-F]+)|0([0-7]*)|([1-9][0-9]*))$/.exec(text);
  if (!m) return undefined;
  const magnitude = m[2] !== undefined ? BigInt(`0x${m[2]}`)
    : m[3] !== undefined ? (m[3] ? BigInt(`0o${m[3]}`) : 0n)
      : BigInt(m[4]);
  return m[1] ? -magnitude : magnitude;
}

function matchAt(re: RegExp, text: string, index: number): string | undefined {
  re.lastIndex = index;
  return re.exec(text)?.[0];
}

/**
 * The tokens of one line, ending with an `end` token placed just after the last one.
 * Malformed input becomes an `invalid` token and ends the line.
 */
export function tokenizeLine(line: string, file: string, lineNumber: number): Token[] {
  const content = stripComment(line);
  const tokens: Token[] = [];
  let i = 0;
  let end = 0;
  while (i < content.length) {
    if (/\s/.test(content[i])) { i++; continue; }
    const column = i + 1;
    let text: string | undefined;
    if ((text = matchAt(NUMBER, content, i)) !== undefined) {
      const value = parseNumber(text);
      if (value === undefined) {
        const error = policySyntaxError(file, lineNumber, column, 'a number (decimal, 0x hexadecimal or 0 octal)',
          undefined, { found: JSON.stringify(text), problem: `malformed number "${text}"` });
        tokens.push({ kind: 'invalid', text, line: lineNumber, column, error });
        break;
      }
      tokens.push({ kind: 'number', text, line: lineNumber, column, value });
    } else if ((text = matchAt(NAME, content, i)) !== undefined) {
      tokens.push({ kind: 'name', text, line: lineNumber, column });
    } else if ((text = matchAt(DIRECTIVE, content, i)) !== undefined) {
      tokens.push({ kind: 'directive', text, line: lineNumber, column });
    } else if ((text = matchAt(SYMBOL, content, i)) !== undefined) {
      tokens.push({ kind: 'symbol', text, line: lineNumber, column });
    } else if ((text = OPERATORS.find((op) => content.startsWith(op, i))) !== undefined) {
      tokens.push({ kind: 'op', text, line: lineNumber, column });
    } else {
      text = String.fromCodePoint(content.codePointAt(i) ?? 0);
      const found = JSON.stringify(text);
      const error = policySyntaxError(file, lineNumber, column, 'a name, a number or an operator', undefined,
        { found, problem: `unexpected character ${found}` });
      tokens.push({ kind: 'invalid', text, line: lineNumber, column, error });
      break;
    }
    i += text.length;
    end = i;
  }
  tokens.push({ kind: 'end', text: '', line: lineNumber, column: end + 1 });
  return tokens;
}
