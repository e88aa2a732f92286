/**
 * OCI runtime-spec / Docker seccomp profile → {@link Policy}.
 *
 * The profile is evaluated for one target, as a container runtime would: `includes` and
 * `excludes` are decided for the architecture, capabilities and kernel given, and the
 * rules that apply become policy rules. Whatever cannot be carried over exactly is
 * resolved fail-closed and explained in `notes`.
 */
import * as os from 'node:os';
import { nativeArch, requireArch, type ArchInput, type ArchName } from '../arch';
import { compile } from '../compiler';
import { SeccompError, type SeccompErrorCode } from '../errors';
import { binding } from '../native';
import { actionToString, sameAction, type Action, type CompareOp, type Condition, type Policy, type Rule } from '../policy';
import { isSyscallName, syscallTablesKernel } from '../syscalls';
import { checkKnownKeys, type KeyList } from '../known-keys';
import { argWidth } from '../syscall-args';
import {
  ARCH_ALIASES, OCI_ARCH_MAP_KEYS, OCI_ARG_KEYS, OCI_PROFILE_KEYS, OCI_SYSCALL_KEYS, SCMP_ARCH, SCMP_CMP, U32, U64,
  restrictiveness,
} from './common';

/**
 * How wide the profile's comparisons are:
 * - 'per-argument' (default): as in policy files, C `int` arguments compare their low 32
 *   bits and the rest all 64 (seccomp-node's table of arguments). Stricter than runc: a deny
 *   rule on an `int` cannot be dodged with garbage in the register's upper half.
 * - 'runc': every comparison on all 64 bits, as runc and libseccomp apply OCI profiles.
 */
export type OciArgWidths = 'per-argument' | 'runc';

export interface OciImportOptions {
  /** Architecture the policy is for (the kernel's name or Node's, such as `x64`); default the native one. */
  arch?: ArchInput;
  /** Capabilities the process holds (`CAP_SYS_ADMIN` or `sys_admin`); default none. */
  capabilities?: string[];
  /** Kernel release for `minKernel`, e.g. "6.8.0"; default `os.release()`. */
  kernel?: string;
  /** Comparison widths; default 'per-argument' (see {@link OciArgWidths}). */
  argWidths?: OciArgWidths;
}

const IMPORT_OPTION_KEYS: KeyList<OciImportOptions> = { arch: true, capabilities: true, kernel: true, argWidths: true };
export const OCI_ARG_WIDTHS: readonly OciArgWidths[] = ['per-argument', 'runc'];

export interface OciImportResult {
  policy: Policy;
  /** What was approximated, skipped or ignored, one sentence each. */
  notes: string[];
}

interface Target { arch: ArchName; caps: Set<string>; kernel: number[] | undefined }

type Json = Record<string, unknown>;

const OPS = Object.fromEntries(Object.entries(SCMP_CMP).map(([op, name]) => [name, op as CompareOp]));
const NEGATED: Partial<Record<CompareOp, CompareOp>> = { eq: 'ne', ne: 'eq', lt: 'ge', ge: 'lt', le: 'gt', gt: 'le' };

function fail(code: SeccompErrorCode, message: string, details: Record<string, unknown> = {}): never {
  throw new SeccompError(code, `OCI seccomp profile: ${message}`, details);
}

const show = (v: unknown) => (typeof v === 'bigint' ? `${v}n` : JSON.stringify(v));

function object(input: unknown, where: string): Json {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    fail('ERR_SECCOMP_POLICY_SYNTAX', `${where} must be an object, not ${show(input)}`);
  }
  return input as Json;
}

function strings(input: unknown, where: string): string[] {
  if (input === undefined || input === null) return [];
  if (!Array.isArray(input) || !input.every((s) => typeof s === 'string')) {
    fail('ERR_SECCOMP_POLICY_SYNTAX', `${where} must be a list of strings, not ${show(input)}`);
  }
  return input;
}

const capName = (cap: string) => (cap.toUpperCase().startsWith('CAP_') ? cap : `CAP_${cap}`).toUpperCase();

/** "6.8.0-45-generic" → [6, 8, 0]; undefined when it does not start with a version. */
function kernelVersion(release: string): number[] | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

function atLeast(have: number[], want: number[]): boolean {
  for (let i = 0; i < 3; i++) if (have[i] !== want[i]) return have[i] > want[i];
  return true;
}

/** A uint64 from JSON: a safe integer, a bigint, or a decimal string (see parseOciProfile). */
function uint64(input: unknown, where: string): bigint {
  if (typeof input === 'number' && Number.isInteger(input) && !Number.isSafeInteger(input)) {
    fail('ERR_SECCOMP_VALUE_OUT_OF_RANGE', `${where} is ${input}, beyond 2^53: JSON.parse has already rounded it. ` +
      'Read the profile with parseOciProfile(), which keeps such values exact');
  }
  const ok = typeof input === 'bigint' || (typeof input === 'number' && Number.isInteger(input)) ||
    (typeof input === 'string' && /^\d+$/.test(input));
  const value = ok ? BigInt(input as bigint | number | string) : -1n;
  if (value < 0n || value > U64) {
    fail('ERR_SECCOMP_VALUE_OUT_OF_RANGE', `${where} must be an unsigned 64-bit integer, not ${show(input)}`);
  }
  return value;
}

/** The errno's name where this platform has one (readable policies), else the number. */
function errnoFor(input: unknown, where: string): string | number {
  if (typeof input !== 'number' || !Number.isInteger(input) || input < 0 || input > 4095) {
    fail('ERR_SECCOMP_UNKNOWN_ERRNO', `${where} must be an errno number (0-4095), not ${show(input)}`);
  }
  // 0 is libseccomp's SCMP_ACT_ERRNO(0): the call does not run and returns 0.
  const name = Object.entries(binding?.errnos ?? {}).find(([, n]) => n === input)?.[0];
  return name ?? input;
}

function importAction(name: unknown, errnoRet: unknown, where: string, notes: Set<string>): Action {
  if (errnoRet !== undefined && name !== 'SCMP_ACT_ERRNO') {
    notes.add(`${where}: errnoRet only applies to SCMP_ACT_ERRNO (or SCMP_ACT_TRACE) and was ignored`);
  }
  switch (name) {
    case 'SCMP_ACT_ALLOW': return 'allow';
    case 'SCMP_ACT_LOG': return 'log';
    case 'SCMP_ACT_TRAP': return 'trap';
    case 'SCMP_ACT_KILL_PROCESS': return 'kill-process';
    case 'SCMP_ACT_ERRNO': return { errno: errnoRet === undefined ? 'EPERM' : errnoFor(errnoRet, `${where} errno`) };
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      notes.add(`${name} (kills only the calling thread) was imported as kill-process: a Node process with one ` +
        'thread killed is left hung or half alive');
      return 'kill-process';
    case 'SCMP_ACT_TRACE':
    case 'SCMP_ACT_NOTIFY':
      notes.add(`${name} needs a tracer or a supervisor outside the process, which an in-process filter does ` +
        'not have; imported fail-closed as kill-process');
      return 'kill-process';
  }
  return fail('ERR_SECCOMP_INVALID_ACTION', `${where} has unknown action ${show(name)}; known: SCMP_ACT_ALLOW, ` +
    'SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_THREAD, SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP, SCMP_ACT_LOG, ' +
    'SCMP_ACT_TRACE, SCMP_ACT_NOTIFY', { action: name });
}

/** One OCI comparison, as written: 64-bit values, OCI's MASKED_EQ being `(arg & mask) == value`. */
interface OciComparison { arg: number; op: CompareOp; value: bigint; mask?: bigint; at: string }

function importArgs(input: unknown, where: string, notes: Set<string>): OciComparison[] {
  if (input === undefined || input === null) return [];
  if (!Array.isArray(input)) fail('ERR_SECCOMP_POLICY_SYNTAX', `${where} must be a list, not ${show(input)}`);
  return input.map((raw, i): OciComparison => {
    const at = `${where}[${i}]`;
    const a = object(raw, at);
    checkKnownKeys(a, OCI_ARG_KEYS, 'an OCI argument comparison', at);
    if (typeof a.index !== 'number' || !Number.isInteger(a.index) || a.index < 0 || a.index > 5) {
      fail('ERR_SECCOMP_INVALID_ARGUMENT_INDEX', `${at}.index is ${show(a.index)}: system calls have arguments 0 to 5`,
        { index: a.index });
    }
    const op = typeof a.op === 'string' ? OPS[a.op] : undefined;
    if (!op) fail('ERR_SECCOMP_POLICY_SYNTAX', `${at}.op ${show(a.op)} is unknown; known: ${Object.keys(OPS).join(', ')}`);
    const value = uint64(a.value, `${at}.value`);
    const valueTwo = a.valueTwo === undefined ? 0n : uint64(a.valueTwo, `${at}.valueTwo`);
    if (op !== 'masked-eq') {
      if (valueTwo !== 0n) notes.add(`${at}: valueTwo is only used by SCMP_CMP_MASKED_EQ and was ignored`);
      return { arg: a.index, op, value, at };
    }
    // OCI's MASKED_EQ: (arg & value) == valueTwo, where libseccomp (and so runc) first
    // masks valueTwo too; a policy's masked-eq is literal, so keep runc's meaning here.
    if ((valueTwo & ~value) !== 0n) notes.add(`${at}: valueTwo has bits outside the mask, which libseccomp ignores; so does this import`);
    return { arg: a.index, op, mask: value, value: valueTwo & value, at };
  });
}

/**
 * A 64-bit OCI value as the 32-bit value of a C `int` argument: zero-extended or
 * sign-extended (how libc may pass a negative int). Anything else has bits above an int.
 */
function int32(value: bigint): bigint | undefined {
  const high = value >> 32n;
  if (high === 0n) return value;
  if (high === U32 && (value & 0x80000000n) !== 0n) return value & U32;
  return undefined;
}

/**
 * The comparisons of one rule for `syscall`. With 'runc' widths every condition is 64-bit.
 * With 'per-argument' widths an `int` argument compares its low 32 bits, as in policy files,
 * and a value that no int can have is an error rather than a guess. A MASKED_EQ on exactly
 * the low 32 bits is a 32-bit `eq` (what toOciProfile writes for one) and reads better that way.
 */
function conditionsFor(syscall: string, comparisons: OciComparison[], widths: OciArgWidths): Condition[] {
  const conditions = comparisons.map((c): Condition => {
    let { value, mask } = c;
    let width: 32 | 64 | undefined = 64;
    if (widths === 'per-argument') {
      width = undefined; // the argument table decides, as for policy files
      if (argWidth(syscall, c.arg) === 32) {
        const narrowed = [int32(value), mask === undefined ? 0n : int32(mask)];
        if (narrowed[0] === undefined || narrowed[1] === undefined) {
          const bad = narrowed[0] === undefined ? value : mask!;
          fail('ERR_SECCOMP_VALUE_OUT_OF_RANGE', `${c.at}: 0x${bad.toString(16)} is not a 32-bit value, and argument ` +
            `${c.arg} of ${syscall} is a C int, compared on its low 32 bits (see docs/policy-files.md, "OCI / Docker JSON profiles"). ` +
            "Fix the profile, or import it with runc's 64-bit comparisons (argWidths: 'runc', --oci-widths runc)",
          { syscall, arg: c.arg, value: bad.toString() });
        }
        value = narrowed[0];
        mask = mask === undefined ? undefined : narrowed[1];
      }
    }
    const w = width === undefined ? {} : { width };
    return mask === undefined
      ? { arg: c.arg, op: c.op, value: value.toString(), ...w }
      : { arg: c.arg, op: c.op, mask: mask.toString(), value: value.toString(), ...w };
  });
  const perArg = (index: number) => conditions.filter((c) => c.arg === index).length;
  return conditions.map((c) => (c.op === 'masked-eq' && c.mask === U32.toString() && BigInt(c.value) <= U32 &&
    perArg(c.arg) === 1 ? { arg: c.arg, op: 'eq', value: c.value, width: 32 } : c));
}

/** 'yes', 'no', or why it cannot be decided. */
type Verdict = 'yes' | 'no' | string;

/** Whether every criterion (includes) or some criterion (excludes) of `filter` holds. */
function criteria(input: unknown, where: string, target: Target, all: boolean): Verdict {
  if (input === undefined || input === null) return all ? 'yes' : 'no';
  const f = object(input, where);
  const verdicts: Verdict[] = [];
  for (const [key, value] of Object.entries(f)) {
    if (key === 'arches') {
      const arches = strings(value, `${where}.arches`);
      if (arches.length) verdicts.push(arches.some((a) => ARCH_ALIASES[target.arch].includes(a)) ? 'yes' : 'no');
    } else if (key === 'caps') {
      const caps = strings(value, `${where}.caps`).map(capName);
      if (caps.length) verdicts.push((all ? caps.every((c) => target.caps.has(c)) : caps.some((c) => target.caps.has(c))) ? 'yes' : 'no');
    } else if (key === 'minKernel') {
      if (value === undefined || value === null || value === '') continue;
      const want = typeof value === 'string' ? kernelVersion(value) : undefined;
      if (!want) verdicts.push(`${where}.minKernel ${show(value)} is not a kernel version`);
      else if (!target.kernel) verdicts.push('the kernel version is unknown (pass options.kernel)');
      else verdicts.push(atLeast(target.kernel, want) ? 'yes' : 'no');
    } else {
      verdicts.push(`${where}.${key} is not understood`);
    }
  }
  const decisive = all ? 'no' : 'yes';
  if (verdicts.includes(decisive)) return decisive;
  return verdicts.find((v) => v !== 'yes' && v !== 'no') ?? (all ? 'yes' : 'no');
}

/** Whether a syscall entry applies to the target: all includes hold and no exclude does. */
function applies(entry: Json, where: string, target: Target): Verdict {
  const included = criteria(entry.includes, `${where}.includes`, target, true);
  const excluded = criteria(entry.excludes, `${where}.excludes`, target, false);
  if (included === 'no' || excluded === 'yes') return 'no';
  if (included === 'yes' && excluded === 'no') return 'yes';
  return included === 'yes' ? excluded : included;
}

function names(entry: Json, where: string): string[] {
  const list = entry.names !== undefined ? strings(entry.names, `${where}.names`) : [];
  if (entry.name !== undefined) { // the legacy Docker format: one name per entry
    if (typeof entry.name !== 'string') fail('ERR_SECCOMP_POLICY_SYNTAX', `${where}.name must be a string`);
    list.push(entry.name);
  }
  if (list.length === 0 || list.some((n) => n === '')) {
    fail('ERR_SECCOMP_POLICY_SYNTAX', `${where} names no system call: give "names": ["read", ...]`);
  }
  return list;
}

/** Covered when the profile lists no architecture (the runtime's native one) or lists the target. */
function checkArch(profile: Json, arch: ArchName): void {
  const listed = strings(profile.architectures, 'architectures');
  if (profile.archMap !== undefined && profile.archMap !== null) {
    if (!Array.isArray(profile.archMap)) fail('ERR_SECCOMP_POLICY_SYNTAX', 'archMap must be a list');
    profile.archMap.forEach((m, i) => {
      const entry = object(m, `archMap[${i}]`);
      checkKnownKeys(entry, OCI_ARCH_MAP_KEYS, 'an archMap entry', `archMap[${i}]`);
      if (typeof entry.architecture !== 'string') fail('ERR_SECCOMP_POLICY_SYNTAX', `archMap[${i}].architecture must be a string`);
      listed.push(entry.architecture, ...strings(entry.subArchitectures, `archMap[${i}].subArchitectures`));
    });
  }
  if (listed.length > 0 && !listed.includes(SCMP_ARCH[arch])) {
    fail('ERR_SECCOMP_UNKNOWN_ARCH', `the profile is for ${[...new Set(listed)].join(', ')}, which does not include ` +
      `${arch} (${SCMP_ARCH[arch]}); import it for one of those architectures or use another profile`, { arch });
  }
}

/** Names that are a system call on no architecture cannot be filtered; runtimes skip them too. */
function knownSomewhere(name: string): boolean {
  return isSyscallName(name);
}

/** The error code compile() gives these rules, or undefined when they compile. */
function compileError(rules: Rule[], defaultAction: Action, arch: ArchName): string | undefined {
  try {
    compile({ defaultAction, rules }, { arch, report: false, optimize: 2 });
    return undefined;
  } catch (error) {
    return error instanceof SeccompError ? error.code : 'unknown';
  }
}

/**
 * One syscall's rules that the compiler refuses because they overlap with different
 * actions. Each call should get the most restrictive action of the rules it matches:
 * exactly, when an unconditional rule only needs to exclude single-comparison rules that
 * are stricter; otherwise by keeping only the strictest rules (made unconditional if the
 * default would be laxer than what was dropped).
 */
function resolveConflict(syscall: string, rules: Rule[], defaultAction: Action, arch: ArchName, notes: Set<string>): Rule[] {
  const rank = (r: Rule) => restrictiveness(r.action);
  const strictest = rules.reduce((a, b) => (rank(b) > rank(a) ? b : a)).action;
  const unconditional = rules.filter((r) => !r.conditions?.length).sort((a, b) => rank(b) - rank(a))[0];
  const actions = [...new Set(rules.map((r) => `"${actionToString(r.action)}"`))].join(', ');
  if (unconditional && rank(unconditional) < restrictiveness(strictest)) {
    const stricter = rules.filter((r) => rank(r) > rank(unconditional));
    if (stricter.every((r) => r.conditions?.length === 1 && NEGATED[r.conditions[0].op])) {
      const negated = stricter.map((r) => ({ ...r.conditions![0], op: NEGATED[r.conditions![0].op]! }));
      const candidate = [{ syscall, action: unconditional.action, conditions: negated }, ...stricter];
      if (compileError(candidate, defaultAction, arch) === undefined) {
        notes.add(`${syscall}: rules with actions ${actions} overlap; "${actionToString(unconditional.action)}" now ` +
          'applies only where the stricter rules do not');
        return candidate;
      }
    }
  }
  const kept = rules.filter((r) => sameAction(r.action, strictest));
  const dropped = rules.filter((r) => !sameAction(r.action, strictest));
  const defaultIsStricter = dropped.every((r) => restrictiveness(defaultAction) >= rank(r));
  notes.add(`${syscall}: rules with actions ${actions} overlap in a way the filter cannot express; kept only the ` +
    `strictest, "${actionToString(strictest)}"` + (defaultIsStricter ? '' : ', for every call'));
  return defaultIsStricter ? kept : [{ syscall, action: strictest }];
}

export function fromOciProfile(json: unknown, options: OciImportOptions = {}): OciImportResult {
  const opts = object(options, 'options') as OciImportOptions;
  checkKnownKeys(opts, IMPORT_OPTION_KEYS, 'OCI import options');
  const widths = opts.argWidths ?? 'per-argument';
  if (!OCI_ARG_WIDTHS.includes(widths)) {
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION',
      `options.argWidths must be ${OCI_ARG_WIDTHS.map((w) => `"${w}"`).join(' or ')}, not ${show(widths)}`);
  }
  if (opts.capabilities !== undefined && (!Array.isArray(opts.capabilities) || !opts.capabilities.every((c) => typeof c === 'string'))) {
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', 'options.capabilities must be a list of names such as "CAP_NET_ADMIN"');
  }
  if (opts.kernel !== undefined && typeof opts.kernel !== 'string') {
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', 'options.kernel must be a release string such as "6.8.0"');
  }
  const arch = opts.arch === undefined ? nativeArch() : requireArch(opts.arch);
  const target: Target = { arch, caps: new Set((opts.capabilities ?? []).map(capName)), kernel: kernelVersion(opts.kernel ?? os.release()) };
  const profile = object(json, 'the profile');
  checkKnownKeys(profile, OCI_PROFILE_KEYS, 'an OCI seccomp profile');
  const notes = new Set<string>();
  checkArch(profile, arch);
  if (profile.defaultAction === undefined) fail('ERR_SECCOMP_POLICY_SYNTAX', 'defaultAction is missing');
  const defaultAction = importAction(profile.defaultAction, profile.defaultErrnoRet, 'defaultAction', notes);
  for (const key of ['flags', 'listenerPath', 'listenerMetadata']) {
    if (profile[key] !== undefined && profile[key] !== null && profile[key] !== '' &&
      !(Array.isArray(profile[key]) && (profile[key] as unknown[]).length === 0)) notes.add(`${key} is not supported and was ignored`);
  }
  if (profile.syscalls !== undefined && profile.syscalls !== null && !Array.isArray(profile.syscalls)) {
    fail('ERR_SECCOMP_POLICY_SYNTAX', 'syscalls must be a list');
  }

  const rules = new Map<string, Rule>(); // keyed by content: the same rule twice is one rule
  const unknown = new Set<string>();
  ((profile.syscalls ?? []) as unknown[]).forEach((raw, i) => {
    const where = `syscalls[${i}]`;
    const entry = object(raw, where);
    checkKnownKeys(entry, OCI_SYSCALL_KEYS, 'an OCI syscall rule', where);
    const list = names(entry, where);
    const action = importAction(entry.action, entry.errnoRet, where, notes);
    const comparisons = importArgs(entry.args, `${where}.args`, notes);
    const verdict = applies(entry, where, target);
    if (verdict === 'no') return;
    if (verdict !== 'yes') {
      // Undecidable: apply it only if it is stricter than the default, so doubt never widens.
      const keep = restrictiveness(action) > restrictiveness(defaultAction);
      notes.add(`${where} (${list.join(', ')}): ${verdict}; rule ${keep ? 'applied, being stricter than the default' : 'skipped'}`);
      if (!keep) return;
    }
    for (const syscall of list) {
      if (!knownSomewhere(syscall)) { unknown.add(syscall); continue; }
      const conditions = conditionsFor(syscall, comparisons, widths);
      const rule: Rule = { syscall, action, ...(conditions.length ? { conditions } : {}) };
      rules.set(JSON.stringify(rule), rule);
    }
  });
  if (unknown.size) notes.add(`skipped, being no system call on any architecture (Linux ${syscallTablesKernel}): ${[...unknown].join(', ')}`);

  const bySyscall = new Map<string, Rule[]>();
  for (const rule of rules.values()) bySyscall.set(rule.syscall, [...(bySyscall.get(rule.syscall) ?? []), rule]);
  const out: Rule[] = [];
  for (const [syscall, list] of bySyscall) {
    const conflict = new Set(list.map((r) => actionToString(r.action))).size > 1 &&
      compileError(list, defaultAction, arch) === 'ERR_SECCOMP_RULE_CONFLICT';
    out.push(...(conflict ? resolveConflict(syscall, list, defaultAction, arch, notes) : list));
  }
  return { policy: { defaultAction, rules: out }, notes: [...notes] };
}
