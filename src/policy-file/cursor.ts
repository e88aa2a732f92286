/**
 * Reading a statement's tokens: one at a time, with errors reported at the token at hand
 * (its own line and column, also when the statement is continued over several lines).
 */
import type { SeccompError } from '../errors';
import { closestName } from '../syscalls';
import { policySyntaxError } from './errors';
import type { Token } from './lexer';

export class Cursor {
  private index = 0;
  constructor(private readonly tokens: Token[], readonly file: string, readonly line: number) {}

  peek(): Token {
    const token = this.tokens[this.index];
    if (token.error) throw token.error;
    return token;
  }
  next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index++;
    return token;
  }
  /** Consumes the next token if it is operator `op`. */
  acceptOp(op: string): Token | undefined {
    return isOp(this.peek(), op) ? this.next() : undefined;
  }
  expectEnd(expected: string): void {
    const token = this.peek();
    if (token.kind !== 'end') throw this.fail(expected, token);
  }
  /** Where the cursor is, to read the same tokens again (a body once per system call of a list). */
  mark(): number { return this.index; }
  reset(mark: number): void { this.index = mark; }
  fail(expected: string, token: Token, options: { suggestion?: string; problem?: string } = {}): SeccompError {
    return policySyntaxError(this.file, token.line, token.column, expected, options.suggestion,
      { found: describe(token), ...(options.problem === undefined ? {} : { problem: options.problem }) });
  }
}

export function isOp(token: Token, op: string): boolean { return token.kind === 'op' && token.text === op; }
export function isWord(token: Token, word: string): boolean { return token.kind === 'name' && token.text === word; }
function describe(token: Token): string { return token.kind === 'end' ? 'end of line' : JSON.stringify(token.text); }

/** Did-you-mean, skipped for very long input (edit distance is quadratic). */
export function suggest(input: string, candidates: Iterable<string>): string | undefined {
  return input.length <= 64 ? closestName(input, candidates) : undefined;
}
