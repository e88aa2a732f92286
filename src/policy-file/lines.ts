/**
 * A policy file's statements: one per line, where a line ending in `\` continues on the
 * next one (minijail0(5): "Long lines may be broken up using \ at the end"; both minijail
 * implementations accept it). The continued parts are tokenized line by line, so every
 * token keeps its own line and column.
 *
 * Two cases where the minijail implementations disagree, or both lose a line silently, are
 * errors here rather than a guess:
 * - a comment ending in `\`: minijail0 makes the next line part of the comment, the Python
 *   compiler parses the next line as a statement;
 * - a last line ending in `\`: both drop that statement without a word.
 */
import { policySyntaxError } from './errors';
import { tokenizeLine, type Token } from './lexer';

/** One physical line of a statement, without its continuation backslash. */
export interface Segment { text: string; line: number }

export interface Statement {
  segments: Segment[];
  /** The first physical line. */
  line: number;
}

export function statements(text: string, file: string): Statement[] {
  const out: Statement[] = [];
  let pending: Segment[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    // CRLF files: the \r before the newline is not part of the line (the Python compiler
    // strips it too; minijail0 does not, and then fails on such a file).
    const raw = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (raw.endsWith('\\')) {
      const body = raw.slice(0, -1);
      const hash = body.indexOf('#');
      if (hash >= 0) {
        throw policySyntaxError(file, i + 1, raw.length, 'a line that ends without "\\" after a comment', undefined, {
          problem: 'a comment ends in "\\": minijail0 would continue the comment onto the next line, minijail\'s ' +
            'Python compiler would read the next line as a statement. Remove the "\\" (or move it before the "#")',
        });
      }
      if (i === lines.length - 1 || (i === lines.length - 2 && lines[i + 1] === '')) {
        throw policySyntaxError(file, i + 1, raw.length, 'a line to continue after "\\"', undefined, {
          problem: 'the last line ends in "\\", continuing onto nothing (both minijail implementations would drop ' +
            'this statement silently). Remove the "\\" or finish the statement',
        });
      }
      pending.push({ text: body, line: i + 1 });
      continue;
    }
    const segments = [...pending, { text: raw, line: i + 1 }];
    pending = [];
    out.push({ segments, line: segments[0].line });
  }
  return out;
}

/** The statement's tokens, across its lines, ending with one `end` token. */
export function tokenizeStatement(statement: Statement, file: string): Token[] {
  const last = statement.segments.length - 1;
  return statement.segments.flatMap((s, i) => {
    const tokens = tokenizeLine(s.text, file, s.line);
    return i < last ? tokens.slice(0, -1) : tokens;
  });
}

/** The statement as one line of text, its parts joined by a space (as minijail0 joins them). */
export function statementText(statement: Statement): string {
  return statement.segments.map((s) => s.text).join(' ');
}
