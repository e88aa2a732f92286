/**
 * From observations to a policy file: exactly the calls seen, with tight argument rules,
 * grouped under the built-in groups they belong to, and commented.
 *
 * Groups. A built-in group is written as `@group` when it is a subset of what was seen:
 * each of its allowing rules is covered by the calls observed (for calls with tracked
 * arguments, every class its rule allows was seen), and none of its rules refuses a call
 * that was observed. So using it adds no grant. Groups asked for explicitly (`--group`)
 * are written whatever was seen, as a baseline for calls a runtime makes only sometimes;
 * when such a group would refuse an observed call, its rules for that call are left out and
 * the observed ones written instead.
 */
import * as fs from 'node:fs';
import { nativeArch, type ArchName } from '../arch';
import { SeccompError } from '../errors';
import { entriesNeeds, expandEntries, groups as allGroups } from '../groups';
import { mergeLandlock, type LandlockRules } from '../landlock/policy';
import { formatLandlock } from '../policy-file/landlock';
import { proposeLandlock } from './landlock';
import { lintPolicy } from '../lint';
import { compileFor } from '../verified-program';
import { sameAction, type Action, type Policy, type Rule } from '../policy';
import { formatPolicy, parsePolicy } from '../policy-file';
import { syscallNumber } from '../syscalls';
import { LIBSECCOMP_PROBES, type Observations, type SyscallUsage } from './observations';
import { shellQuote } from '../testing/exec';
import { INJECTED_ENOSYS } from './strace';
import { conditionsHold, tracker, trackers, type Args } from './trackers';
import { bindForChecking } from '../self-pid';

export type LearnMode = 'exec' | 'process';

export interface BuildOptions {
  /** 'exec': for `seccomp-node run` (from the first instruction); 'process': for lockdown() in the process. */
  mode: LearnMode;
  /** Groups to include whatever was seen ('@node'). */
  groups?: readonly string[];
  /** Why `groups` are there: asked for, or the default baseline for a Node program. */
  groupsReason?: 'asked' | 'baseline';
  /** One line per run that contributed (newest last). */
  runs: readonly string[];
  /** What the program was (for the "use it with" line). */
  command?: readonly string[];
  /** Rules of a merged policy that learn does not write itself, kept as they were. */
  kept?: { rules: Rule[]; from: string };
  /** Default action (default kill-process; a merged policy keeps its own). */
  defaultAction?: Action;
  /** The Landlock rules of a merged policy, added to this run's. */
  landlock?: LandlockRules;
  /** The observer, for the header ("strace 6.1"). */
  observer?: string;
  /** Calls the observer let through without seeing them, which the program needs anyway (exit_group). */
  unwatched?: readonly string[];
  arch?: ArchName;
}

export interface LearnedPolicy {
  /** The policy file text. */
  text: string;
  /** The same, parsed. */
  policy: Policy;
  /** Groups written as @group lines (found to be subsets, and asked for). */
  groups: string[];
  /** Asked-for groups that had to leave out some calls, with those calls. */
  partialGroups: Record<string, string[]>;
}

type Verdict = 'allow' | 'refuse' | 'none' | 'unknown';

/** What `rules` do with one call (`args` undefined: any arguments). */
function verdict(rules: readonly Rule[], syscall: string, args: Args | undefined): Verdict {
  let allow = false;
  let unknown = false;
  for (const rule of rules) {
    if (rule.syscall !== syscall) continue;
    const holds = args ? conditionsHold(syscall, rule.conditions, args) : rule.conditions?.length ? undefined : true;
    if (holds === false) continue;
    const allows = sameAction(rule.action, 'allow');
    if (holds === undefined) {
      if (!allows) return 'refuse'; // it might refuse: count it as refusing
      unknown = true;
      continue;
    }
    if (!allows) return 'refuse';
    allow = true;
  }
  return allow ? 'allow' : unknown ? 'unknown' : 'none';
}

function allowed(u: SyscallUsage): boolean { return u.any || u.classes.size > 0; }

/** The samples standing for what was seen of a call (undefined: any arguments). */
function samples(u: SyscallUsage): (Args | undefined)[] {
  return u.any ? [undefined] : [...u.classes.values()].map((c) => c.sample);
}

/** Whether the learned allowance of `u` covers everything `rule` allows. */
function covers(u: SyscallUsage | undefined, rule: Rule): boolean {
  if (!u || !allowed(u)) return false;
  if (u.any) return true;
  const t = tracker(rule.syscall);
  if (!t) return false;
  const keys = rule.conditions?.length ? t.keysOf(rule.conditions) : t.allKeys ? [...t.allKeys] : undefined;
  return keys !== undefined && keys.every((k) => u.classes.has(k));
}

interface GroupFacts {
  name: string;
  rules: Rule[];
  /** Calls it would refuse although the program made them. */
  refused: Set<string>;
  /** Everything it allows was seen. */
  subset: boolean;
  syscalls: Set<string>;
  /** Calls named by its own rules (not those of groups it includes): its section. */
  own: Set<string>;
  includes: string[];
  description: string;
}

function nativeRules(rules: Rule[], arch: ArchName): Rule[] {
  return rules.filter((r) => syscallNumber(r.syscall, arch) !== undefined);
}

function analyse(name: string, o: Observations, arch: ArchName): GroupFacts {
  const definition = allGroups()[name];
  const rules = nativeRules(expandEntries([name]), arch);
  const refused = new Set<string>();
  for (const rule of rules) {
    if (sameAction(rule.action, 'allow')) continue;
    const u = o.syscalls.get(rule.syscall);
    if (!u || !allowed(u)) continue;
    for (const args of samples(u)) {
      const holds = args ? conditionsHold(rule.syscall, rule.conditions, args) : rule.conditions?.length ? undefined : true;
      if (holds !== false) refused.add(rule.syscall);
    }
  }
  const allowing = rules.filter((r) => sameAction(r.action, 'allow'));
  const subset = allowing.length > 0 && allowing.every((r) => covers(o.syscalls.get(r.syscall), r));
  const includes: string[] = [];
  const walk = (g: string) => { for (const i of allGroups()[g].includes) { includes.push(i); walk(i); } };
  walk(name);
  const own = new Set(nativeRules(definition.rules, arch).map((r) => r.syscall));
  return { name, rules, refused, subset, syscalls: new Set(rules.map((r) => r.syscall)), own, includes, description: definition.description };
}

/** The first sentence of a group's description, shortened. */
function title(description: string): string {
  const first = (/^(.*?)[.:](\s|$)/.exec(description)?.[1] ?? description).trim();
  return first.length > 90 ? `${first.slice(0, 87)}...` : first;
}

function plural(n: number, word: string): string { return `${n} ${word}${n === 1 ? '' : 's'}`; }

/** `text` as comment lines of at most 94 characters. */
function wrap(text: string, prefix: string): string[] {
  const lines: string[] = [];
  let line = prefix;
  for (const word of text.split(/\s+/)) {
    if (line.length + word.length + 1 > 94 && line.trim() !== prefix.trim()) { lines.push(line.trimEnd()); line = prefix; }
    line += `${word} `;
  }
  if (line.trim() !== prefix.trim()) lines.push(line.trimEnd());
  return lines;
}

const SECTION_ORDER = ['@node', '@exec-start', '@fs-read', '@fs-write', '@net-client', '@net-server', '@dns', '@signal', '@process'];

/** The policy file for `o`. */
export function buildPolicy(o: Observations, options: BuildOptions): LearnedPolicy {
  const arch = options.arch ?? nativeArch();
  const known = Object.keys(allGroups());
  for (const g of options.groups ?? []) {
    if (!known.includes(g)) {
      throw new SeccompError('ERR_SECCOMP_UNKNOWN_GROUP', `unknown group "${g}"; groups: ${known.join(', ')}`, { group: g });
    }
  }
  const dropped = new Set<string>(); // calls whose group rules conflicted with the learned ones
  for (let attempt = 0; attempt < 8; attempt++) {
    const result = attemptBuild(o, options, arch, dropped);
    try {
      compileFor(bindForChecking(result.policy), { arch, report: options.mode === 'process' });
      return result;
    } catch (error) {
      const syscall = error instanceof SeccompError && error.code === 'ERR_SECCOMP_RULE_CONFLICT' ? error.details.syscall : undefined;
      if (typeof syscall !== 'string' || dropped.has(syscall)) throw error;
      dropped.add(syscall);
    }
  }
  throw new SeccompError('ERR_SECCOMP_RULE_CONFLICT', 'learn could not write a policy without conflicting rules');
}

function attemptBuild(o: Observations, options: BuildOptions, arch: ArchName, dropped: Set<string>): LearnedPolicy {
  const known = Object.keys(allGroups());
  const facts = new Map(known.map((g) => [g, analyse(g, o, arch)]));
  const forced = [...new Set(options.groups ?? [])];
  // Groups found to be subsets of what was seen, minus those another chosen group includes.
  let auto = known.filter((g) => !forced.includes(g) && facts.get(g)!.subset && facts.get(g)!.refused.size === 0 &&
    ![...facts.get(g)!.syscalls].some((s) => dropped.has(s)));
  const chosen = [...forced, ...auto];
  auto = auto.filter((g) => !chosen.some((other) => other !== g && facts.get(other)!.includes.includes(g)));
  const forcedKept = forced.filter((g) => !forced.some((other) => other !== g && facts.get(other)!.includes.includes(g)));

  const included: Rule[] = [];
  const partialGroups: Record<string, string[]> = {};
  const partialText: string[] = [];
  for (const g of forcedKept) {
    const f = facts.get(g)!;
    const leaveOut = new Set([...f.refused, ...[...f.syscalls].filter((s) => dropped.has(s))]);
    if (leaveOut.size === 0) {
      included.push(...f.rules);
      continue;
    }
    const rules = f.rules.filter((r) => !leaveOut.has(r.syscall));
    included.push(...rules);
    partialGroups[g] = [...leaveOut].sort();
    partialText.push('',
      `# ${g}, ${options.groupsReason === 'baseline' ? 'the baseline for a Node runtime' : 'asked for'}, except ${[...leaveOut].sort().join(', ')}: its rules for ${leaveOut.size === 1 ? 'that call' : 'those calls'}`,
      '# would refuse calls the program made, so the observed ones are listed below instead.',
      ...formatPolicy({ defaultAction: 'kill-process', rules }).trimEnd().split('\n'));
  }
  for (const g of auto) included.push(...facts.get(g)!.rules);

  // What is left to write, call by call.
  const lines = new Map<string, string[]>(); // section -> lines
  const coveredBy = new Map<string, number>(); // group -> calls it covers that were seen
  const add = (section: string, text: string) => { const l = lines.get(section) ?? []; l.push(text); lines.set(section, l); };
  const sectionOf = (syscall: string) => SECTION_ORDER.find((g) => facts.get(g)?.own.has(syscall)) ?? '';
  const groupOf = (syscall: string) => [...forcedKept, ...auto].find((g) => facts.get(g)!.syscalls.has(syscall));

  const observed = [...o.syscalls.values()].filter(allowed).sort((a, b) => a.name.localeCompare(b.name));
  for (const u of observed) {
    const t = tracker(u.name);
    const uncovered = u.any
      ? (verdict(included, u.name, undefined) === 'allow' ? [] : ['*'])
      : [...u.classes].filter(([, c]) => verdict(included, u.name, c.sample) !== 'allow').map(([k]) => k);
    if (uncovered.length === 0) {
      const g = groupOf(u.name);
      if (g) coveredBy.set(g, (coveredBy.get(g) ?? 0) + 1);
      continue;
    }
    const seenKeys = [...u.classes.keys()];
    let body: string;
    let extra: string[] = [];
    if (u.any || !t || (t.allKeys && t.allKeys.every((k) => u.classes.has(k)))) {
      body = '1';
    } else {
      const complement = t.complement?.(seenKeys);
      body = uncovered.map((k) => t.expression(k)).join(' || ') + (complement?.suffix ?? '');
      extra = complement?.lines ?? [];
    }
    const count = u.count ? plural(u.count, 'call') : '';
    const note = [count, u.earlier ? (u.count ? 'also earlier runs' : 'earlier runs') : ''].filter(Boolean).join(', ');
    add(sectionOf(u.name), `${u.name}: ${body}${note ? `  # ${note}` : ''}`);
    for (const line of extra) add(sectionOf(u.name), line);
  }

  // Answered with ENOSYS while learning, and so under the policy.
  const enosys: string[] = [];
  for (const name of INJECTED_ENOSYS) {
    const u = o.syscalls.get(name);
    if (u && allowed(u)) continue; // allowed as seen (merged from an earlier policy)
    if (included.some((r) => r.syscall === name && !r.conditions?.length && sameAction(r.action, { errno: 'ENOSYS' }))) continue;
    const seen = u?.injected ? `  # ${plural(u.injected, 'call')} while learning` : '';
    enosys.push(`${name}: return ENOSYS${seen}`);
  }
  // libseccomp's own probes: answered as the kernel answered them, unless a group does already.
  const probes: string[] = [];
  for (const probe of LIBSECCOMP_PROBES) {
    const count = o.probes.get(probe.syscall);
    if (count === undefined) continue;
    const answer = parsePolicy(probe.rule, { arch }).rules[0];
    if (included.some((r) => r.syscall === probe.syscall && sameAction(r.action, answer.action) &&
      conditionsHold(r.syscall, r.conditions, probe.args) === true)) continue;
    probes.push(`${probe.rule}  # ${count ? plural(count, 'call') : 'earlier runs'}`);
  }
  // A process ends eventually, even if it did not while it was watched.
  const always: string[] = [];
  if (options.mode === 'process') {
    for (const name of ['exit', 'exit_group']) {
      const u = o.syscalls.get(name);
      if ((u && allowed(u)) || verdict(included, name, undefined) === 'allow') continue;
      always.push(`${name}: 1`);
    }
  }
  const unwatched: string[] = [];
  for (const name of options.unwatched ?? []) {
    const u = o.syscalls.get(name);
    if ((u && allowed(u)) || verdict(included, name, undefined) === 'allow' || always.includes(`${name}: 1`)) continue;
    unwatched.push(`${name}: 1`);
  }

  const text = [
    ...header(o, options, arch, auto, forcedKept, partialGroups),
    '', '@default kill',
    ...(forcedKept.length || auto.length ? [''] : []),
    ...forcedKept.filter((g) => !partialGroups[g]).flatMap((g) => [
      `# ${g}: ${options.groupsReason === 'baseline' ? 'the baseline for a Node runtime' : 'asked for'} ` +
      `(${coveredBy.get(g) ?? 0} of its ${facts.get(g)!.syscalls.size} calls were seen)`, g]),
    ...auto.flatMap((g) => [`# ${g}: everything it allows was seen (${coveredBy.get(g) ?? 0} calls)`, g]),
    ...partialText,
    ...[...SECTION_ORDER, ''].flatMap((section) => {
      const body = lines.get(section);
      if (!body?.length) return [];
      if (!section) return ['', '# --- in no built-in group ---', ...body];
      const f = facts.get(section)!;
      const seen = [...f.own].filter((s) => { const u = o.syscalls.get(s); return u && allowed(u); }).length;
      return ['', `# --- from ${section} (${seen} of its ${f.own.size} calls were seen): ${title(f.description)}`, ...body];
    }),
    ...(enosys.length ? ['', '# --- answered with ENOSYS, as while learning: libc falls back to clone (flags checked), libuv to epoll',
      '# (io_uring operations would bypass seccomp)', ...enosys] : []),
    ...(probes.length ? ['', `# --- seccomp-node's own: ${LIBSECCOMP_PROBES[0].why}; it gets that answer here, not an allow`, ...probes] : []),
    ...(always.length ? ['', '# --- every process needs these to end, though it did not end while learning', ...always] : []),
    ...(unwatched.length ? ['', '# --- let through unseen while learning (the launcher\'s own way out); every program ends with it',
      ...unwatched] : []),
    ...landlockSection(o, options, [...forcedKept, ...auto]),
    ...(options.kept?.rules.length ? ['', `# --- kept from ${options.kept.from} (rules learn does not write itself)`,
      ...formatPolicy({ defaultAction: 'kill-process', rules: options.kept.rules }).trimEnd().split('\n')] : []),
    ...(o.unknown.size ? ['', `# Not in the policy: names libseccomp does not know on ${arch}: ` +
      [...o.unknown].map(([n, c]) => `${n} (${plural(c, 'call')})`).join(', ')] : []),
  ];
  let policyText = `${text.join('\n')}\n`;
  if (options.defaultAction && !sameAction(options.defaultAction, 'kill-process')) {
    const action = formatPolicy({ defaultAction: options.defaultAction, rules: [] }).trim();
    policyText = policyText.replace(/^@default kill$/m, action);
  }
  const policy = parsePolicy(policyText, { file: '<learned policy>', arch });
  // The same findings, in the same words, as `seccomp-node check` prints for this file.
  const review = [...new Set(lintPolicy(policy).map((w) => `${w.severity}: ${w.message}`))].flatMap((line) => {
    const [first, ...rest] = wrap(line, '#     ');
    return [`#   ${first.slice('#     '.length)}`, ...rest];
  });
  if (review.length) {
    policyText = policyText.replace(/^@default /m, `# Review: what seccomp-node check says about these grants:\n${review.join('\n')}\n\n@default `);
  }
  return { text: policyText, policy, groups: [...forcedKept.filter((g) => !partialGroups[g]), ...auto], partialGroups };
}

/** The kernel's range of ephemeral ports (Linux's default when it cannot be read). */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low > 0 && high >= low) return [low, high];
  } catch { /* not Linux, or /proc out of reach */ }
  return [32768, 60999];
}

/** The @fs and @net lines: the paths and ports the run used, beyond what its groups need. */
function landlockSection(o: Observations, options: BuildOptions, groupsWritten: string[]): string[] {
  const needs = entriesNeeds([...groupsWritten, ...(options.mode === 'exec' ? ['@exec-start'] : [])]);
  const proposal = proposeLandlock(o.access, needs);
  // Ports from the ephemeral range were handed out by the kernel (a server on port 0): they
  // change with every run, so the run's TCP ports cannot be written down.
  const [low, high] = ephemeralRange();
  const ephemeral = proposal.net?.connect?.filter((p) => p >= low && p <= high) ?? [];
  if (ephemeral.length) delete proposal.net;
  const rules = mergeLandlock(proposal, options.landlock);
  const lines = formatLandlock(rules);
  if (!lines.length) return [];
  return ['', '# --- Landlock: the paths and TCP ports the run used, beyond what its groups need (files are',
    '# granted through their directory, modules through node_modules). Anything else fails with EACCES.',
    ...(ephemeral.length ? [`# TCP ports are not restricted: the run connected to ephemeral ports (${ephemeral.join(', ')}),`,
      '# which change with every run. Add @net lines by hand if its peers listen on fixed ports.'] : []),
    ...(rules?.fs ? [] : ['# No file was opened: add "@fs none" to refuse every path but what the groups need.']),
    ...(rules?.net || ephemeral.length ? [] : ['# No TCP bind or connect was seen: add "@net none" to refuse them all.']),
    ...lines];
}

function header(o: Observations, options: BuildOptions, arch: ArchName, auto: string[], forced: string[],
  partial: Record<string, string[]>): string[] {
  const distinct = [...o.syscalls.values()].filter(allowed).length;
  const use = options.mode === 'exec'
    ? [`# Use: seccomp-node run --policy THIS_FILE -- ${options.command ? shellQuote(options.command) : 'COMMAND'}`,
      '#   The policy applies from the program\'s first instruction, so it includes the program\'s',
      '#   startup; run itself allows the execve that starts it.']
    : ['# Use: sandbox.lockdown({ policy: THIS_FILE }) in the process, at the point learning started.'];
  const checked = wrap(`${trackers().map((t) => t.what).join('; ')}. Paths, addresses and other arguments behind pointers cannot be checked by seccomp.`, '#   ');
  const lines = [
    '# Learned by seccomp-node learn: the system calls the program made, and no others.',
    '# Review it before use: what a run did not do (an error path, a feature not exercised)',
    '# is not allowed. Merge more runs with: seccomp-node learn --merge THIS_FILE -- ...',
    '#',
    ...options.runs.map((r) => `# run: ${r}`),
    `# Observed${options.runs.length > 1 ? ' in the last run' : ''}: ${plural(o.calls, 'system call')} in ${o.threads} ` +
      `${o.threads === 1 ? 'thread' : 'threads and processes'}${options.observer ? `, watched with ${options.observer}` : ''}; ` +
      `${distinct} different calls allowed on ${arch}.`,
    ...use,
    '#',
    '# Arguments checked (each rule allows the classes seen):',
    ...checked,
    '# Calls not seen are killed, except: ioctl requests not seen fail with ENOTTY ("not a',
    '#   terminal"), prctl options with EPERM, socket families with EAFNOSUPPORT (programs probe',
    '#   and fall back), replacing the SIGSYS handler with EPERM (it keeps the violation report),',
    '#   and clone3 and io_uring_setup with ENOSYS, as they did while learning.',
    '# Groups: a built-in group is written as @group when it is a subset of what was seen (each of',
    '#   its rules allows only what was seen) and refuses nothing that was; other calls are listed',
    '#   under the group they belong to. Groups asked for (--group) are written whatever was seen.',
    ...(auto.length ? [`#   Subsets of what was seen: ${auto.join(', ')}.`] : []),
    ...(forced.length ? [`#   ${options.groupsReason === 'baseline' ? 'Baseline' : 'Asked for'}: ` +
      `${forced.map((g) => (partial[g] ? `${g} (except ${partial[g].join(', ')})` : g)).join(', ')}.`] : []),
    ...(options.groupsReason === 'baseline' && forced.length ? [
      '#   A Node runtime makes some calls only under certain timing (sched_yield when threads',
      '#   contend, madvise when the GC decides to), so one run\'s exact calls could kill the next;',
      '#   @node holds what the runtime needs; it opens no files and creates no sockets or processes.',
      '#   --strict leaves it out.'] : []),
    ...o.notes.map((n) => `# Note: ${n}.`),
  ];
  return lines;
}
