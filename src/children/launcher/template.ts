/**
 * The programs a launched child loads, compiled once per policy and filled in per child.
 *
 * A child's program holds values that only the launcher knows: its own pid (`$pid`, which
 * the program keeps across exec; @node signals only its own threads with it) and the secret
 * addresses of the calls the launcher makes after its first load (the exec image's path,
 * and a msghdr and a sock_fprog in the scratch area after it: native/launcher.c). Compiling
 * and verifying per child would cost more than starting it, so the parent compiles the
 * policy once with stand-in values and the launcher writes the real ones into the `k` of
 * the instructions that compare with them: the sites.
 *
 * Why the result is exact. The policy is compiled, and verified, with one set of stand-ins
 * (each value distinct from the other stand-ins and from every constant the program compares
 * with). The sites are its JEQ instructions that compare with a stand-in, and nothing else
 * depends on the values: libseccomp's output depends on a value only through the comparisons
 * emitted with it and through its equality with other values (identical rules and identical
 * blocks are merged; ordering is by argument, operator and mask, never by value). So filling
 * the sites with values that are equally fresh gives, byte for byte, the program a compile
 * for those values would give, and that program compares with the new values exactly where
 * the verified one compared with the stand-ins. A second set of stand-ins, compiled and
 * compared with the filled-in template, checks exactly that here, for every template. Where
 * the check fails, the template is built the long way instead: the sites are where a
 * compile for another set differs, and a third set checks them. The launcher keeps its addresses fresh (it draws another mapping when
 * one is not). Its pid it cannot choose: a pid equal to some other constant in the program
 * can only make libseccomp merge blocks that are identical anyway, which changes no verdict,
 * except where another rule with another action compares the same argument of the same call
 * with that very value. The policy would then be ambiguous for that pid (compiling it for
 * that pid throws ERR_SECCOMP_RULE_CONFLICT), so those pids travel with the template as
 * conflicts, and the launcher refuses to start there.
 */
import { OP, decodeInstructions, encodeProgram, type Instruction } from '../../bpf/program';
import { fillSites, findSites, fresh, shapeChanged, type Site } from '../../bpf/sites';
import { SeccompError } from '../../errors';
import { buildsExactly, buildVerified, compileFor } from '../../verified-program';
import { binding } from '../../native';
import type { Condition, Policy, Rule } from '../../policy';
import { ambiguousPids } from '../../ambiguous-pids';
import { bindSelfPid } from '../../self-pid';

/** What a site is filled with (native/launcher_protocol.h, enum launcher_site). */
export const SITE = { pid: 0, pinHigh: 1, execLow: 2, msgLow: 3, fprogLow: 4 } as const;
export type SiteKind = (typeof SITE)[keyof typeof SITE];
/** Values by site kind: [pid, upper half of the addresses, execve path low, msghdr low, fprog low]. */
export type SiteValues = readonly [number, number, number, number, number];

export { fillSites, type Site };

export interface ProgramTemplate {
  /** The program compiled with the first stand-ins (notifying when asked), host byte order. */
  bytes: Buffer;
  sites: Site[];
  /** Pids the launcher must refuse: the policy is ambiguous for them (see above). */
  conflicts: number[];
}

/** Stand-ins: pids near PID_MAX_LIMIT, addresses in the range the exec image is drawn from. */
const STAND_INS: readonly SiteValues[] = [
  [4194301, 0x5eed, 0xc0de0a10, 0xc0de0b20, 0xc0de0c30],
  [4194271, 0x6fee, 0xd0ce1a18, 0xd0ce1b28, 0xd0ce1c38],
  [4194237, 0x7aab, 0xe1f02a1c, 0xe1f02b2c, 0xe1f02c3c],
  [4194173, 0x4bcd, 0xa2b3c4d4, 0xa2b3c5e4, 0xa2b3c6f4],
  [4193911, 0x3c1d, 0x91a2b3c8, 0x91a2b4d8, 0x91a2b5e8],
];

const KILL_PROCESS = 0x80000000;
const USER_NOTIF = 0x7fc00000;

/** What a layer of the child's stack is: the policy (with the launcher's own calls allowed) or faults (exempting them). */
export type LayerKind = 'policy' | 'faults';

function address(values: SiteValues, low: SiteKind): string {
  return ((BigInt(values[SITE.pinHigh]) << 32n) | BigInt(values[low])).toString();
}

function setModeFilter(): string {
  return String(binding?.constants.SECCOMP_SET_MODE_FILTER ?? 1);
}

/**
 * The launcher's own calls after its first load, allowed by their secret addresses: the
 * execve of the program, the sendmsg that hands the listener over (or says why the exec
 * failed), the seccomp() that loads a further program; and exit_group, for its way out.
 */
export function launcherRules(values: SiteValues): Rule[] {
  return [
    { syscall: 'execve', action: 'allow', conditions: [{ arg: 0, op: 'eq', value: address(values, SITE.execLow), width: 64 }] },
    { syscall: 'sendmsg', action: 'allow', conditions: [{ arg: 1, op: 'eq', value: address(values, SITE.msgLow), width: 64 }] },
    {
      syscall: 'seccomp', action: 'allow',
      conditions: [{ arg: 0, op: 'eq', value: setModeFilter(), width: 32 }, { arg: 2, op: 'eq', value: address(values, SITE.fprogLow), width: 64 }],
    },
    { syscall: 'exit_group', action: 'allow' },
  ];
}

/** Fault rules never hit the launcher's own pinned calls. */
function exemptLauncherCalls(faults: Policy, values: SiteValues): Policy {
  const exempt: Record<string, Condition> = {
    execve: { arg: 0, op: 'ne', value: address(values, SITE.execLow), width: 64 },
    sendmsg: { arg: 1, op: 'ne', value: address(values, SITE.msgLow), width: 64 },
    seccomp: { arg: 2, op: 'ne', value: address(values, SITE.fprogLow), width: 64 },
  };
  return {
    ...faults,
    rules: faults.rules.map((r) => (exempt[r.syscall] && r.action !== 'allow'
      ? { ...r, conditions: [...(r.conditions ?? []), exempt[r.syscall]] } : r)),
  };
}

function withValues(policy: Policy, kind: LayerKind, values: SiteValues): Policy {
  const placed = kind === 'faults' ? exemptLauncherCalls(policy, values)
    : { ...policy, rules: [...policy.rules, ...launcherRules(values)] };
  return bindSelfPid(placed, values[SITE.pid]);
}

/** Runs `step`, turning a conflict with the launcher's calls into what it means. */
function explainingLauncherConflicts<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    const syscall = error instanceof SeccompError ? error.details.syscall : undefined;
    if (error instanceof SeccompError && error.code === 'ERR_SECCOMP_RULE_CONFLICT' &&
      (syscall === 'execve' || syscall === 'sendmsg' || syscall === 'seccomp' || syscall === 'exit_group')) {
      throw new SeccompError('ERR_SECCOMP_RULE_CONFLICT',
        `the policy has a rule for ${syscall} that is not "allow" and matches the call the launcher itself makes with it ` +
        '(the execve that starts the program, the sendmsg that hands the supervisor its listener, the seccomp() that ' +
        'loads a further filter, its exit_group). Those calls are allowed automatically, by secret addresses: remove the ' +
        'rule, or give it conditions that exclude them', { syscall });
    }
    throw error;
  }
}

interface Compiled { bytes: Buffer; program: Instruction[]; reshaped: readonly string[] }

/** Verified compiles by layer and policy: the check before a child starts and its template share one. */
const compiledCache = new Map<string, Compiled>();
const MAX_COMPILED = 16;

function compileWith(policy: Policy, kind: LayerKind, values: SiteValues): Compiled {
  const key = JSON.stringify([kind, values, policy.defaultAction, policy.rules]);
  const known = compiledCache.get(key);
  if (known) return known;
  const built = explainingLauncherConflicts(() => buildVerified(compileFor(withValues(policy, kind, values), { report: false })));
  const compiled = { bytes: built.bytes, program: decodeInstructions(built.bytes), reshaped: built.reshaped };
  if (compiledCache.size >= MAX_COMPILED) compiledCache.delete(compiledCache.keys().next().value!);
  compiledCache.set(key, compiled);
  return compiled;
}

/** Whether `policy` compiled for `values` (in the shape `like` was built in) is exactly `expected`. */
function compilesTo(policy: Policy, kind: LayerKind, values: SiteValues, like: Compiled, expected: Buffer): boolean {
  return explainingLauncherConflicts(() => buildsExactly(compileFor(withValues(policy, kind, values), { report: false, reshape: like.reshaped }), expected));
}

/** The JEQ instructions of `program` that compare with one of `values`, by kind. */
function sitesOf(program: readonly Instruction[], values: SiteValues): Site[] {
  const sites: Site[] = [];
  program.forEach((insn, index) => {
    const kind = insn.code === OP.JEQ_K ? values.indexOf(insn.k) : -1;
    if (kind >= 0) sites.push({ index, kind });
  });
  return sites;
}

/**
 * Checks, without loading anything, that `policy` compiles for the launcher (its own calls
 * added), so that a parent can refuse a bad policy before any child starts.
 */
export function checkLaunchPolicy(policy: Policy): void {
  ambiguousPids(policy);
  compileWith(policy, 'policy', STAND_INS[0]);
}

/** Kill-process becomes a notification: every call outside the policy goes to the supervisor. */
export function notifying(program: readonly Instruction[]): Instruction[] {
  return program.map((insn) => {
    if (insn.code === OP.RET_A) {
      throw new SeccompError('ERR_SECCOMP_NATIVE', 'the compiled program returns a computed action; it cannot be made to notify');
    }
    return insn.code === OP.RET_K && insn.k === KILL_PROCESS ? { ...insn, k: USER_NOTIF } : insn;
  });
}

/**
 * Compiles `policy` (a child's policy, or faults to stack under it) for the launcher: with
 * stand-ins, the sites found and the result checked (see the top of the file). `notify`
 * turns every kill-process verdict (the default action, kill rules, foreign architectures)
 * into a notification for the supervisor. Each compile goes through the loader's one path
 * (compileFor, exportBpf), and with it its checks.
 */
export function buildTemplate(policy: Policy, options: { kind: LayerKind; notify: boolean }): ProgramTemplate {
  const conflicts = options.kind === 'policy' ? ambiguousPids(policy) : [];
  const template = quickTemplate(policy, options.kind) ?? longTemplate(policy, options.kind);
  const bytes = options.notify ? encodeProgram(notifying(template.program)) : template.bytes;
  return { bytes, sites: template.sites, conflicts };
}

/**
 * One verified compile, its sites found by their stand-ins, and one check: the template
 * filled in with the next set is that set's compile. Undefined when the check fails.
 */
function quickTemplate(policy: Policy, kind: LayerKind): (Compiled & { sites: Site[] }) | undefined {
  const first = compileWith(policy, kind, STAND_INS[0]);
  const sites = sitesOf(first.program, STAND_INS[0]);
  if (!fresh(first.program, sites, STAND_INS[0])) return undefined;
  for (const check of STAND_INS.slice(1)) {
    if (!fresh(first.program, sites, check)) continue;
    return compilesTo(policy, kind, check, first, fillSites(first.bytes, sites, check)) ? { ...first, sites } : undefined;
  }
  return undefined;
}

/** The long way: the sites are where compiles for two sets differ, and a third set checks them. */
function longTemplate(policy: Policy, kind: LayerKind): Compiled & { sites: Site[] } {
  let disagreed = false;
  for (let base = 0; base < STAND_INS.length; base++) {
    for (let other = base + 1; other < STAND_INS.length; other++) {
      const a = compileWith(policy, kind, STAND_INS[base]);
      const b = compileWith(policy, kind, STAND_INS[other]);
      let sites: Site[];
      try {
        sites = findSites(a.program, STAND_INS[base], b.program, STAND_INS[other]);
      } catch (error) {
        // A stand-in equal to one of the policy's constants may change the shape: try others.
        if (!(error instanceof SeccompError && error.code === 'ERR_SECCOMP_NATIVE')) throw error;
        disagreed = true;
        continue;
      }
      if (!fresh(a.program, sites, STAND_INS[base]) || !fresh(b.program, sites, STAND_INS[other])) continue;
      // The check: the template filled in with a third set is that set's compile, exactly.
      for (let check = 0; check < STAND_INS.length; check++) {
        if (check === base || check === other) continue;
        const c = compileWith(policy, kind, STAND_INS[check]);
        if (!fresh(c.program, sites, STAND_INS[check])) continue;
        if (!fillSites(a.bytes, sites, STAND_INS[check]).equals(c.bytes)) throw shapeChanged();
        return { ...a, sites };
      }
    }
  }
  if (disagreed) throw shapeChanged();
  throw new SeccompError('ERR_SECCOMP_NATIVE',
    'no stand-in values were free of the policy\'s own constants, so the per-child values cannot be placed. ' +
    'This is a bug in seccomp-node; please report it with the policy');
}
