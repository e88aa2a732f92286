/**
 * Policy files: seccomp-node reads minijail's `.policy` syntax, so that minijail policies
 * load unchanged (docs/policy-files.md, "minijail compatibility", lists every construct of both minijail
 * implementations), plus a few extensions (marked *).
 *
 *   # a comment, to the end of the line; blank lines are ignored
 *   read: 1                                  allow
 *   open: return ENOENT                      fail with this errno (a name or a number)
 *   socket: arg0 == AF_INET || arg0 == AF_UNIX      allow when the expression holds
 *   ioctl: arg1 == TCGETS; return ENOTTY     ...and fail the calls it does not match
 *   @include common.policy                   relative to this file; cycles are errors
 *   @frequency app.frequency                 a minijail ordering hint: checked, not used
 *   write: arg0 == 1 || \                    a line ending in "\" continues on the next
 *          arg0 == 2
 *
 *   Constructs of minijail's Python compiler (tools/compile_seccomp_policy.py):
 *   @denylist                                every call not listed is allowed
 *   {read, write}: 1                         the same rule for several calls
 *   read[arch=x86_64]: 1                     only on these architectures
 *   ioctl: { arg1 == TCGETS, arg1 == FIONREAD; return ENOTTY, kill }   filters, first match decides
 *   write: arg0 == 2; log                    the action when the expression holds
 *
 *   read: allow | kill | trap | log | errno EPERM    * one action ("kill": the whole process)
 *   write: arg0 == 2 => log                  * the action when the expression holds
 *   write: arg0 == 2 => log; return EPERM    * ...and an errno for the other calls
 *   @default trap                            * for calls no rule matches (default: kill);
 *                                              in the top-level file only
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
 * value; `A|B` (bitwise or), `~A` (complement at the argument's width; `~~A` is refused,
 * as minijail refuses it) or `(A)`. `$pid`*, alone after `==` or `!=`, is the pid of the
 * process that loads the filter (src/self-pid.ts). `errno 0`* (or `return 0`) skips the
 * call and returns 0. What each form of rule means is in body.ts.
 *
 * Each `||` alternative becomes one rule with the same action. `; return ERRNO` adds rules
 * for the negation of the expression, which this format can only write as more
 * alternatives; both are bounded. The whole file (and what it includes, in every arch
 * section) is parsed before anything is returned, so a policy never loads half-read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { originOf, setOrigin, type RuleOrigin } from '../rule-origin';
import { ARCH_TOKENS, archFromName, nativeArch, requireArch, type ArchInput, type ArchName } from '../arch';
import { SeccompError } from '../errors';
import type { Action, Condition, Policy, Rule } from '../policy';
import { parseRuleBody, type RuleBody } from './body';
import { Cursor, isOp, isWord, suggest } from './cursor';
import { parseDescriptors } from './descriptors';
import { policySyntaxError } from './errors';
import { checkFrequencyText } from './frequency';
import { stripComment, type Token } from './lexer';
import { statements, statementText, tokenizeStatement } from './lines';
import { parseAction } from './rule';
import { mergeLandlock, type LandlockNeeds, type LandlockRules } from '../landlock/policy';
import { LANDLOCK_DIRECTIVES, parseLandlockLine } from './landlock';

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
  /** Which `[arch ...]` sections apply (the kernel's name or Node's); default the native architecture. */
  arch?: ArchInput;
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
  /** Lines whose meaning a reader may mistake (minijail's two meanings of `; return`). */
  warnings: string[];
}

/** Larger files are refused rather than read: a policy is a few kilobytes. */
const MAX_FILE_BYTES = 1 << 20;
const DIRECTIVES = ['@include', '@frequency', '@default', '@denylist', '@allow', ...LANDLOCK_DIRECTIVES];

interface State {
  arch(): ArchName;
  rules: Rule[];
  locations: SourceLocation[];
  notes: string[];
  warnings: string[];
  defaultAction?: { action: Action; at: SourceLocation; via: '@default' | '@denylist' };
  landlock?: LandlockRules;
  groups?: GroupTable;
  groupsSeen: Set<string>;
  /** The files being read, outermost first, to find include cycles. */
  including: { real: string; display: string }[];
  /** Every source being read, outermost first (the top-level text too), for messages. */
  chain: string[];
  /** Included files that say `@denylist`: the top-level policy must be one too. */
  denylistIncludes: { at: SourceLocation; chain: string }[];
  /** The first construct only minijail's Python compiler has. */
  python?: { what: string; at: SourceLocation };
  /** `EXPR; return ERRNO` lines, read with minijail0's meaning. */
  minijailReturns: SourceLocation[];
  /** Actions written as allow, which a `@denylist` policy refuses. */
  allows: SourceLocation[];
}

interface Source {
  text: string;
  /** The name in messages: as the caller gave it, and includes relative to it. */
  display: string;
  dir: string;
  real?: string;
  /** False inside an `[arch]` section (of an including file) that does not apply. */
  active: boolean;
  /** 0 for the top-level file, 1 for a file it includes... */
  depth: number;
}

export function parse(text: string, options: ParseOptions = {}): ParsedPolicy {
  const requested = options.arch === undefined ? undefined : requireArch(options.arch);
  let native: ArchName | undefined;
  const state: State = {
    // Asked only when a file has sections, so that other files parse without the addon.
    arch: () => requested ?? (native ??= nativeArch()),
    rules: [], locations: [], notes: [], warnings: [], groups: options.groups, groupsSeen: new Set(), including: [],
    chain: [], denylistIncludes: [], minijailReturns: [], allows: [],
  };
  const file = options.file;
  parseSource(state, {
    text,
    display: file ?? '<policy>',
    dir: file === undefined ? process.cwd() : path.dirname(path.resolve(file)),
    real: file === undefined ? undefined : realPath(file),
    active: true,
    depth: 0,
  });
  checkDenylist(state);
  warnAboutReturns(state);
  return {
    policy: { defaultAction: state.defaultAction?.action ?? 'kill-process', rules: state.rules, ...(state.landlock ? { landlock: state.landlock } : {}) },
    locations: state.locations,
    notes: state.notes,
    warnings: state.warnings,
  };
}

export function parseFile(file: string, options: Omit<ParseOptions, 'file'> = {}): ParsedPolicy {
  return parse(readPolicyFile(file), { ...options, file });
}

/**
 * The text of the policy file the caller named: ERR_SECCOMP_POLICY_FILE when it cannot be
 * read (`details.errno`: ENOENT, EACCES...), which callers tell apart from a policy that
 * is wrong. Files a policy includes are the policy's own business: a syntax error there.
 */
export function readPolicyFile(file: string): string {
  try {
    return readPolicyText(file);
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    throw new SeccompError('ERR_SECCOMP_POLICY_FILE', `cannot read policy file "${file}": ${reason(error)}`,
      { file, ...(errno ? { errno } : {}) });
  }
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
  state.chain.push(src.display);
  let sectionApplies = true;
  for (const statement of statements(src.text, src.display)) {
    const c = new Cursor(tokenizeStatement(statement, src.display), src.display, statement.line);
    const first = c.peek();
    if (first.kind === 'end') continue;
    const active = src.active && sectionApplies;
    // Paths are not tokens (they hold "/" and "."), so these two take the rest of the line.
    const text = stripComment(statementText(statement)).trim();
    const pathDirective = /^@(include|frequency)(?=\s|$)/.exec(text);
    if (pathDirective) {
      pathLine(state, src, { file: src.display, line: first.line, column: first.column }, text, pathDirective[0], active);
      continue;
    }
    // Landlock lines hold paths too, and take the whole line.
    const landlockDirective = /^@[a-z]+(?=\s|$)/.exec(text);
    if (landlockDirective && LANDLOCK_DIRECTIVES.includes(landlockDirective[0])) {
      const rules = parseLandlockLine(statementText(statement), { file: src.display, line: first.line, dir: src.dir });
      if (active) state.landlock = mergeLandlock(state.landlock, rules);
      continue;
    }
    if (isOp(first, '[')) sectionApplies = parseSection(c, state);
    else if (first.kind === 'directive') parseDirective(c, state, src, active);
    else parseRule(c, state, active);
  }
  if (src.real) state.including.pop();
  state.chain.pop();
}

function pathLine(state: State, src: Source, at: SourceLocation, text: string, keyword: string, active: boolean): void {
  const rest = text.slice(keyword.length);
  const target = rest.trim();
  const column = at.column + keyword.length + (rest.length - rest.trimStart().length);
  if (!target) {
    throw policySyntaxError(src.display, at.line, column, `a file path after ${keyword}`, undefined, { found: 'end of line' });
  }
  const where = { ...at, column };
  if (keyword === '@frequency') {
    frequency(state, src, target, where, active);
    return;
  }
  include(state, src, target, where, active);
}

/** Reads the file `target` names, relative to the including file. */
function readRelative(src: Source, target: string, at: SourceLocation, what: string): { text: string; resolved: string; display: string } {
  const resolved = path.resolve(src.dir, target);
  const display = path.isAbsolute(target) ? target : path.join(path.dirname(src.display), target);
  try {
    return { text: readPolicyText(resolved), resolved, display };
  } catch (error) {
    throw policySyntaxError(at.file, at.line, at.column, what, undefined, { problem: `cannot read "${target}": ${reason(error)}` });
  }
}

function frequency(state: State, src: Source, target: string, at: SourceLocation, active: boolean): void {
  const { text, display } = readRelative(src, target, at, 'a readable frequency file');
  const entries = checkFrequencyText(text, display, state.arch);
  if (active) {
    state.notes.push(`${at.file}:${at.line}: @frequency ${target}: ${entries} counts checked and not used (the filter ` +
      'searches system calls with a binary tree, and the kernel skips it for calls allowed unconditionally)');
  }
}

function include(state: State, src: Source, target: string, at: SourceLocation, active: boolean): void {
  const { text, resolved, display } = readRelative(src, target, at, 'a readable policy file');
  const real = realPath(resolved);
  const cycleStart = state.including.findIndex((f) => f.real === real);
  if (cycleStart >= 0) {
    const chain = [...state.including.slice(cycleStart).map((f) => f.display), display];
    throw policySyntaxError(at.file, at.line, at.column, 'a readable policy file', undefined,
      { problem: `@include cycle: ${chain.join(' -> ')}` });
  }
  parseSource(state, { text, display, dir: path.dirname(resolved), real, active, depth: src.depth + 1 });
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
      // The kernel's names, or Node's (x64, arm64), as everywhere an architecture is named.
      const arch = t.kind === 'name' ? archFromName(t.text) : undefined;
      if (arch === undefined) {
        const known = Object.keys(ARCH_TOKENS);
        throw c.fail(`an architecture (${known.join(', ')}) or "*"`, t, t.kind === 'name'
          ? { problem: `unknown architecture "${t.text}"`, suggestion: suggest(t.text, known) } : {});
      }
      names.push(arch);
    } while (c.acceptOp(','));
    applies = names.includes(state.arch());
  }
  const close = c.next();
  if (!isOp(close, ']')) throw c.fail('"]" or "," in the [arch ...] section line', close);
  c.expectEnd('end of line after "]"');
  return applies;
}

function parseDirective(c: Cursor, state: State, src: Source, active: boolean): void {
  const t = c.next();
  const at = location(c, t);
  if (t.text === '@default' || t.text === '@denylist') {
    if (t.text === '@default' && src.depth > 0) {
      // An included file setting the default would widen (or narrow) the including policy.
      throw c.fail('a rule, a group or an @include', t, { problem: `@default in an included file (${state.chain.join(' -> ')}): ` +
        'only the top-level policy sets the default action. Move it there, or remove it' });
    }
    const action: Action = t.text === '@default' ? parseAction(c) : 'allow';
    c.expectEnd(`end of line after ${t.text === '@default' ? 'the default action' : '@denylist'}`);
    if (t.text === '@denylist') {
      state.python ??= { what: '@denylist', at };
      if (src.depth > 0) {
        state.denylistIncludes.push({ at, chain: state.chain.join(' -> ') });
        return;
      }
    }
    if (!active) return;
    if (state.defaultAction) {
      const first = state.defaultAction;
      throw c.fail(`one ${t.text} per policy`, t, { problem: t.text === first.via
        ? `${t.text} was already given at ${first.at.file}:${first.at.line}`
        : `${t.text} conflicts with ${first.via} at ${first.at.file}:${first.at.line}: both set the default action` });
    }
    state.defaultAction = { action, at, via: t.text };
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
      const inGroup = originOf(rule);
      addRule(state, structuredClone(rule), location(c, name),
        inGroup ? { group: name.text, file: inGroup.file, line: inGroup.line } : undefined);
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
  const descriptors = parseDescriptors(c, state.arch);
  const colon = c.next();
  if (!isOp(colon, ':')) {
    const last = descriptors.list[descriptors.list.length - 1].name;
    throw c.fail(`":" after the system call name${descriptors.list.length > 1 ? 's' : ` "${last.text}"`}`, colon,
      { suggestion: isOp(colon, ';') || isOp(colon, '=') ? ':' : undefined });
  }
  if (descriptors.python) state.python ??= { what: descriptors.python.what, at: location(c, descriptors.python.token) };
  // The body is read once per system call: widths, and so values, depend on the call.
  // With none that applies here, it is still read once, so that its mistakes are reported.
  const targets = active ? descriptors.list.filter((d) => d.applies) : [];
  const start = c.mark();
  for (const [i, target] of (targets.length ? targets : descriptors.list.slice(0, 1)).entries()) {
    c.reset(start);
    const body = parseRuleBody(c, target.name.text);
    if (i === 0) noteBody(c, state, body, active && targets.length > 0);
    if (!active || !target.applies) continue;
    const at = location(c, target.name);
    for (const outcome of body.outcomes) {
      const add = (conditions?: Condition[]) =>
        addRule(state, { syscall: target.name.text, action: outcome.action, ...(conditions?.length ? { conditions } : {}) }, at);
      if (!outcome.when) add();
      for (const conditions of outcome.when ?? []) add(conditions);
    }
  }
}

/** What the body tells about the file as a whole: Python constructs, allows, minijail0 forms. */
function noteBody(c: Cursor, state: State, body: RuleBody, applies: boolean): void {
  if (body.python) state.python ??= { what: body.python.what, at: location(c, body.python.token) };
  if (!applies) return;
  if (body.minijailReturn) state.minijailReturns.push(location(c, body.minijailReturn));
  state.allows.push(...body.allows.map((t) => location(c, t)));
  if (body.defaultReturn) {
    state.notes.push(`${c.file}:${body.defaultReturn.line}: "return" without an errno means the default action ` +
      '(as minijail0 reads it), which calls no rule matches get anyway: the line adds no rule');
  }
}

/**
 * `@denylist` policies (minijail's Python compiler): every call not listed is allowed, so an
 * allow rule does nothing and is refused as the mistake it almost surely is; an included
 * file may say `@denylist` only inside a denylist policy.
 */
function checkDenylist(state: State): void {
  const denylist = state.defaultAction?.via === '@denylist';
  const include = state.denylistIncludes[0];
  if (include && !denylist) {
    throw policySyntaxError(include.at.file, include.at.line, include.at.column, 'a rule, a group or an @include', undefined, {
      problem: `@denylist in an included file (${include.chain}) of a policy that is not a @denylist: only the top-level ` +
        'policy sets the default action',
    });
  }
  const allow = state.allows[0];
  if (denylist && allow) {
    throw policySyntaxError(allow.file, allow.line, allow.column, 'an action that refuses the call (return ERRNO, kill...)',
      undefined, { problem: 'this rule allows, and a @denylist policy allows every call it does not list already: ' +
        'write what to refuse instead, such as "return EPERM"' });
  }
}

/** minijail0 and the Python compiler read `EXPR; return ERRNO` the other way round. */
function warnAboutReturns(state: State): void {
  if (!state.python) return;
  const sign = `${state.python.what} (${state.python.at.file}:${state.python.at.line})`;
  for (const at of state.minijailReturns) {
    state.warnings.push(`${at.file}:${at.line}: "EXPR; return ERRNO" is read as minijail0 reads it: allowed when EXPR ` +
      `holds, ERRNO otherwise. This policy uses ${sign}, a construct of minijail's Python compiler, which reads the ` +
      'line the other way round (ERRNO when EXPR holds). If that is what it means, write "EXPR => errno ERRNO"');
  }
}

function addRule(state: State, rule: Rule, at: SourceLocation, via?: RuleOrigin['via']): void {
  state.rules.push(rule);
  state.locations.push(at);
  setOrigin(rule, { ...at, ...(via ? { via } : {}) });
}

function location(c: Cursor, t: Token): SourceLocation {
  return { file: c.file, line: t.line, column: t.column };
}
