'use strict';
/**
 * The policies the benchmarks load: synthetic policies of 10/100/400 rules for the native
 * syscall loop, the default daemon profile, a 400-rule daemon policy, and a policy like
 * Docker's default seccomp profile.
 *
 * Loaded from workers (child processes) as well as from run.js, so it only builds Filters
 * and never loads one.
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const seccomp = require(ROOT);
const { Filter, arg, arg64, constants } = seccomp;

/** seccomp-node's own syscall table (internal module, used for numbers and names). */
function syscallModule() {
  return require(path.join(ROOT, 'lib', 'syscalls'));
}

function nativeArchName() {
  return seccomp.sandbox.status().arch;
}

function syscallNumber(name) {
  const nr = syscallModule().syscallNumber(name, nativeArchName());
  if (nr === undefined || nr < 0) throw new Error(`no syscall number for ${name} on ${nativeArchName()}`);
  return nr;
}

/** Deterministic shuffle (a fixed linear congruential generator), so runs are comparable. */
function shuffled(items, seed = 12345) {
  const out = [...items];
  let state = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Syscalls that the filler uses for conditional rules: allowed only for one argument
 * value each (distinct values, so the rules never overlap), as real policies do for
 * ioctl requests, prctl options or socket families.
 */
const CONDITIONAL_FILLER = [
  ['ioctl', 1], ['prctl', 0], ['setsockopt', 2], ['getsockopt', 2], ['socket', 0], ['mprotect', 2],
  ['madvise', 2], ['personality', 0], ['setpriority', 0], ['mlockall', 0], ['keyctl', 0], ['semget', 2],
];

/**
 * Adds `count` filler rules to `filter`: two unconditional allows of further syscall
 * names for every conditional allow (`syscall` allowed when one argument equals one value).
 * `taken` holds names the filler must not touch (it is updated).
 */
function addFiller(filter, count, taken) {
  const table = syscallModule().syscallTable(nativeArchName()).filter((n) => typeof n === 'string' && n.length > 0);
  const conditional = CONDITIONAL_FILLER.filter(([name]) => !taken.has(name) && table.includes(name));
  const pool = shuffled(table.filter((n) => !taken.has(n) && !conditional.some(([c]) => c === n)));
  let unconditional = 0;
  let conditionalRules = 0;
  for (let i = 0; i < count; i++) {
    const wantConditional = i % 3 === 2 || unconditional >= pool.length;
    if (wantConditional && conditional.length > 0) {
      const [name, index] = conditional[conditionalRules % conditional.length];
      const value = 1000 + Math.floor(conditionalRules / conditional.length);
      filter.allow(name, arg(index).eq(value));
      conditionalRules++;
    } else {
      const name = pool[unconditional++];
      if (name === undefined) throw new Error('filler: ran out of syscall names');
      taken.add(name);
      filter.allow(name);
    }
  }
  return { unconditional, conditional: conditionalRules };
}

/** The rule count of a policy (rules as written, before the compiler expands conditions). */
function ruleCount(filter) {
  return filter.toPolicy().rules.length;
}

/**
 * A synthetic policy of `total` rules for the native loop, measuring three kinds of call:
 *   (a) getppid()            allowed unconditionally
 *   (b) fcntl(fd, F_GETFD)   allowed by an argument condition (arg 1 == F_GETFD)
 *   (c) getpriority(0, 0)    denied with EPERM by an (unconditional) errno rule
 * plus what the loop itself needs (write, exit_group, clock_gettime) and filler rules.
 */
function syntheticPolicy(total) {
  const f = new Filter({ defaultAction: 'kill-process' });
  f.allow('write').allow('exit_group').allow('clock_gettime');
  f.allow('getppid');
  f.allow('fcntl', arg(1).eq(constants.F_GETFD));
  f.errno('getpriority', 'EPERM');
  const taken = new Set(['write', 'exit_group', 'exit', 'clock_gettime', 'getppid', 'fcntl', 'getpriority',
    'rt_sigreturn', 'restart_syscall']);
  const fixed = ruleCount(f);
  if (total < fixed) throw new Error(`a synthetic policy needs at least ${fixed} rules`);
  const filler = addFiller(f, total - fixed, taken);
  return { filter: f, rules: ruleCount(f), filler };
}

/**
 * The default daemon profile, as sandbox.lockdown() loads it without options. (The
 * package has exposed it as `defaultDaemonProfile()` and, earlier, as the group list
 * `DEFAULT_PROFILE`; either is accepted.)
 */
function defaultProfile() {
  let f;
  if (typeof seccomp.defaultDaemonProfile === 'function') {
    f = Filter.fromPolicy(seccomp.defaultDaemonProfile());
  } else if (Array.isArray(seccomp.DEFAULT_PROFILE)) {
    f = new Filter({ defaultAction: 'kill-process' });
    for (const group of seccomp.DEFAULT_PROFILE) f.allow(group);
  } else {
    throw new Error('seccomp-node exports neither defaultDaemonProfile() nor DEFAULT_PROFILE');
  }
  return { filter: f, rules: ruleCount(f) };
}

/**
 * A 400-rule daemon policy: the default profile plus filler rules on syscalls the profile
 * does not mention, so a Node daemon keeps running under it.
 */
function daemonPolicy(total = 400) {
  const { filter } = defaultProfile();
  const taken = new Set(filter.toPolicy().rules.map((r) => r.syscall));
  for (const n of ['rt_sigreturn', 'restart_syscall', 'exit', 'exit_group']) taken.add(n);
  const filler = addFiller(filter, total - ruleCount(filter), taken);
  return { filter, rules: ruleCount(filter), filler };
}

const DOCKER_JSON = process.env.DOCKER_SECCOMP_JSON || require('node:path').resolve(__dirname, '..', '..', 'test', 'fixtures', 'oci', 'docker-default.json');
/** Docker's default capability set (what an unprivileged `docker run` grants). */
const DOCKER_DEFAULT_CAPS = new Set(['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD',
  'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE']);
const DOCKER_ARCH = { x86_64: 'amd64', aarch64: 'arm64', i386: 'x86', arm: 'arm', riscv64: 'riscv64', ppc64le: 'ppc64le', s390x: 's390x' };

function kernelAtLeast(version) {
  const have = require('node:os').release().split(/[.-]/).map(Number);
  const want = String(version).split('.').map(Number);
  for (let i = 0; i < want.length; i++) {
    if ((have[i] || 0) !== want[i]) return (have[i] || 0) > want[i];
  }
  return true;
}

/**
 * A policy like Docker's default profile, for an unprivileged container on this
 * architecture: the bench's own reading of the profile JSON. Rules apply when their
 * `includes` match (architecture, Docker's default capabilities, kernel version) and their
 * `excludes` do not; argument comparisons are kept. Names this architecture lacks are
 * dropped. Returns `{ filter, rules, source, dropped }`.
 */
function dockerLikePolicy({ preferOci = true } = {}) {
  const oci = preferOci ? tryOciImporter() : undefined;
  if (oci) return oci;
  const profile = JSON.parse(fs.readFileSync(DOCKER_JSON, 'utf8'));
  const arch = DOCKER_ARCH[nativeArchName()];
  const table = new Set(syscallModule().syscallTable(nativeArchName()).filter(Boolean));
  const defaultErrno = profile.defaultErrnoRet ?? 1;
  const f = new Filter({ defaultAction: { errno: defaultErrno } });
  const dropped = new Set();
  const applies = (rule) => {
    const inc = rule.includes ?? {};
    const exc = rule.excludes ?? {};
    if (inc.arches && !inc.arches.includes(arch)) return false;
    if (inc.caps && !inc.caps.every((c) => DOCKER_DEFAULT_CAPS.has(c))) return false;
    if (inc.minKernel && !kernelAtLeast(inc.minKernel)) return false;
    if (exc.arches && exc.arches.includes(arch)) return false;
    if (exc.caps && exc.caps.some((c) => DOCKER_DEFAULT_CAPS.has(c))) return false;
    return true;
  };
  const OPS = { SCMP_CMP_EQ: 'eq', SCMP_CMP_NE: 'ne', SCMP_CMP_LT: 'lt', SCMP_CMP_LE: 'le', SCMP_CMP_GT: 'gt', SCMP_CMP_GE: 'ge' };
  for (const rule of profile.syscalls) {
    if (!applies(rule)) continue;
    let action;
    if (rule.action === 'SCMP_ACT_ALLOW') action = 'allow';
    else if (rule.action === 'SCMP_ACT_ERRNO') action = { errno: rule.errnoRet ?? defaultErrno };
    else continue;
    const conditions = (rule.args ?? []).map((a) => {
      if (a.op === 'SCMP_CMP_MASKED_EQ') return arg64(a.index).masked(a.value).eq(a.valueTwo ?? 0);
      const op = OPS[a.op];
      if (!op) throw new Error(`docker profile: unknown comparison ${a.op}`);
      return arg64(a.index)[op](a.value); // libseccomp, as Docker uses it, compares all 64 bits
    });
    for (const name of rule.names) {
      if (!table.has(name)) { dropped.add(name); continue; }
      f.rule(name, action, ...conditions);
    }
  }
  return { filter: f, rules: ruleCount(f), source: `bench translation of ${path.basename(DOCKER_JSON)} (${arch}, Docker default capabilities)`, dropped: [...dropped].sort() };
}

/**
 * The package's own importer (src/oci), when present, is preferred over the bench's
 * translation; if it is missing or fails, the bench's translation is used.
 */
function tryOciImporter() {
  let oci;
  try { oci = require(path.join(ROOT, 'lib', 'oci')); } catch { return undefined; }
  if (typeof oci.fromOciProfile !== 'function') return undefined;
  try {
    const text = fs.readFileSync(DOCKER_JSON, 'utf8');
    const profile = typeof oci.parseOciProfile === 'function' ? oci.parseOciProfile(text) : JSON.parse(text);
    const { policy, notes } = oci.fromOciProfile(profile, { capabilities: [...DOCKER_DEFAULT_CAPS] });
    const filter = Filter.fromPolicy(policy);
    return { filter, rules: ruleCount(filter), source: `lib/oci fromOciProfile(${path.basename(DOCKER_JSON)}, Docker default capabilities)`, notes: notes ?? [] };
  } catch (error) {
    process.emitWarning(`lib/oci could not import the Docker profile (${error.message}); using the bench's own translation`);
    return undefined;
  }
}

/** Names and builders of the policies the harness knows. */
const POLICIES = {
  default: defaultProfile,
  daemon400: () => daemonPolicy(400),
  docker: dockerLikePolicy,
};

module.exports = { syntheticPolicy, defaultProfile, daemonPolicy, dockerLikePolicy, syscallNumber, nativeArchName, ruleCount, POLICIES };
