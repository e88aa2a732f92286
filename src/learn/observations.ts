/**
 * What a program was seen doing: for each system call, how often, and (for calls whose
 * arguments are tracked) which classes of arguments. Built from an strace log, or from an
 * existing policy (to merge a new run into it).
 */
import type { ArchName } from '../arch';
import { syscallName, syscallNumber } from '../syscalls';
import { emptyAccess, mergeAccess, recordAccess, type AccessObservations } from './landlock';
import { OWN_CALLS_BEGIN, OWN_CALLS_END } from '../own-calls';
import type { ParsedTrace, TracedCall } from './strace';
import { tracker, type Args } from './trackers';

export interface ClassUsage {
  count: number;
  /** The arguments of the first call of this class (or a representative one). */
  sample: Args;
}

export interface SyscallUsage {
  name: string;
  /** Calls that reached the kernel (not counting those strace answered itself). */
  count: number;
  /** Calls strace answered with ENOSYS (-e inject). */
  injected: number;
  /** Allowed whatever the arguments: untracked, arguments unreadable, or an unconditional rule merged in. */
  any: boolean;
  /** Tracked argument classes. */
  classes: Map<string, ClassUsage>;
  /** Also allowed by the policy this run was merged into. */
  earlier: boolean;
}

export interface Observations {
  arch: ArchName;
  syscalls: Map<string, SyscallUsage>;
  /** Calls counted. */
  calls: number;
  /** Threads and processes seen. */
  threads: number;
  /** Names libseccomp does not know on this architecture (cannot be in a filter). */
  unknown: Map<string, number>;
  /** Notes for the header (a skipped execve, foreign ABIs...). */
  notes: string[];
  /** Paths and TCP ports touched, for the Landlock proposal. */
  access: AccessObservations;
  /** libseccomp's probes seen (LIBSECCOMP_PROBES), by system call: answered in the policy, not allowed. */
  probes: Map<string, number>;
}

export function emptyObservations(arch: ArchName): Observations {
  return { arch, syscalls: new Map(), calls: 0, threads: 0, unknown: new Map(), notes: [], access: emptyAccess(), probes: new Map() };
}

export function usage(o: Observations, name: string): SyscallUsage {
  let u = o.syscalls.get(name);
  if (!u) {
    u = { name, count: 0, injected: 0, any: false, classes: new Map(), earlier: false };
    o.syscalls.set(name, u);
  }
  return u;
}

/** The kernel's name of what strace printed (`syscall_0x1b6` becomes a name when the tables know the number). */
function canonicalName(name: string, arch: ArchName): string | undefined {
  const numbered = /^syscall_(0x[0-9a-f]+|\d+)$/i.exec(name);
  if (numbered) return syscallName(Number(numbered[1]), arch);
  return syscallNumber(name, arch) !== undefined ? name : undefined;
}

/** Records one call. */
export function record(o: Observations, name: string, args: Args, injected = false, count = 1): void {
  const u = usage(o, name);
  if (injected) {
    u.injected += count;
    return;
  }
  u.count += count;
  const t = tracker(name);
  const key = t?.classify(args);
  if (!t || key === undefined) {
    u.any = true;
    return;
  }
  const c = u.classes.get(key);
  if (c) c.count += count;
  else u.classes.set(key, { count, sample: [...args] });
}

export interface ObserveOptions {
  arch: ArchName;
  /** Leave out the first execve of this pid: the one that starts the program, which `run` allows itself. */
  skipFirstExecveOf?: number;
  /** Calls to leave out (the learner's own). */
  ignore?: (call: TracedCall) => boolean;
}

/**
 * What seccomp-node itself does and a policy must not be learned from:
 * - calls a thread makes between the library's markers (src/own-calls.ts: `status()`'s
 *   /proc reads while in-process learning watches, which never happen once locked down);
 * - libseccomp's probe of the seccomp() call, strict mode with a flag the kernel refuses
 *   with EINVAL (made once, the first time the library asks libseccomp anything). It is
 *   answered, not allowed: with the EINVAL the probe expects, which @node's rule gives and
 *   the policy otherwise gets in a line of its own (LIBSECCOMP_PROBES).
 */
function ownCalls(): (call: TracedCall) => 'marker' | 'own' | 'probe' | undefined {
  const depth = new Map<number, number>();
  return (call) => {
    const fd = call.name === 'close' ? call.args[0] : undefined;
    if (fd === BigInt(OWN_CALLS_BEGIN)) { depth.set(call.pid, (depth.get(call.pid) ?? 0) + 1); return 'marker'; }
    if (fd === BigInt(OWN_CALLS_END)) { depth.set(call.pid, Math.max(0, (depth.get(call.pid) ?? 0) - 1)); return 'marker'; }
    if ((depth.get(call.pid) ?? 0) > 0) return 'own';
    return LIBSECCOMP_PROBES.some((p) => p.syscall === call.name && p.args.every((a, i) => call.args[i] === a)) ? 'probe' : undefined;
  };
}

/**
 * libseccomp's probes of the kernel that get an error by design, and the rule that gives a
 * policy the same answer (what `@node` writes for it).
 */
export const LIBSECCOMP_PROBES = [{
  syscall: 'seccomp', args: [0n, 1n, 0n],
  rule: 'seccomp: arg0 == SECCOMP_SET_MODE_STRICT => errno EINVAL',
  why: 'libseccomp probes the seccomp() call with strict mode and a flag the kernel refuses (EINVAL)',
}] as const;

/** Observations from a parsed strace log. */
export function observe(trace: ParsedTrace, options: ObserveOptions, into = emptyObservations(options.arch)): Observations {
  const o = into;
  const own = ownCalls();
  let ownCount = 0;
  let skipExecve = options.skipFirstExecveOf;
  const foreign = new Set<number>();
  for (const line of trace.personalities) {
    const m = /PID=(\d+)/.exec(line);
    if (m) foreign.add(Number(m[1]));
  }
  if (foreign.size) {
    o.notes.push(`processes ${[...foreign].join(', ')} switched to another ABI (32-bit or x32): their calls were not learned, ` +
      'and seccomp-node kills such calls anyway');
  }
  for (const call of trace.calls) {
    if (foreign.has(call.pid)) continue;
    if (options.ignore?.(call)) continue;
    const library = own(call);
    if (library === 'probe') o.probes.set(call.name, (o.probes.get(call.name) ?? 0) + 1);
    if (library === 'own') ownCount++;
    if (library) continue;
    if (skipExecve !== undefined && call.pid === skipExecve && call.name === 'execve') {
      skipExecve = undefined;
      o.notes.push('the execve that starts the program is not listed: `seccomp-node run` allows that one call itself');
      continue;
    }
    const name = canonicalName(call.name, o.arch);
    if (!name) {
      o.unknown.set(call.name, (o.unknown.get(call.name) ?? 0) + 1);
      continue;
    }
    o.calls++;
    record(o, name, call.args, call.injected);
    if (call.decoded) recordAccess(o.access, name, call.decoded.args, call.decoded.ok, call.decoded.inProgress);
  }
  if (ownCount > 0) {
    o.notes.push(`${ownCount} calls seccomp-node made for itself while learning watched (status() reading /proc) are not ` +
      'listed: once a filter is in force, status() makes none of them');
  }
  o.threads += trace.pids.size;
  return o;
}

/** Adds `b` to `a` (counts add up; classes join). */
export function mergeObservations(a: Observations, b: Observations): Observations {
  for (const u of b.syscalls.values()) {
    const into = usage(a, u.name);
    into.count += u.count;
    into.injected += u.injected;
    into.any ||= u.any;
    into.earlier ||= u.earlier;
    for (const [key, c] of u.classes) {
      const existing = into.classes.get(key);
      if (existing) existing.count += c.count;
      else into.classes.set(key, { count: c.count, sample: c.sample });
    }
  }
  a.calls += b.calls;
  a.threads += b.threads;
  for (const [name, n] of b.unknown) a.unknown.set(name, (a.unknown.get(name) ?? 0) + n);
  for (const [name, n] of b.probes) a.probes.set(name, (a.probes.get(name) ?? 0) + n);
  a.notes.push(...b.notes.filter((n) => !a.notes.includes(n)));
  mergeAccess(a.access, b.access);
  return a;
}
