/**
 * Every conditional rule shipped in policies/groups and policies/profiles, checked both ways
 * on the compiled program (the emulator runs the BPF that the kernel would): called with
 * arguments the rule allows, and with each of its conditions broken by the smallest step,
 * the other arguments left satisfying. The rules are read from the policy files, so a new
 * rule is covered without touching this test.
 *
 * The expected verdicts come from a direct reading of the policy (the first rule for the
 * call whose conditions hold, else the default action), independent of the compiler.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARCH_TOKENS, type ArchName } from '../src/arch';
import { decodeAction, runFilter } from '../src/bpf/emulator';
import { compile } from '../src/compiler';
import { builtinGroups } from '../src/groups';
import { exportBpf } from '../src/verified-program';
import { binding } from '../src/native';
import type { Action, Condition, Policy, Rule } from '../src/policy';
import { parseFile } from '../src/policy-file/parser';
import { bindSelfPid } from '../src/self-pid';
import { argWidth } from '../src/syscall-args';
import { syscallNumber } from '../src/syscalls';
import { PACKAGE_ROOT } from './helpers/child';

/** The pid of the process that loads the filter ($pid), as if one were. */
const LOADING_PID = 4242;

const ARCHES: ArchName[] = ['x86_64', 'aarch64'];
const FILES = ['groups', 'profiles'].flatMap((dir) => {
  const full = path.join(PACKAGE_ROOT, 'policies', dir);
  return fs.readdirSync(full).filter((f) => f.endsWith('.policy')).sort().map((f) => path.join(full, f));
});
/** What a libc may leave in the upper half of an `int` argument's register. */
const UPPER_GARBAGE = 0xdeadbeefn << 32n;

const widthOf = (rule: Rule, c: Condition): 32 | 64 => c.width ?? argWidth(rule.syscall, c.arg);
const maxOf = (width: 32 | 64): bigint => (1n << BigInt(width)) - 1n;
const unsigned = (value: string, width: 32 | 64): bigint => BigInt.asUintN(width, BigInt(value));

/** Whether one condition holds for a raw 64-bit argument, by the policy's meaning. */
function holds(rule: Rule, c: Condition, raw: bigint): boolean {
  const width = widthOf(rule, c);
  const x = BigInt.asUintN(width, raw);
  const v = unsigned(c.value, width);
  switch (c.op) {
    case 'eq': return x === v;
    case 'ne': return x !== v;
    case 'lt': return x < v;
    case 'le': return x <= v;
    case 'gt': return x > v;
    case 'ge': return x >= v;
    case 'masked-eq': return (x & unsigned(c.mask ?? '0', width)) === v;
  }
}

const matches = (rule: Rule, args: bigint[]) => (rule.conditions ?? []).every((c) => holds(rule, c, args[c.arg]));

/** The policy's verdict for a call, read straight from its rules. */
function expected(policy: Policy, syscall: string, args: bigint[]): Action {
  return policy.rules.find((r) => r.syscall === syscall && matches(r, args))?.action ?? policy.defaultAction;
}

/** Values near each condition's boundary, on both sides. */
function candidates(rule: Rule, c: Condition): bigint[] {
  const width = widthOf(rule, c);
  const max = maxOf(width);
  const v = unsigned(c.value, width);
  const near = [v, v - 1n, v + 1n, 0n, 1n, max];
  if (c.op === 'masked-eq') {
    const mask = unsigned(c.mask ?? '0', width);
    near.push(...bits(mask).map((bit) => v ^ bit), v | (max & ~mask));
  }
  return near.filter((x) => x >= 0n && x <= max);
}

function bits(mask: bigint): bigint[] {
  const out: bigint[] = [];
  for (let bit = 1n; bit <= mask; bit <<= 1n) if (mask & bit) out.push(bit);
  return out;
}

/** Arguments meeting every condition of the rule: the first boundary value that does, per argument. */
function satisfying(rule: Rule): bigint[] {
  const args = [0n, 0n, 0n, 0n, 0n, 0n];
  for (const c of rule.conditions ?? []) {
    const same = (rule.conditions ?? []).filter((d) => d.arg === c.arg);
    const value = same.flatMap((d) => candidates(rule, d)).find((x) => same.every((d) => holds(rule, d, x)));
    if (value === undefined) throw new Error(`${rule.syscall}: no value meets the conditions on arg${c.arg}`);
    args[c.arg] = value;
  }
  return args;
}

/** For each condition, the call with that argument moved just outside it (the others unchanged). */
function broken(rule: Rule, args: bigint[]): { condition: Condition; args: bigint[] }[] {
  return (rule.conditions ?? []).flatMap((c) => {
    const width = widthOf(rule, c);
    const v = unsigned(c.value, width);
    const max = maxOf(width);
    const wrap = (x: bigint) => BigInt.asUintN(width, x);
    const outside: Record<Condition['op'], bigint[]> = {
      eq: [wrap(v + 1n), wrap(v - 1n)],
      ne: [v],
      lt: [v],
      le: [wrap(v + 1n)],
      gt: [v],
      ge: [wrap(v - 1n)],
      'masked-eq': bits(unsigned(c.mask ?? '0', width)).map((bit) => args[c.arg] ^ bit),
    };
    return outside[c.op]
      .filter((x) => x <= max && !holds(rule, c, x))
      .map((x) => ({ condition: c, args: args.map((a, i) => (i === c.arg ? x : a)) }));
  });
}

function verdictOf(action: Action): { action: string; data?: number } {
  if (typeof action === 'object') {
    const errno = typeof action.errno === 'number' ? action.errno : binding!.errnos[action.errno];
    return { action: 'errno', data: errno };
  }
  return { action };
}

interface Case { file: string; line: number; rule: Rule; policy: Policy }

/** The conditional rules each file writes itself (not those of the groups it includes). */
function conditionalRules(file: string, arch: ArchName): Case[] {
  const parsed = parseFile(file, { arch, groups: builtinGroups });
  // $pid (the loading process, @node's own-process signals) as a process would see it.
  const policy = bindSelfPid(parsed.policy, LOADING_PID);
  return policy.rules.flatMap((rule, i) => (parsed.locations[i].file === file && rule.conditions?.length
    ? [{ file, line: parsed.locations[i].line, rule, policy }] : []));
}

describe.each(ARCHES)('shipped conditional rules on %s', (arch) => {
  const programs = new Map<string, Buffer>();
  const programFor = (c: Case) => {
    let program = programs.get(c.file);
    if (!program) {
      program = exportBpf(compile(c.policy, { arch, report: false, optimize: 2 }));
      programs.set(c.file, program);
    }
    return program;
  };
  const run = (c: Case, args: bigint[]) => {
    const { action, data } = decodeAction(runFilter(programFor(c), { nr: syscallNumber(c.rule.syscall, arch)!, arch: ARCH_TOKENS[arch], args }));
    return action === 'errno' ? { action, data } : { action };
  };
  const cases = FILES.flatMap((file) => conditionalRules(file, arch))
    .filter((c) => syscallNumber(c.rule.syscall, arch) !== undefined); // open, say, has no aarch64 number
  const label = (c: Case) => `${path.relative(PACKAGE_ROOT, c.file)}:${c.line} ${c.rule.syscall}`;

  it('finds the rules in the policy files', () => {
    expect(cases.length).toBeGreaterThan(20);
  });

  it.each(cases.map((c) => [label(c), c] as const))('%s', (_label, c) => {
    const args = satisfying(c.rule);
    expect(matches(c.rule, args)).toBe(true);
    expect(run(c, args), 'arguments the rule allows').toEqual(verdictOf(c.rule.action));
    // int arguments are compared on their low half: garbage above it changes nothing.
    const garbage = args.map((a, i) => ((c.rule.conditions ?? []).some((d) => d.arg === i && widthOf(c.rule, d) === 32) ? a | UPPER_GARBAGE : a));
    expect(run(c, garbage), 'upper halves of int arguments set').toEqual(verdictOf(c.rule.action));

    const alterations = broken(c.rule, args);
    expect(alterations.length).toBeGreaterThanOrEqual(c.rule.conditions!.length);
    for (const { condition, args: outside } of alterations) {
      expect(matches(c.rule, outside)).toBe(false);
      expect(run(c, outside), `arg${condition.arg} ${condition.op} ${condition.value} broken: ${outside.join(', ')}`)
        .toEqual(verdictOf(expected(c.policy, c.rule.syscall, outside)));
    }
  });
});
