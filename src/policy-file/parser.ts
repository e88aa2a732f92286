/**
 * Policy files: seccomp-node reads minijail's `.policy` syntax, so that minijail policies
 * using only its documented syntax load unchanged, plus a few extensions (marked *).
 *
 *   # a comment, to the end of the line; blank lines are ignored
 *   read: 1                                  allow
 *   open: return ENOENT                      fail with this errno (a name or a number)
 *   socket: arg0 == AF_INET || arg0 == AF_UNIX      allow when the expression holds
 *   ioctl: arg1 == TCGETS; return ENOTTY     ...and fail the calls it does not match
 *   @include common.policy                   relative to this file; cycles are errors
 *   @frequency app.frequency                 a minijail ordering hint: accepted, ignored
 *
 *   read: allow | kill | trap | log | errno EPERM    * one action ("kill": the whole process)
 *   write: arg0 == 2 => log                  * the action when the expression holds
 *   write: arg0 == 2 => log; return EPERM    * ...and an errno for the other calls
 *   @default trap                            * for calls no rule matches (default: kill)
 *   @allow @node, @fs-read                   * built-in groups; a line "@node" alone too
 *   [arch x86_64]   [arch aarch64, arm]      * the rules that follow apply only to these
 *   [arch *]                                 * architectures; "*" returns to all of them
 *   @fs read /srv/app    @net connect 443    * Landlock: paths and TCP ports, isolation
 *   @isolate on          @landlock best-effort     (see landlock.ts for these lines)
 *
 * Expressions: `argN OP VALUE` (N is 0 to 5; OP is == != < <= > >=); `argN & MASK`, true
 * when any bit of MASK is set; `argN & MASK == VALUE` (and `!= VALUE`*); `argN in MASK`,
 * true when no bit outside MASK is set. `&&` binds tighter than `||`. `argN:32` and
 * `argN:64`* choose the comparison width, which otherwise comes from seccomp-node's table
 * of C `int` arguments. VALUE is a decimal, 0x hex or 0 octal number, possibly negative*;
 * a constant name (AF_INET, O_RDONLY, CLONE_THREAD, errno names) with this platform's
 * value; `A|B` (bitwise or), `~A` (complement at the argument's width) or `(A)`. `$pid`*,
 * alone after `==` or `!=`, is the pid of the process that loads the filter (src/self-pid.ts).
 * `errno 0`* (or `return 0`) skips the call and returns 0.
 *
 * Each `||` alternative becomes one rule with the same action. `; return ERRNO` adds rules
 * for the negation of the expression, which this format can only write as more
 * alternatives; both are bounded. The whole file (and what it includes, in every arch
 * section) is parsed before anything is returned, so a policy never loads half-read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ARCH_TOKENS, isArchName, nativeArch, requireArch, type ArchName } from '../arch';
import { SeccompError } from '../errors';
import type { Action, Condition, Policy, Rule } from '../policy';
import { mergeLandlock, type LandlockNeeds, type LandlockRules } from '../landlock/policy';
import { policySyntaxError } from './errors';
import { LANDLOCK_DIRECTIVES, parseLandlockLine } from './landlock';
import { stripComment, tokenizeLine, type Token } from './lexer';
import { Cursor, isOp, isWord, parseAction, parseRuleBody, suggest } from './rule';

/** The groups a policy may name ('@node'...), and how each expands to rules. */
export interface GroupTable {
  names(): string[];
  /** The rules of `name`; `seen` holds groups already expanded into this policy. */
  expand(name: string, seen: Set<string>): Rule[];
  /** What `name` needs from Landlock when the policy restricts files or ports (`@dns`: the resolver files). */
  needs?(name: string): LandlockNeeds | undefined;
}

export interface ParseOptions {
  /** Name used in error messages; relative `@include` paths start from its directory (default: the working directory). */
  file?: string;
  /** Which `[arch ...]` sections apply; default the native architecture. */
  arch?: ArchName;
  /** Groups the policy may name. Without a table, a group line is an error. */
  groups?: GroupTable;
}

export interface SourceLocation { file: string; line: number; column: number }

export interface ParsedPolicy {
  policy: Policy;
  /** Where each rule of `policy.rules` (same index) was written. */
  locations: SourceLocation[];
  /** Things accepted but without effect, such as `@frequency`. */
  notes: string[];
  /** The files `@include` read (absolute paths, in reading order), for those who cache the result. */
  included?: string[];
}

/** Larger files are refused rather than read: a policy is a few kilobytes. */
const MAX_FILE_BYTES = 1 << 20;
const DIRECTIVES = ['@include', '@frequency', '@default', '@allow', ...LANDLOCK_DIRECTIVES];

interface State {
  arch(): ArchName;
  rules: Rule[];
  locations: SourceLocation[];
  notes: string[];
  defaultAction?: { action: Action; at: SourceLocation };
  landlock?: LandlockRules;
  groups?: GroupTable;
  groupsSeen: Set<string>;
  /** The files being read, outermost first, to find include cycles. */
  including: { real: string; display: string }[];
  /** Every file `@include` read. */
  included: string[];
}

interface Source {
  text: string;
  /** The name in messages: as the caller gave it, and includes relative to it. */
  display: string;
  dir: string;
  real?: string;
  /** False inside an `[arch]` section (of an including file) that does not apply. */
  active: boolean;
}

export function parse(text: string, options: ParseOptions = {}): ParsedPolicy {
  const requested = options.arch === undefined ? undefined : requireArch(options.arch);
  let native: ArchName | undefined;
  const state: State = {
    // Asked only when a file has sections, so that other files parse without the addon.
    arch: () => requested ?? (native ??= nativeArch()),
    rules: [], locations: [], notes: [], groups: options.groups, groupsSeen: new Set(), including: [], included: [],
  };
  const file = options.file;
  parseSource(state, {
    text,
    display: file ?? '<policy>',
    dir: file === undefined ? process.cwd() : path.dirname(path.resolve(file)),
    real: file === undefined ? undefined : realPath(file),
    active: true,
  });
  return {
    policy: { defaultAction: state.defaultAction?.action ?? 'kill-process', rules: state.rules, ...(state.landlock ? { landlock: state.landlock } : {}) },
    locations: state.locations,
    notes: state.notes,
    included: state.included,
  };
}

export function parseFile(file: string, options: Omit<ParseOptions, 'file'> = {}): ParsedPolicy {
  let text: string;
  try {
    text = readPolicyText(file);
  } catch (error) {
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', `cannot read policy file "${file}": ${reason(error)}`, { file });
  }
  return parse(text, { ...options, file });
}

function realPath(file: string): string {
  try { return fs.realpathSync(file); } catch { return path.resolve(file); }
}

function readPolicyText(file: string): string {
  const stat = fs.statSync(file);
  // Never read a device or a FIFO: /dev/zero would never end.
  if (!stat.isFile()) throw new Error('not a regular file');
  if (stat.size > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES} bytes`);
  return fs.readFileSync(file, 'utf8');
}

function reason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ?? e.message;
}

function parseSource(state: State, src: Source): void {
  if (src.real) state.including.push({ real: src.real, display: src.display });
  let sectionApplies = true;
  const lines = src.text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const content = stripComment(lines[i]).trimEnd();
    const trimmed = content.trimStart();
    if (!trimmed) continue;
    const at: SourceLocation = { file: src.display, line: i + 1, column: content.length - trimmed.length + 1 };
    const active = src.active && sectionApplies;
    // Paths are not tokens (they hold "/" and "."), so these two take the rest of the line.
    const pathDirective = /^@(include|frequency)(?=\s|$)/.exec(trimmed);
    if (pathDirective) {
      pathLine(state, src, at, trimmed, pathDirective[0], active);
      continue;
    }
    // Landlock lines hold paths too, and take the whole line.
    const landlockDirective = /^@[a-z]+(?=\s|$)/.exec(trimmed);
    if (landlockDirective && LANDLOCK_DIRECTIVES.includes(landlockDirective[0])) {
      const rules = parseLandlockLine(lines[i], { file: src.display, line: i + 1, dir: src.dir });
      if (active) state.landlock = mergeLandlock(state.landlock, rules);
      continue;
    }
    const c = new Cursor(tokenizeLine(lines[i], src.display, i + 1), src.display, i + 1);
    const first = c.peek();
    if (isOp(first, '[')) sectionApplies = parseSection(c, state);
    else if (first.kind === 'directive') parseDirective(c, state, active);
    else if (first.kind === 'name') parseRule(c, state, active);
    else throw c.fail('a system call name, a directive (@include, @default, @allow...) or an [arch ...] section', first);
  }
  if (src.real) state.including.pop();
}

function pathLine(state: State, src: Source, at: SourceLocation, trimmed: string, keyword: string, active: boolean): void {
  const rest = trimmed.slice(keyword.length);
  const target = rest.trim();
  const column = at.column + keyword.length + (rest.length - rest.trimStart().length);
  if (!target) {
    throw policySyntaxError(src.display, at.line, column, `a file path after ${keyword}`, undefined, { found: 'end of line' });
  }
  const where = { ...at, column };
  if (keyword === '@frequency') {
    if (active) state.notes.push(`${at.file}:${at.line}: @frequency is a minijail hint for ordering rules; seccomp-node ignores it`);
    return;
  }
  include(state, src, target, where, active);
}

function include(state: State, src: Source, target: string, at: SourceLocation, active: boolean): void {
  const fail = (problem: string) => policySyntaxError(at.file, at.line, at.column, 'a readable policy file', undefined, { problem });
  const resolved = path.resolve(src.dir, target);
  const display = path.isAbsolute(target) ? target : path.join(path.dirname(src.display), target);
  let text: string;
  try {
    text = readPolicyText(resolved);
  } catch (error) {
    throw fail(`cannot read "${target}": ${reason(error)}`);
  }
  state.included.push(resolved);
  const real = realPath(resolved);
  const cycleStart = state.including.findIndex((f) => f.real === real);
  if (cycleStart >= 0) {
    const chain = [...state.including.slice(cycleStart).map((f) => f.display), display];
    throw fail(`@include cycle: ${chain.join(' -> ')}`);
  }
  parseSource(state, { text, display, dir: path.dirname(resolved), real, active });
}

/** `[arch NAME, NAME]` or `[arch *]`: whether the lines that follow apply. */
function parseSection(c: Cursor, state: State): boolean {
  c.next();
  const word = c.next();
  if (!isWord(word, 'arch')) throw c.fail('"arch" after "["', word, { suggestion: word.kind === 'name' ? 'arch' : undefined });
  let applies = true;
  if (!c.acceptOp('*')) {
    const names: string[] = [];
    do {
      const t = c.next();
      if (!(t.kind === 'name' && isArchName(t.text))) {
        const known = Object.keys(ARCH_TOKENS);
        throw c.fail(`an architecture (${known.join(', ')}) or "*"`, t, t.kind === 'name'
          ? { problem: `unknown architecture "${t.text}"`, suggestion: suggest(t.text, known) } : {});
      }
      names.push(t.text);
    } while (c.acceptOp(','));
    applies = names.includes(state.arch());
  }
  const close = c.next();
  if (!isOp(close, ']')) throw c.fail('"]" or "," in the [arch ...] section line', close);
  c.expectEnd('end of line after "]"');
  return applies;
}

function parseDirective(c: Cursor, state: State, active: boolean): void {
  const t = c.next();
  const at = location(c, t);
  if (t.text === '@default') {
    const action = parseAction(c);
    c.expectEnd('end of line after the default action');
    if (!active) return;
    if (state.defaultAction) {
      const first = state.defaultAction.at;
      throw c.fail('one @default per policy', t, { problem: `@default was already given at ${first.file}:${first.line}` });
    }
    state.defaultAction = { action, at };
    return;
  }
  const names: Token[] = [];
  if (t.text === '@allow') {
    do names.push(checkGroup(c, c.next(), false, state)); while (c.acceptOp(','));
  } else {
    names.push(checkGroup(c, t, true, state)); // a group on its own line
  }
  c.expectEnd(t.text === '@allow' ? '"," or end of line after the group' : 'end of line after the group');
  if (!active) return;
  for (const name of names) {
    for (const rule of state.groups!.expand(name.text, state.groupsSeen)) {
      // Copies, so that a caller changing the policy cannot change the group table.
      addRule(state, structuredClone(rule), location(c, name));
    }
    const needs = state.groups!.needs?.(name.text);
    if (needs) state.landlock = mergeLandlock(state.landlock, { needs });
  }
}

function checkGroup(c: Cursor, name: Token, ownLine: boolean, state: State): Token {
  const known = state.groups?.names() ?? [];
  if (name.kind === 'directive' && known.includes(name.text)) return name;
  const candidates = ownLine ? [...DIRECTIVES, ...known] : known;
  throw c.fail(`a group (${known.join(', ')})${ownLine ? ' or a directive' : ''}`, name, name.kind === 'directive'
    ? { problem: `unknown ${ownLine ? 'directive or group' : 'group'} "${name.text}"`, suggestion: suggest(name.text, candidates) }
    : { suggestion: name.kind === 'name' ? suggest(`@${name.text}`, known) : undefined });
}

function parseRule(c: Cursor, state: State, active: boolean): void {
  const name = c.next();
  const colon = c.next();
  if (!isOp(colon, ':')) {
    throw c.fail(`":" after the system call name "${name.text}"`, colon,
      { suggestion: isOp(colon, ';') || isOp(colon, '=') ? ':' : undefined });
  }
  const body = parseRuleBody(c, name.text);
  if (!active) return;
  const at = location(c, name);
  const add = (action: Action, conditions?: Condition[]) =>
    addRule(state, { syscall: name.text, action, ...(conditions?.length ? { conditions } : {}) }, at);
  if (!body.when) add(body.action);
  for (const conditions of body.when ?? []) add(body.action, conditions);
  for (const conditions of body.otherwise?.when ?? []) add(body.otherwise!.action, conditions);
}

function addRule(state: State, rule: Rule, at: SourceLocation): void {
  state.rules.push(rule);
  state.locations.push(at);
}

function location(c: Cursor, t: Token): SourceLocation {
  return { file: c.file, line: c.line, column: t.column };
}
