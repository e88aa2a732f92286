/**
 * What follows `syscall:` on a rule line, and what it means: which calls get which action.
 *
 *   read: ACTION                        every call
 *   read: return                        minijail0: "the default action", so no rule at all
 *   read: EXPR                          allow when EXPR holds
 *   read: EXPR => ACTION                * ACTION when EXPR holds
 *   read: EXPR; ACTION                  Python compiler: ACTION when EXPR holds (= "=>")
 *   read: EXPR; return ERRNO            minijail0: allow when EXPR holds, ERRNO otherwise
 *   read: EXPR => ACTION; return ERRNO  * ACTION when EXPR holds, ERRNO otherwise
 *   read: EXPR; return                  minijail0: allow when EXPR holds, the default otherwise
 *   read: { F, F, ... }                 Python compiler: filters tried in order
 *
 * `EXPR; return ERRNO` is the one form the two minijail implementations read differently:
 * minijail0 (and its C parser) allow when EXPR holds and fail the call otherwise; the
 * Python compiler fails the call when EXPR holds. seccomp-node keeps minijail0's meaning;
 * the parser warns when a file also uses constructs only the Python compiler has.
 *
 * Inside a filter list `{ ... }` (a construct only the Python compiler has) each filter is
 * an action, an expression (allow), or `EXPR; ACTION` / `EXPR => ACTION`, and the first
 * filter that matches decides, as in the Python compiler. An unconditional filter must come
 * last; calls no filter matches get the policy's default action.
 */
import type { Action } from '../policy';
import { argWidth } from '../syscall-args';
import { Cursor, isOp, isWord } from './cursor';
import { FALSE, MAX_ALTERNATIVES, TRUE, and, negate, simplify, type Dnf, type Width } from './dnf';
import type { Token } from './lexer';
import { ACTION_EXPECTED, ARG, parseAction, parseErrno, parseExpression, tooLarge } from './rule';

/** Calls matching `when` (every call, when absent) get `action`. */
export interface Outcome { when?: Dnf; action: Action }

export interface RuleBody {
  /** Exclusive of each other: no call matches two of them. */
  outcomes: Outcome[];
  /** A construct only minijail's Python compiler has ("a filter list"...), where it is. */
  python?: { what: string; token: Token };
  /** Where `EXPR; return ERRNO` was read with minijail0's meaning. */
  minijailReturn?: Token;
  /** Actions written as allow (`1`, `allow`): a `@denylist` policy refuses them. */
  allows: Token[];
  /** `syscall: return` without an errno (minijail0: the default action, so no rule). */
  defaultReturn?: Token;
}

const LINE_END = '"&&", "||", "=>", "; return ERRNO" or end of line';

function isAllow(t: Token): boolean {
  return (t.kind === 'number' && t.value === 1n) || isWord(t, 'allow');
}

export function parseRuleBody(c: Cursor, syscall: string): RuleBody {
  const widthOf = (cond: { arg: number; width?: Width }): Width => cond.width ?? argWidth(syscall, cond.arg);
  const body: RuleBody = { outcomes: [], allows: [] };
  const first = c.peek();
  if (isOp(first, '{')) {
    parseFilterList(c, syscall, body, widthOf);
    c.expectEnd('end of line after the filter list');
    return body;
  }
  if (!(first.kind === 'name' && ARG.test(first.text))) {
    if (isWord(first, 'return')) {
      c.next();
      if (c.peek().kind === 'end') {
        body.defaultReturn = first;
        return body;
      }
      body.outcomes.push({ action: { errno: parseErrno(c) } });
    } else {
      if (isAllow(first)) body.allows.push(first);
      body.outcomes.push({ action: parseAction(c, `${ACTION_EXPECTED} or a condition such as "arg0 == 1"`) });
    }
    c.expectEnd('end of line after the action');
    return body;
  }
  const when = parseExpression(c, syscall);
  const arrow = c.acceptOp('=>');
  if (arrow && isAllow(c.peek())) body.allows.push(c.peek());
  const action = arrow ? parseAction(c) : 'allow';
  body.outcomes.push({ when, action });
  const semicolon = c.acceptOp(';');
  if (semicolon) {
    const word = c.peek();
    if (isWord(word, 'return')) {
      c.next();
      if (c.peek().kind !== 'end') {
        // minijail0: the calls EXPR does not match fail with ERRNO.
        const errno = c.peek();
        const otherwise = { errno: parseErrno(c) };
        const negated = negate(when, widthOf);
        if (!negated) throw c.fail('a simpler expression', errno, { problem: tooLarge('the calls it does not match') });
        body.outcomes.push({ when: simplify(negated, widthOf), action: otherwise });
        if (!arrow) body.minijailReturn = semicolon;
      } // else minijail0's "; return" alone: the default action, which unmatched calls get anyway
    } else if (arrow) {
      throw c.fail('"return ERRNO" after ";" (the action is already given after "=>")', word,
        { suggestion: word.kind === 'name' ? 'return' : undefined });
    } else {
      // The Python compiler's `EXPR; ACTION`: ACTION when EXPR holds, like "=>".
      if (isAllow(word)) body.allows.push(word);
      body.outcomes[0] = { when, action: parseAction(c, `an action or "return ERRNO" after ";"`) };
      body.python = { what: '"EXPR; ACTION"', token: semicolon };
    }
  }
  const next = c.peek();
  if (next.kind !== 'end') {
    const suggestion = isOp(next, '&') || isWord(next, 'and') ? '&&' : isWord(next, 'or') ? '||' : undefined;
    const expected = semicolon ? `end of line after the ${body.python ? 'action' : 'errno'}`
      : arrow ? '"; return ERRNO" or end of line after the action' : LINE_END;
    throw c.fail(expected, next, { suggestion });
  }
  return body;
}

/**
 * `{ F, F, ... }`: the first filter that matches decides. Filter i applies to the calls it
 * matches that no earlier filter matched, so the outcomes exclude each other.
 */
function parseFilterList(c: Cursor, syscall: string, body: RuleBody, widthOf: (cond: { arg: number; width?: Width }) => Width): void {
  const open = c.next();
  body.python = { what: 'a filter list "{ ... }"', token: open };
  let covered: Dnf = FALSE;
  let unconditional: Token | undefined;
  do {
    const start = c.peek();
    if (unconditional) {
      throw c.fail('"}" after an unconditional filter', start, {
        problem: 'this filter can never apply: the unconditional filter before it matches every call ' +
          '(minijail\'s Python compiler refuses this too). Move the unconditional filter last',
      });
    }
    let when: Dnf = TRUE;
    let action: Action = 'allow';
    if (start.kind === 'name' && ARG.test(start.text)) {
      when = parseExpression(c, syscall);
      const separator = c.acceptOp('=>') ?? c.acceptOp(';');
      if (separator) {
        if (isAllow(c.peek())) body.allows.push(c.peek());
        action = parseAction(c);
      }
    } else {
      unconditional = start;
      if (isAllow(start)) body.allows.push(start);
      action = parseAction(c, `${ACTION_EXPECTED} or a condition such as "arg0 == 1"`);
    }
    const rest = negate(covered, widthOf);
    const applies = rest === undefined ? undefined : and(when, rest);
    if (applies === undefined || applies.length > MAX_ALTERNATIVES) {
      throw c.fail('a shorter filter list', start, { problem: tooLarge('the calls this filter gets after the earlier ones') });
    }
    body.outcomes.push({ when: simplify(applies, widthOf), action });
    covered = [...covered, ...when];
  } while (c.acceptOp(','));
  const close = c.next();
  if (!isOp(close, '}')) throw c.fail('"," or "}" in the filter list', close);
}
