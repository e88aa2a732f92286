/**
 * {@link Policy} → OCI runtime-spec / Docker seccomp profile, for running the same
 * allowlist under a container runtime.
 */
import { nativeArch, requireArch, type ArchInput, type ArchName } from '../arch';
import { compile, errnoNumber } from '../compiler';
import { checkPolicy } from '../policy';
import { sameAction, type Action, type Policy, type Rule } from '../policy';
import { resolveSyscall } from '../syscalls';
import { SeccompError } from '../errors';
import { bindForExport } from '../self-pid';
import { checkKnownKeys, type KeyList } from '../known-keys';
import { MASKED_EQ, NATIVE_OPS, SCMP_ARCH, jsonInteger, type OciArg, type OciProfile, type OciSyscall } from './common';

export interface OciExportOptions {
  /** Architectures to list in `architectures` (the kernel's names or Node's); default the native one. */
  arches?: ArchInput[];
  /**
   * The pid `$pid` stands for (the process that will load the filter): needed when the policy
   * compares with it, as `@node` does. A container's first process often has pid 1 in its
   * own pid namespace.
   */
  pid?: number;
}

export interface OciExportResult {
  /** May hold bigints (values beyond 2^53): write it with {@link stringifyOciProfile}. */
  profile: OciProfile;
  /** Where the profile differs from the policy, one sentence each. */
  notes: string[];
}

function exportAction(action: Action): { action: string; errnoRet?: number } {
  if (typeof action === 'object') return { action: 'SCMP_ACT_ERRNO', errnoRet: errnoNumber(action.errno) };
  return { action: { allow: 'SCMP_ACT_ALLOW', log: 'SCMP_ACT_LOG', trap: 'SCMP_ACT_TRAP', 'kill-process': 'SCMP_ACT_KILL_PROCESS' }[action] };
}

/**
 * A rule's conditions as alternatives (OR) of OCI `args` lists (AND), taken from the
 * compiler. OCI args are libseccomp's comparisons, exactly what the compiler emits, so the
 * profile holds the very comparisons our own filter would: 32-bit (`int`) conditions are
 * masked comparisons of the low half, never plain 64-bit ones that upper-half garbage
 * could dodge. The price is size: a 32-bit `ne` becomes up to 32 masked alternatives.
 * Comparisons do not depend on the architecture, so any one where the call exists will do.
 */
function exportConditions(rule: Rule, arch: ArchName): OciArg[][] {
  if (!rule.conditions?.length) return [[]];
  const where = resolveSyscall(rule.syscall, arch);
  const other: Action = sameAction(rule.action, 'allow') ? 'kill-process' : 'allow';
  const compiled = compile({ defaultAction: other, rules: [rule] },
    { arch: where.kind === 'present' ? arch : where.arches[0], report: false, optimize: 2 });
  return compiled.spec.rules.map((native) => native.conditions.map((c) => ({
    index: c.arg, value: jsonInteger(c.a), ...(c.op === MASKED_EQ ? { valueTwo: jsonInteger(c.b) } : {}), op: NATIVE_OPS[c.op],
  })));
}

/** JSON for grouping keys; bigints included. */
const key = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));

const EXPORT_OPTION_KEYS: KeyList<OciExportOptions> = { arches: true, pid: true };

export function toOciProfile(policy: Policy, options: OciExportOptions = {}): OciExportResult {
  checkKnownKeys(options, EXPORT_OPTION_KEYS, 'OCI export options');
  const checked = bindForExport(checkPolicy(policy), options.pid, 'the pid option (toOciProfile(policy, { pid }))');
  if (options.arches !== undefined && (!Array.isArray(options.arches) || options.arches.length === 0)) {
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', 'options.arches must be a non-empty list such as ["x86_64", "aarch64"]');
  }
  const arches = (options.arches ?? [nativeArch()]).map((a) => requireArch(a));
  const notes = new Set<string>();
  const def = exportAction(checked.defaultAction);

  // Rules with the same action and the same comparisons share one entry.
  const groups = new Map<string, OciSyscall>();
  for (const rule of checked.rules) {
    const action = exportAction(rule.action);
    const alternatives = exportConditions(rule, arches[0]);
    if (alternatives.length === 0) notes.add(`${rule.syscall}: a rule whose conditions contradict each other matches nothing and was left out`);
    for (const args of alternatives) {
      const k = key([action, args]); // by errno number: ENOSYS and 38 are one group
      const group = groups.get(k) ?? { names: [], ...action, ...(args.length ? { args } : {}) };
      if (!group.names.includes(rule.syscall)) group.names.push(rule.syscall);
      groups.set(k, group);
    }
  }
  for (const group of groups.values()) group.names.sort();
  if (checked.landlock?.fs || checked.landlock?.net) {
    notes.add('the Landlock rules (fs, net) have no place in an OCI seccomp profile and were left out; ' +
      'a container runtime would need them from another mechanism');
  }

  const profile: OciProfile = {
    defaultAction: def.action,
    ...(def.errnoRet === undefined ? {} : { defaultErrnoRet: def.errnoRet }),
    architectures: [...new Set(arches.map((a) => SCMP_ARCH[a]))],
    syscalls: [...groups.values()],
  };
  return { profile, notes: [...notes] };
}

const BIG = '\u0000oci-uint64:';

/**
 * JSON text for a profile, with uint64 values beyond 2^53 written as exact integer
 * literals (JSON.stringify refuses bigints). Such literals are valid JSON, but JSON.parse
 * rounds them: read them back with {@link parseOciProfile}.
 */
export function stringifyOciProfile(profile: unknown, space: number | string = 2): string {
  const text = JSON.stringify(profile, (_k, v: unknown) => (typeof v === 'bigint' ? BIG + v.toString() : v), space);
  return text.replace(/"\\u0000oci-uint64:(\d+)"/g, '$1');
}

/**
 * JSON.parse for profiles that keeps integers beyond 2^53 exact, as decimal strings
 * (fromOciProfile accepts those); plain JSON.parse would round them silently.
 */
export function parseOciProfile(text: string): unknown {
  // Strings are matched first so that digits inside them are left alone.
  const exact = text.replace(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g, (token) =>
    /^-?\d+$/.test(token) && !Number.isSafeInteger(Number(token)) ? `"${token}"` : token);
  return JSON.parse(exact);
}
