'use strict';
/**
 * Random policies and calls for the compiler fuzzer (scripts/fuzz.js, test/verify/fuzz.test.ts).
 * Plain data, no dependency on the package: the same generator serves lib/ and src/.
 *
 * A policy has a few syscalls, each with several rules of several comparisons: every
 * operator, explicit and table widths, masks, negative values, values at the 32-bit and
 * 64-bit boundaries. Rules with the same action overlap freely; rules with different
 * actions are made exclusive (a distinct value, range or bit pattern of a shared argument),
 * as a policy must be, and now and then not, to exercise the conflict check.
 */

/** A small deterministic generator (xorshift32), so that a failing case can be replayed. */
function prng(seed) {
  let s = (seed >>> 0) || 0x9e3779b9;
  const next = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
    u32: () => BigInt(Math.floor(next() * 2 ** 32)),
    u64: () => (BigInt(Math.floor(next() * 2 ** 32)) << 32n) | BigInt(Math.floor(next() * 2 ** 32)),
  };
}

const U32 = 0xffffffffn;
const U64 = (1n << 64n) - 1n;

/** Syscalls with known argument widths (i: int, l: 64-bit), from src/syscall-args.ts. */
const SYSCALLS = {
  lseek: 'ili', socket: 'iii', mmap: 'lliiil', prctl: 'illll', ioctl: 'iil', fcntl: 'iil',
  clone: 'lllll', getpriority: 'ii', flock: 'ii', mprotect: 'lli', futex: 'liilll', kill: 'ii',
  openat: 'ilii', madvise: 'lli', getrandom: 'lli', personality: 'i',
};
/**
 * For the kernel replay: calls a child can make with any arguments (descriptors forced
 * invalid), and that Node itself does not make, so that a random rule on them cannot
 * break the child's own runtime (as one on fcntl or close would).
 */
const HARMLESS = {
  lseek: 'ili', flock: 'ii', getpriority: 'ii', getpgid: 'l', getsid: 'l', sched_getscheduler: 'l',
};
const WIDTHS = { ...SYSCALLS, ...HARMLESS };
/** Exist on other architectures only (on x86_64): the compiler skips them. */
const ELSEWHERE = ['socketcall', 'ipc', '_llseek'];
const ERRNOS = ['EPERM', 'EACCES', 'ENOSYS', 'EINVAL', 5, 22, 4094];
const OPS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'masked-eq'];
// Big-endian s390x is left out: libseccomp builds only for this machine's byte order.
const ARCHES = ['x86_64', 'x86_64', 'x86_64', 'x86_64', 'aarch64', 'riscv64', 'ppc64le', 'i386', 'arm'];

function boundaries(width) {
  const common = [0n, 1n, 2n, 3n, 7n, 8n, 31n, 100n, 255n, 256n, 0x7fffffffn, 0x80000000n, 0xfffffffen, U32];
  return width === 32 ? common
    : [...common, 0x100000000n, 0x100000001n, 0x1ffffffffn, 0x200000000n, 0xdeadbeef00000000n, 0x7fffffffffffffffn,
      0x8000000000000000n, U64 - 1n, U64];
}

/**
 * A value for a comparison at `width`: boundaries, small numbers, negatives, random bits.
 * A range below or above a value with many bits set expands to many masked blocks, so
 * fully random values are kept rare (they are also what `too large` refusals are made of).
 */
function value(r, width) {
  const roll = r.next();
  if (roll < 0.45) return r.pick(boundaries(width));
  if (roll < 0.65) return BigInt(r.int(64));
  if (roll < 0.75) return -BigInt(1 + r.int(200)); // two's complement at the width
  if (roll < 0.9) return BigInt(1 + r.int(255)) << BigInt(r.int(width - 8)); // a few bits anywhere
  return width === 32 ? r.u32() : r.u64();
}

function mask(r, width) {
  const max = width === 32 ? U32 : U64;
  const roll = r.next();
  if (roll < 0.3) return BigInt(1 + r.int(255)) << BigInt(r.int(width - 8));
  if (roll < 0.5) return (1n << BigInt(1 + r.int(width))) - 1n; // low bits
  if (roll < 0.6) return max;
  if (roll < 0.7) return max ^ ((1n << BigInt(r.int(width))) - 1n); // high bits
  return (width === 32 ? r.u32() : r.u64()) & max;
}

function widthOf(syscall, arg, explicit) {
  if (explicit) return explicit;
  return WIDTHS[syscall]?.[arg] === 'i' ? 32 : 64;
}

function condition(r, syscall, arg, explicitWidth, ops = OPS) {
  const width = widthOf(syscall, arg, explicitWidth);
  const op = r.pick(ops);
  const c = { arg, op, value: String(value(r, width)) };
  if (op === 'masked-eq') {
    const m = mask(r, width);
    c.mask = String(m);
    // Mostly a value inside the mask (one that can match); sometimes any value.
    const v = BigInt.asUintN(width, BigInt(c.value));
    c.value = String(r.chance(0.85) ? v & m : v);
  }
  if (explicitWidth) c.width = explicitWidth;
  return c;
}

function action(r) {
  const roll = r.next();
  if (roll < 0.4) return 'allow';
  if (roll < 0.7) return { errno: r.pick(ERRNOS) };
  return r.pick(['kill-process', 'log', 'trap']);
}

function sameAction(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

/**
 * For one syscall, the conditions that make rules of different actions exclusive on
 * argument `arg`: rule `slot` of `slots` gets its own value, range or bit pattern.
 */
function separator(r, syscall, arg, width) {
  const style = r.int(3);
  const w = widthOf(syscall, arg, width);
  const explicit = width ? { width } : {};
  const k = BigInt(w === 32 ? 8 + r.int(16) : 8 + r.int(48));
  const shift = 1n << BigInt(r.int(w - 8));
  const extra = BigInt(r.int(3));
  return (slot, slots) => {
    if (style === 0) return [{ arg, op: 'eq', value: String(BigInt(slot) * 1000n + extra), ...explicit }];
    if (style === 1) {
      // [slot * 2^k, (slot + 1) * 2^k): disjoint ranges, written as two comparisons
      const lo = BigInt(slot) << k, hi = (BigInt(slot + 1) << k) - 1n;
      const last = slot === slots - 1;
      return [{ arg, op: 'ge', value: String(lo), ...explicit }, { arg, op: last ? 'le' : 'lt', value: String(last ? hi : hi + 1n), ...explicit }];
    }
    return [{ arg, op: 'masked-eq', mask: String(0xfn * shift), value: String(BigInt(slot) * shift), ...explicit }];
  };
}

/**
 * One random policy. `size` scales the number of syscalls and rules. `profile` narrows
 * the choices, for policies a child must survive (the kernel replay): `syscalls` (name →
 * widths, as SYSCALLS), `actions` and `defaults` (lists of actions), `arch`.
 */
function randomPolicy(seed, size = 1, profile = {}) {
  const r = prng(seed);
  const syscalls = profile.syscalls ?? SYSCALLS;
  const defaultAction = r.pick(profile.defaults ?? ['kill-process', 'kill-process', 'allow', { errno: 'EPERM' }, 'trap', 'log']);
  const pickAction = () => (profile.actions ? r.pick(profile.actions) : action(r));
  const rules = [];
  const names = Object.keys(syscalls);
  const count = 1 + r.int(Math.max(1, Math.round(3 * size)));
  const chosen = new Set();
  for (let i = 0; i < count; i++) chosen.add(r.pick(names));
  for (const syscall of chosen) {
    const nargs = syscalls[syscall].length;
    const ruleCount = 1 + r.int(Math.max(1, Math.round(4 * size)));
    const actions = [];
    for (let i = 0; i < ruleCount; i++) actions.push(r.chance(0.5) && actions.length ? r.pick(actions) : pickAction());
    const distinct = actions.filter((a, i) => actions.findIndex((b) => sameAction(a, b)) === i);
    // The argument that keeps different actions apart, and its width (explicit or from the table).
    const sepArg = r.int(nargs);
    const sepWidth = r.chance(0.3) ? r.pick([32, 64]) : undefined;
    const widths = new Map([[sepArg, sepWidth]]);
    const separate = separator(r, syscall, sepArg, sepWidth);
    const loose = r.chance(0.05); // now and then, overlapping actions on purpose
    actions.forEach((act, i) => {
      const conditions = [];
      if (distinct.length > 1 && !loose) conditions.push(...separate(distinct.findIndex((d) => sameAction(d, act)), distinct.length));
      // Ranges and != on two arguments multiply into hundreds of masked blocks, which the
      // compiler refuses (too large): mostly keep them to one argument per rule.
      const extra = r.int(4);
      let rangedArg = -1;
      for (let j = 0; j < extra; j++) {
        const arg = r.chance(0.3) ? sepArg : r.int(nargs);
        if (!widths.has(arg)) widths.set(arg, r.chance(0.25) ? r.pick([32, 64]) : undefined);
        const ops = rangedArg >= 0 && rangedArg !== arg && !r.chance(0.1) ? ['eq', 'masked-eq'] : OPS;
        const c = condition(r, syscall, arg, widths.get(arg), ops);
        if (!['eq', 'masked-eq'].includes(c.op)) rangedArg = arg;
        conditions.push(c);
      }
      rules.push({ syscall, action: act, ...(conditions.length ? { conditions } : {}) });
    });
  }
  if (r.chance(0.1)) rules.push({ syscall: r.pick(ELSEWHERE), action: 'allow' });
  return {
    policy: { defaultAction, rules },
    options: { arch: profile.arch ?? r.pick(ARCHES), report: profile.arch ? false : r.chance(0.3), optimize: r.chance(0.8) ? 2 : 1 },
  };
}

/** Random calls for a policy's syscalls: its constants and their neighbours, random bits, garbage upper halves. */
function randomArgs(r, policy) {
  const constants = [0n, 1n, U32, U64];
  for (const rule of policy.rules) {
    for (const c of rule.conditions ?? []) {
      const v = BigInt.asUintN(64, BigInt(c.value));
      constants.push(v, v + 1n, v - 1n, BigInt.asUintN(32, v));
      if (c.mask) constants.push(BigInt.asUintN(64, BigInt(c.mask)));
    }
  }
  const one = () => {
    const roll = r.next();
    let x = roll < 0.6 ? r.pick(constants) : roll < 0.8 ? r.u64() : r.u32();
    if (r.chance(0.3)) x = (r.pick([0xffffffffn, 0xdeadbeefn, 1n, 0x80000000n]) << 32n) | (x & U32);
    return BigInt.asUintN(64, x);
  };
  return [one(), one(), one(), one(), one(), one()];
}

module.exports = { prng, randomPolicy, randomArgs, SYSCALLS, HARMLESS };
