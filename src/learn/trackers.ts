/**
 * The arguments learn mode looks at, one tracker per system call. A tracker sorts each
 * observed call into a class (a thread or a process for clone, the request for ioctl, the
 * access mode for openat...), writes a policy-file expression for each class, and reads
 * such expressions back (to merge into an existing policy, and to tell whether a group's
 * rule allows more than was seen). Calls without a tracker are allowed unconditionally.
 *
 * The classes are the ones the built-in groups use, so that a learned policy and the
 * groups speak the same language: `arg0 & CLONE_THREAD|CLONE_NEW... == CLONE_THREAD` is
 * exactly @node's clone rule.
 */
import { binding } from '../native';
import { holdsAt } from '../conditions';
import type { Condition } from '../policy';
import { argWidth } from '../syscall-args';
import { isSelfPid } from '../self-pid';

export type Args = readonly (bigint | undefined)[];

export interface Complement {
  /** Appended to the rule line (`; return ENOTTY`): the parser adds the negation. */
  suffix?: string;
  /** Extra rule lines. */
  lines?: string[];
}

export interface Tracker {
  syscall: string;
  /** What it checks, in words (for the policy header). */
  what: string;
  /** The class of a call; undefined when its arguments could not be read (the call is then allowed whatever they are). */
  classify(args: Args): string | undefined;
  /** The policy-file expression that allows the class. */
  expression(key: string): string;
  /** A call of the class, to test other rules against. */
  sample(key: string): bigint[];
  /** The classes a rule's conditions allow, when they are exactly a union of classes. */
  keysOf(conditions: readonly Condition[]): string[] | undefined;
  /** When there are finitely many classes: all of them (seeing them all means "any"). */
  allKeys?: readonly string[];
  /** What to do with calls of classes that were not seen, instead of killing. */
  complement?(seen: readonly string[]): Complement | undefined;
  /** An errno rule this tracker's complement writes (dropped and rewritten on merge). */
  complementErrno?: string;
}

function constant(name: string): bigint {
  const value = binding?.constants[name];
  if (value === undefined) throw new Error(`constant ${name} is not known on this platform`);
  return BigInt(value);
}

/** The first constant among `names` (or with one of `prefixes`) equal to `value`; else hex. */
function nameOf(value: bigint, options: { names?: readonly string[]; prefixes?: readonly string[] }): string {
  const constants = binding?.constants ?? {};
  for (const [name, v] of Object.entries(constants)) {
    const listed = options.names?.includes(name) || options.prefixes?.some((p) => name.startsWith(p));
    if (listed && BigInt(v) === value) return name;
  }
  return value < 10n ? value.toString() : `0x${value.toString(16)}`;
}

const U32 = 0xffffffffn;
const low32 = (v: bigint) => v & U32;

function only(conditions: readonly Condition[], count: number): boolean { return conditions.length === count; }
function value(c: Condition, syscall: string): bigint {
  return BigInt.asUintN(c.width ?? argWidth(syscall, c.arg), BigInt(c.value));
}
function mask(c: Condition, syscall: string): bigint {
  return BigInt.asUintN(c.width ?? argWidth(syscall, c.arg), BigInt(c.mask ?? '0'));
}

/** `argN == NAME` for one int argument; the key is the decimal value of its low 32 bits. */
function equalityTracker(syscall: string, arg: number, what: string, names: { names?: readonly string[]; prefixes?: readonly string[] },
  complementErrno?: string): Tracker {
  return {
    syscall,
    what,
    classify: (args) => (args[arg] === undefined ? undefined : low32(args[arg]!).toString()),
    expression: (key) => `arg${arg} == ${nameOf(BigInt(key), names)}`,
    sample: (key) => Object.assign(new Array<bigint>(arg + 1).fill(0n), { [arg]: BigInt(key) }),
    keysOf: (conditions) => (only(conditions, 1) && conditions[0].arg === arg && conditions[0].op === 'eq'
      ? [low32(value(conditions[0], syscall)).toString()] : undefined),
    ...(complementErrno ? { complement: () => ({ suffix: `; return ${complementErrno}` }), complementErrno } : {}),
  };
}

let cache: Map<string, Tracker> | undefined;

function build(): Map<string, Tracker> {
  const CLONE_THREAD = constant('CLONE_THREAD');
  const NS_NAMES = ['CLONE_NEWNS', 'CLONE_NEWCGROUP', 'CLONE_NEWUTS', 'CLONE_NEWIPC', 'CLONE_NEWUSER', 'CLONE_NEWPID', 'CLONE_NEWNET'];
  const NS = NS_NAMES.reduce((m, n) => m | constant(n), 0n);
  const NS_TEXT = NS_NAMES.join('|');
  const cloneSamples: Record<string, bigint> = {
    // glibc's pthread_create and fork
    thread: ['CLONE_VM', 'CLONE_FS', 'CLONE_FILES', 'CLONE_SIGHAND', 'CLONE_THREAD', 'CLONE_SYSVSEM', 'CLONE_SETTLS',
      'CLONE_PARENT_SETTID', 'CLONE_CHILD_CLEARTID'].reduce((m, n) => m | constant(n), 0n),
    process: constant('CLONE_CHILD_SETTID') | constant('CLONE_CHILD_CLEARTID') | constant('SIGCHLD'),
  };
  const clone: Tracker = {
    syscall: 'clone',
    what: 'clone flags: a thread, a process, or new namespaces (exact flags)',
    classify: (args) => {
      const flags = args[0];
      if (flags === undefined) return undefined;
      if ((flags & NS) !== 0n) return `exact:${flags.toString()}`;
      return (flags & CLONE_THREAD) !== 0n ? 'thread' : 'process';
    },
    expression: (key) => (key === 'thread' ? `arg0 & CLONE_THREAD|${NS_TEXT} == CLONE_THREAD`
      : key === 'process' ? `arg0 & CLONE_THREAD|${NS_TEXT} == 0`
        : `arg0 == 0x${BigInt(key.slice('exact:'.length)).toString(16)}`),
    sample: (key) => [cloneSamples[key] ?? BigInt(key.slice('exact:'.length))],
    keysOf: (conditions) => {
      if (!only(conditions, 1) || conditions[0].arg !== 0) return undefined;
      const c = conditions[0];
      if (c.op === 'eq') return [`exact:${value(c, 'clone').toString()}`];
      if (c.op !== 'masked-eq') return undefined;
      const m = mask(c, 'clone');
      const v = value(c, 'clone');
      if (m === (CLONE_THREAD | NS)) return v === CLONE_THREAD ? ['thread'] : v === 0n ? ['process'] : undefined;
      if (m === NS && v === 0n) return ['thread', 'process'];
      return undefined;
    },
  };

  const SOCK_TYPES = ['SOCK_STREAM', 'SOCK_DGRAM', 'SOCK_RAW', 'SOCK_SEQPACKET', 'SOCK_RDM', 'SOCK_PACKET'];
  const families = (seen: readonly string[]) => [...new Set(seen.map((k) => BigInt(k.split('/')[0])))];
  const socket: Tracker = {
    syscall: 'socket',
    what: 'socket family and type',
    classify: (args) => (args[0] === undefined || args[1] === undefined ? undefined : `${low32(args[0])}/${args[1] & 0xfn}`),
    expression: (key) => {
      const [family, type] = key.split('/').map(BigInt);
      return `arg0 == ${nameOf(family, { prefixes: ['AF_'] })} && arg1 & 0xf == ${nameOf(type, { names: SOCK_TYPES })}`;
    },
    sample: (key) => key.split('/').map(BigInt),
    keysOf: (conditions) => {
      if (!only(conditions, 2)) return undefined;
      const family = conditions.find((c) => c.arg === 0 && c.op === 'eq');
      const type = conditions.find((c) => c.arg === 1 && c.op === 'masked-eq' && mask(c, 'socket') === 0xfn);
      return family && type ? [`${low32(value(family, 'socket'))}/${value(type, 'socket')}`] : undefined;
    },
    // Families never seen fail as unsupported (glibc and libuv probe and fall back), as in @net-client.
    complement: (seen) => ({
      lines: [`socket: ${families(seen).map((f) => `arg0 != ${nameOf(f, { prefixes: ['AF_'] })}`).join(' && ')} => errno EAFNOSUPPORT`],
    }),
    complementErrno: 'EAFNOSUPPORT',
  };

  const OPEN_MASK = constant('O_ACCMODE') | constant('O_CREAT') | constant('O_TRUNC');
  const openFlags = (v: bigint) => {
    const access = v & constant('O_ACCMODE');
    const words = [nameOf(access, { names: ['O_RDONLY', 'O_WRONLY', 'O_RDWR'] })];
    if (v & constant('O_CREAT')) words.push('O_CREAT');
    if (v & constant('O_TRUNC')) words.push('O_TRUNC');
    return words.join('|');
  };
  const openTracker = (syscall: string, arg: number): Tracker => ({
    syscall,
    what: `${syscall} access mode, O_CREAT and O_TRUNC`,
    classify: (args) => (args[arg] === undefined ? undefined : (args[arg]! & OPEN_MASK).toString()),
    expression: (key) => `arg${arg} & O_ACCMODE|O_CREAT|O_TRUNC == ${openFlags(BigInt(key))}`,
    sample: (key) => Object.assign(new Array<bigint>(arg + 1).fill(0n), { [arg]: BigInt(key) }),
    keysOf: (conditions) => (only(conditions, 1) && conditions[0].arg === arg && conditions[0].op === 'masked-eq' &&
      mask(conditions[0], syscall) === OPEN_MASK ? [value(conditions[0], syscall).toString()] : undefined),
  });

  const PROT_EXEC = constant('PROT_EXEC');
  const protTracker = (syscall: string): Tracker => ({
    syscall,
    what: `${syscall} with or without PROT_EXEC`,
    classify: (args) => (args[2] === undefined ? undefined : (args[2]! & PROT_EXEC) !== 0n ? 'exec' : 'noexec'),
    expression: (key) => `arg2 & PROT_EXEC == ${key === 'exec' ? 'PROT_EXEC' : '0'}`,
    sample: (key) => [0n, 0x1000n, key === 'exec' ? PROT_EXEC | 1n : 3n],
    keysOf: (conditions) => {
      if (!only(conditions, 1) || conditions[0].arg !== 2 || conditions[0].op !== 'masked-eq' || mask(conditions[0], syscall) !== PROT_EXEC) return undefined;
      return [value(conditions[0], syscall) === 0n ? 'noexec' : 'exec'];
    },
    allKeys: ['exec', 'noexec'],
  });

  const SIGSYS = constant('SIGSYS');
  const rtSigaction: Tracker = {
    syscall: 'rt_sigaction',
    what: 'rt_sigaction: replacing the SIGSYS handler (the violation report) or not',
    classify: (args) => {
      if (args[0] === undefined) return undefined;
      if (low32(args[0]) !== SIGSYS) return 'other';
      if (args[1] === undefined) return undefined;
      return args[1] === 0n ? 'sigsys-read' : 'sigsys-set';
    },
    expression: (key) => (key === 'other' ? 'arg0 != SIGSYS' : key === 'sigsys-read' ? 'arg0 == SIGSYS && arg1 == 0' : 'arg0 == SIGSYS && arg1 != 0'),
    sample: (key) => (key === 'other' ? [2n, 0x1000n] : [SIGSYS, key === 'sigsys-read' ? 0n : 0x1000n]),
    keysOf: (conditions) => {
      const sig = conditions.find((c) => c.arg === 0);
      const act = conditions.find((c) => c.arg === 1);
      if (!sig || low32(value(sig, 'rt_sigaction')) !== SIGSYS || conditions.length !== (act ? 2 : 1)) return undefined;
      if (!act) return sig.op === 'ne' ? ['other'] : undefined;
      if (sig.op !== 'eq' || value(act, 'rt_sigaction') !== 0n) return undefined;
      return act.op === 'eq' ? ['sigsys-read'] : act.op === 'ne' ? ['sigsys-set'] : undefined;
    },
    allKeys: ['other', 'sigsys-read', 'sigsys-set'],
    // Like @node: a JS listener for SIGSYS would swallow violations, so replacing the handler fails.
    complement: (seen) => (seen.includes('sigsys-set') ? undefined : { lines: ['rt_sigaction: arg0 == SIGSYS && arg1 != 0 => errno EPERM'] }),
    complementErrno: 'EPERM',
  };

  const prlimit: Tracker = {
    syscall: 'prlimit64',
    what: 'prlimit64 reading or also setting a limit',
    classify: (args) => (args[2] === undefined ? undefined : args[2] === 0n ? 'read' : 'set'),
    expression: (key) => (key === 'read' ? 'arg2 == 0' : 'arg2 != 0'),
    sample: (key) => [0n, 7n, key === 'read' ? 0n : 0x1000n],
    keysOf: (conditions) => (only(conditions, 1) && conditions[0].arg === 2 && value(conditions[0], 'prlimit64') === 0n
      ? conditions[0].op === 'eq' ? ['read'] : conditions[0].op === 'ne' ? ['set'] : undefined : undefined),
    allKeys: ['read', 'set'],
  };

  // F_SETOWN/F_SETOWN_EX make the kernel signal another process; @node answers them with EPERM.
  const setown = [constant('F_SETOWN'), constant('F_SETOWN_EX')];
  const fcntl: Tracker = {
    syscall: 'fcntl',
    what: 'fcntl setting a signal owner (F_SETOWN) or not',
    classify: (args) => (args[1] === undefined ? undefined : setown.includes(low32(args[1])) ? 'owner' : 'other'),
    expression: (key) => (key === 'owner' ? 'arg1 == F_SETOWN || arg1 == F_SETOWN_EX' : 'arg1 != F_SETOWN && arg1 != F_SETOWN_EX'),
    sample: (key) => [3n, key === 'owner' ? setown[0] : constant('F_GETFL')],
    keysOf: (conditions) => {
      if (!conditions.every((c) => c.arg === 1 && (c.op === 'eq' || c.op === 'ne'))) return undefined;
      const values = conditions.map((c) => low32(value(c, 'fcntl')));
      if (values.length !== 2 || !setown.every((v) => values.includes(v))) return undefined;
      return conditions.every((c) => c.op === 'ne') ? ['other'] : undefined;
    },
    allKeys: ['owner', 'other'],
    complement: (seen) => (seen.includes('owner') ? undefined : { suffix: '; return EPERM' }),
    complementErrno: 'EPERM',
  };

  const trackers: Tracker[] = [
    clone, socket, fcntl,
    equalityTracker('socketpair', 0, 'socketpair family', { prefixes: ['AF_'] }),
    equalityTracker('ioctl', 1, 'ioctl request', { prefixes: ['FIO', 'TC', 'TIOC'] }, 'ENOTTY'),
    equalityTracker('prctl', 0, 'prctl option', { prefixes: ['PR_'] }, 'EPERM'),
    equalityTracker('seccomp', 0, 'seccomp operation', { prefixes: ['SECCOMP_'] }),
    openTracker('openat', 2), openTracker('open', 1),
    protTracker('mmap'), protTracker('mprotect'), protTracker('pkey_mprotect'),
    rtSigaction, prlimit,
  ];
  return new Map(trackers.map((t) => [t.syscall, t]));
}

/** The tracker for `syscall`, if its arguments are checked. */
export function tracker(syscall: string): Tracker | undefined {
  cache ??= build();
  return cache.get(syscall);
}

/** All trackers. */
export function trackers(): Tracker[] {
  cache ??= build();
  return [...cache.values()];
}

/** Whether `condition` holds for `args` of `syscall` (undefined when the argument is unknown). */
export function conditionHolds(syscall: string, c: Condition, args: Args): boolean | undefined {
  const raw = args[c.arg];
  // `$pid` is the pid of whichever process loads the policy: unknown from a sample alone.
  if (raw === undefined || isSelfPid(c.value)) return undefined;
  return holdsAt(c, raw, c.width ?? argWidth(syscall, c.arg));
}

/** Whether all of a rule's conditions hold (undefined when that depends on unknown arguments). */
export function conditionsHold(syscall: string, conditions: readonly Condition[] | undefined, args: Args): boolean | undefined {
  let unknown = false;
  for (const c of conditions ?? []) {
    const holds = conditionHolds(syscall, c, args);
    if (holds === false) return false;
    if (holds === undefined) unknown = true;
  }
  return unknown ? undefined : true;
}
