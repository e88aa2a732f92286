/**
 * Parsing of actions (after `syscall:` and in `@default`), argument expressions and
 * constant values. What a rule line as a whole means is body.ts.
 */
import { binding } from '../native';
import type { Action, CompareOp, Condition } from '../policy';
import { argWidth } from '../syscall-args';
import { SELF_PID } from '../self-pid';
import { MAX_ALTERNATIVES, and, anyBitSet, negateCondition, unsigned, type Dnf, type Width } from './dnf';
import { Cursor, isOp, isWord, suggest } from './cursor';
import { tokenizeLine, type Token } from './lexer';

// ---------------------------------------------------------------------------------------
// Actions

export const ARG = /^arg(\d+)$/;

const ACTION_WORDS = ['allow', 'kill', 'kill-process', 'trap', 'log', 'errno', 'return'];
export const ACTION_EXPECTED = 'an action (1, allow, kill, trap, log, errno NAME or return ERRNO)';

export function parseAction(c: Cursor, expected = ACTION_EXPECTED): Action {
  const t = c.next();
  if (t.kind === 'number' && t.value === 1n) return 'allow'; // minijail's "syscall: 1"
  if (t.kind === 'number' && t.value === 0n) {
    throw c.fail(expected, t, { suggestion: 'kill',
      problem: '"0" is not an action (calls that no rule allows already get the default action)' });
  }
  if (t.kind === 'name') {
    switch (t.text) {
      case 'allow': return 'allow';
      case 'kill': case 'kill-process': return 'kill-process';
      case 'trap': return 'trap';
      case 'log': return 'log';
      case 'errno': case 'return': return { errno: parseErrno(c) };
      case 'kill-thread':
        throw c.fail(expected, t, { suggestion: 'kill',
          problem: '"kill-thread" is not offered: killing one thread leaves Node hung or half alive' });
      case 'trace': case 'user-notify':
        throw c.fail(expected, t, { problem: `"${t.text}" needs a tracer or supervisor, which seccomp-node does not provide` });
    }
  }
  throw c.fail(expected, t, { suggestion: t.kind === 'name' ? suggest(t.text.toLowerCase(), ACTION_WORDS) : undefined });
}

export function parseErrno(c: Cursor): string | number {
  const expected = 'an errno name (EPERM, EACCES...) or number (0 to 4095)';
  const t = c.next();
  if (t.kind === 'number' && t.value !== undefined && t.value >= 0n && t.value <= 4095n) return Number(t.value);
  if (t.kind === 'name') {
    // Without the addon there is no errno table: names are then checked when compiled.
    if (!binding || Object.hasOwn(binding.errnos, t.text)) return t.text;
    throw c.fail(expected, t, { problem: `unknown errno "${t.text}"`, suggestion: suggest(t.text, Object.keys(binding.errnos)) });
  }
  throw c.fail(expected, t);
}

// ---------------------------------------------------------------------------------------
// Expressions

export function tooLarge(what: string): string {
  return `${what} would take more than ${MAX_ALTERNATIVES} rules; split the line or simplify the expression`;
}

/** `argN OP VALUE` atoms joined by `&&` and `||`, as alternatives (OR) of conjunctions (AND). */
export function parseExpression(c: Cursor, syscall: string): Dnf {
  let dnf = parseConjunction(c, syscall);
  for (let op = c.acceptOp('||'); op; op = c.acceptOp('||')) {
    dnf = [...dnf, ...parseConjunction(c, syscall)];
    if (dnf.length > MAX_ALTERNATIVES) throw c.fail('a simpler expression', op, { problem: tooLarge('this expression') });
  }
  return dnf;
}

function parseConjunction(c: Cursor, syscall: string): Dnf {
  let dnf = parseComparison(c, syscall);
  for (let op = c.acceptOp('&&'); op; op = c.acceptOp('&&')) {
    const right = parseComparison(c, syscall);
    if (dnf.length * right.length > MAX_ALTERNATIVES) throw c.fail('a simpler expression', op, { problem: tooLarge('this expression') });
    dnf = and(dnf, right);
  }
  return dnf;
}

const COMPARE: Record<string, CompareOp> = { '==': 'eq', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };
// Near misses of the comparison operators, for did-you-mean.
const OPERATOR_TYPOS: Record<string, string> = { '=': '==', '!': '!=', '=>': '>=', '&&': '&' };

interface ArgContext { syscall: string; arg: number; width: Width; explicit: boolean }

function parseComparison(c: Cursor, syscall: string): Dnf {
  const argToken = c.next();
  const m = argToken.kind === 'name' ? ARG.exec(argToken.text) : null;
  if (!m || Number(m[1]) > 5) {
    throw c.fail('an argument (arg0 to arg5)', argToken,
      m ? { problem: `system calls have arguments arg0 to arg5, not "${argToken.text}"` } : {});
  }
  const arg = Number(m[1]);
  let explicit: Width | undefined;
  if (c.acceptOp(':')) { // extension: arg0:32 / arg0:64, like arg32() / arg64()
    const w = c.next();
    if (!(w.kind === 'number' && (w.value === 32n || w.value === 64n))) throw c.fail('a width, 32 or 64, after ":"', w);
    explicit = Number(w.value) as Width;
  }
  const ctx: ArgContext = { syscall, arg, width: explicit ?? argWidth(syscall, arg), explicit: explicit !== undefined };
  const base: Condition = { arg, op: 'eq', value: '0', ...(explicit ? { width: explicit } : {}) };
  const op = c.next();
  if (op.kind === 'op' && Object.hasOwn(COMPARE, op.text)) {
    if (c.peek().kind === 'symbol') return [[{ ...base, op: COMPARE[op.text], value: parseSymbol(c, op) }]];
    return [[{ ...base, op: COMPARE[op.text], value: String(parseValue(c, ctx)) }]];
  }
  if (isWord(op, 'in')) { // minijail: the set bits are a subset of MASK, (arg & ~MASK) == 0
    const mask = unsigned(~parseValue(c, ctx), ctx.width);
    return [[{ ...base, op: 'masked-eq', value: '0', mask: String(mask) }]];
  }
  if (isOp(op, '&')) {
    const mask = parseValue(c, ctx);
    const cmp = c.acceptOp('==') ?? c.acceptOp('!=');
    if (!cmp) return anyBitSet(base, mask, ctx.width); // minijail: (arg & MASK) != 0
    const valueToken = c.peek();
    const value = parseValue(c, ctx);
    if ((unsigned(value, ctx.width) & ~unsigned(mask, ctx.width)) !== 0n) {
      throw c.fail('a value within the mask', valueToken,
        { problem: `${value} has bits outside the mask ${mask}, so the comparison could never hold` });
    }
    const condition: Condition = { ...base, op: 'masked-eq', value: String(value), mask: String(mask) };
    return cmp.text === '==' ? [[condition]] : negateCondition(condition, ctx.width);
  }
  throw c.fail(`a comparison operator (==, !=, <, <=, >, >=, &, in) after "${argToken.text}"`, op,
    { suggestion: op.kind === 'op' ? OPERATOR_TYPOS[op.text] : op.kind === 'name' && op.text.toLowerCase() === 'in' ? 'in' : undefined });
}

/**
 * `$pid`*, the pid of the process that loads the filter (bound when it loads, see
 * src/self-pid.ts). It stands alone after `==` or `!=`: a pid is one value, not bits.
 */
function parseSymbol(c: Cursor, op: Token): string {
  const t = c.next();
  if (t.text !== SELF_PID) {
    throw c.fail('a number or a constant name', t, { suggestion: SELF_PID, problem: `unknown value "${t.text}" (the one $ value is ${SELF_PID})` });
  }
  if (op.text !== '==' && op.text !== '!=') {
    throw c.fail('"==" or "!=" before $pid', op, { problem: `${SELF_PID} is one pid: compare it with == or !=` });
  }
  return SELF_PID;
}

// ---------------------------------------------------------------------------------------
// Values: NUMBER | CONSTANT | ~VALUE | (VALUE) | VALUE|VALUE

let constantTable: Record<string, number> | undefined;
function constants(): Record<string, number> {
  // errno names are constants too (minijail allows them in comparisons); header constants win.
  constantTable ??= { ...binding?.errnos, ...binding?.constants };
  return constantTable;
}

const MAX_NESTING = 32; // bounds the recursion on input such as "((((((..." or "~~~~~~..."

function parseValue(c: Cursor, ctx: ArgContext, depth = 0): bigint {
  let value = parseTerm(c, ctx, depth);
  for (let bar = c.acceptOp('|'); bar; bar = c.acceptOp('|')) {
    const next = c.peek();
    if (next.kind === 'name' && ARG.test(next.text)) {
      throw c.fail('a constant after "|"', bar, { suggestion: '||', problem: '"|" combines constants; join comparisons with "||"' });
    }
    value = unsigned(value, ctx.width) | unsigned(parseTerm(c, ctx, depth), ctx.width);
  }
  return value;
}

function parseTerm(c: Cursor, ctx: ArgContext, depth: number): bigint {
  const t = c.next();
  if (depth > MAX_NESTING) throw c.fail('a simpler value', t, { problem: `values nest more than ${MAX_NESTING} deep` });
  if (isOp(t, '~')) {
    const again = c.peek();
    if (isOp(again, '~')) {
      // Both minijail implementations refuse it; it is almost surely a slip for one "~".
      throw c.fail('a value after "~"', again, { problem: 'a double complement "~~" is refused, as minijail refuses it: ' +
        'write the value itself, or "~(~VALUE)" if you mean it' });
    }
    return unsigned(~parseTerm(c, ctx, depth + 1), ctx.width); // complement at the argument's width
  }
  if (isOp(t, '(')) {
    const value = parseValue(c, ctx, depth + 1);
    const close = c.next();
    if (!isOp(close, ')')) throw c.fail('")"', close);
    return value;
  }
  if (t.kind === 'number' && t.value !== undefined) return fits(c, t, t.value, ctx);
  if (t.kind === 'symbol') {
    throw c.fail('a number or a constant name', t, { problem: `${t.text} stands alone, right after == or !=` });
  }
  if (t.kind === 'name') {
    const table = constants();
    if (Object.hasOwn(table, t.text)) return fits(c, t, BigInt(table[t.text]), ctx);
    throw c.fail('a number or a constant name', t, {
      suggestion: suggest(t.text, Object.keys(table)),
      problem: `unknown constant "${t.text}"` + (binding ? '' : ' (constants come from the native addon, which is not loaded)'),
    });
  }
  throw c.fail('a number or a constant name', t);
}

/**
 * A value written on its own, such as a command-line argument of `explain`: the same
 * grammar as in a policy (numbers, constants, A|B, ~A, (A)), as an unsigned 64-bit value.
 */
export function parseStandaloneValue(text: string, source = '<value>'): bigint {
  const c = new Cursor(tokenizeLine(text, source, 1), source, 1);
  const value = parseValue(c, { syscall: 'the call', arg: 0, width: 64, explicit: true });
  c.expectEnd('end of the value');
  return BigInt.asUintN(64, value);
}

/** Values must fit the argument's width, as unsigned or as two's complement. */
function fits(c: Cursor, t: Token, value: bigint, ctx: ArgContext): bigint {
  const bits = BigInt(ctx.width);
  if (value >= -(1n << (bits - 1n)) && value < 1n << bits) return value;
  const int = ctx.width === 32 && !ctx.explicit;
  throw c.fail(`a value that fits in ${ctx.width} bits`, t, {
    suggestion: int ? `arg${ctx.arg}:64` : undefined,
    problem: `${t.text} does not fit in ${ctx.width} bits` +
      (int ? ` (argument ${ctx.arg} of ${ctx.syscall} is a C int, compared on its low 32 bits)` : ''),
  });
}
