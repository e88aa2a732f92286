/**
 * The default profile's program, compiled and verified when the package is built.
 *
 * `lockdown()` without options loads the same policy in every daemon on a platform, the
 * default daemon profile, but for `$pid`. Compiling it with libseccomp and verifying the
 * result costs each start tens of milliseconds, so the build does both once
 * (scripts/builtin-policies.js writes it into lib/default-program.json, in the same run as
 * the groups' data it is made from) as a template whose `$pid` sites each process fills in
 * with its own pid (src/bpf/sites.ts). Like that data, it is used only on the platform it
 * was made for (its fingerprint: src/fingerprint.ts).
 *
 * Why it is exact. The build compiles the policy for three stand-in pids, each compile
 * verified as at any load, finds the sites from the first two, and checks that the first
 * filled in with the third is the third's compile byte for byte. A process uses the template
 * only where the same reasoning holds for its pid: no other constant of the program equals it
 * (fresh), and the policy is not ambiguous for it. Anywhere else, and whenever the data is
 * missing or was made for another platform, lockdown compiles and verifies as for any policy.
 * test/default-program.test.ts fails when the template and a fresh compile differ.
 *
 * Why it may be trusted (the start-up issue's security constraint). The program is written
 * by the package's build into the package's own `lib/`, beside the JavaScript that loads it,
 * never by a running process: whoever could replace it could as well replace that
 * JavaScript. Nothing compiled is cached anywhere at run time.
 */
import type * as AllowingGroups from './allowing-groups';
import type * as AmbiguousPids from './ambiguous-pids';
import { nativeArch } from './arch';
import type { ActionName } from './bpf/emulator';
import type * as Program from './bpf/program';
import type * as Sites from './bpf/sites';
import type * as LazyCalls from './lazy-calls';
import * as path from 'node:path';
import { currentFingerprint, readBuildData, type Fingerprint } from './fingerprint';
import type { LandlockRules } from './landlock/policy';
import type * as Loader from './loader';
import type { PreparedProgram } from './loader';
import type { Policy } from './policy';
import type * as SelfPid from './self-pid';
import type * as SigsysGuard from './sigsys-guard';
import type * as VerifiedProgram from './verified-program';

/** What the build records: the template and what a load reports about it. */
export interface DefaultProgramData {
  arch: string;
  /** The program compiled for {@link STAND_IN_PIDS}[0], base64, in this platform's byte order. */
  program: string;
  /** The instructions that compare with `$pid`. */
  pidSites: number[];
  /** Pids for which the policy is ambiguous: a compile for them throws, so the template is not used. */
  ambiguousPids: number[];
  /** Names of the policy that do not exist on this architecture. */
  skipped: string[];
  verifiedCalls: number;
  /**
   * The report's syscall names by number, and the hint line for each (which groups would
   * allow it), each list joined by newlines: one string parses faster than a thousand.
   */
  syscallNames: string;
  syscallHints: string;
  /** What the program answers io_uring_enter (loader.ts, checkIoUring). */
  ioUringEnter?: ActionName;
  /** What it allows the runtime to do lazily, so that lockdown need not do it first (src/lazy-calls.ts). */
  lazyAllowed: LazyCalls.LazyResource[];
  /** The policy's Landlock rules (what its groups need), for the load's Landlock layer. */
  landlock?: LandlockRules;
}

/** Where the build writes it, beside the package's JavaScript. */
export const DEFAULT_PROGRAM_FILE = path.join(__dirname, 'default-program.json');
const FORMAT = 1;

/** The file's contents: the data, and what it was made for. */
export interface DefaultProgramFile { format: number; fingerprint: Fingerprint; program: DefaultProgramData }

/** Pids near PID_MAX_LIMIT, distinct from each other. */
const STAND_IN_PIDS = [4194301, 4194271, 4194237] as const;

/** The options the template is compiled with: lockdown's defaults. */
export const DEFAULT_PROGRAM_OPTIONS = { report: true } as const;

/** The lazy resources (src/lazy-calls.ts) whose every call `program` allows. */
function lazyAllowed(program: Uint8Array): LazyCalls.LazyResource[] {
  const { allowsLazyCalls, LAZY_RESOURCES } = require('./lazy-calls') as typeof LazyCalls;
  return LAZY_RESOURCES.filter((resource) => allowsLazyCalls(program, nativeArch(), resource));
}

/**
 * Compiles `policy`, the default lockdown's (see sandbox.ts, `lockdownPolicy({})`), into the
 * template the build records; throws when it cannot be one.
 */
export function buildDefaultProgram(policy: Policy): DefaultProgramData {
  const { buildVerified, compileFor } = require('./verified-program') as typeof VerifiedProgram;
  const { bindSelfPid } = require('./self-pid') as typeof SelfPid;
  const { ambiguousPids } = require('./ambiguous-pids') as typeof AmbiguousPids;
  const { guardSigsys } = require('./sigsys-guard') as typeof SigsysGuard;
  const { violationHints } = require('./allowing-groups') as typeof AllowingGroups;
  const { fillSites, findSites, fresh, shapeChanged } = require('./bpf/sites') as typeof Sites;
  const builds = STAND_IN_PIDS.map((pid) => {
    const compiled = compileFor(guardSigsys(bindSelfPid(policy, pid)), DEFAULT_PROGRAM_OPTIONS);
    return { compiled, program: buildVerified(compiled) };
  });
  const [a, b, c] = builds;
  const sites = findSites(a.program.instructions, [STAND_IN_PIDS[0]], b.program.instructions, [STAND_IN_PIDS[1]]);
  builds.forEach(({ program }, i) => {
    if (!fresh(program.instructions, sites, [STAND_IN_PIDS[i]])) throw shapeChanged();
  });
  if (!fillSites(a.program.bytes, sites, [STAND_IN_PIDS[2]]).equals(c.program.bytes)) throw shapeChanged();
  const syscallNames = a.compiled.spec.syscallNames ?? [];
  const ioUringEnter = (require('./loader') as typeof Loader).ioUringEnterAction(a.program.bytes, nativeArch());
  return {
    arch: nativeArch(),
    program: a.program.bytes.toString('base64'),
    pidSites: sites.map((s) => s.index),
    ambiguousPids: ambiguousPids(policy),
    skipped: a.compiled.skipped,
    verifiedCalls: a.program.verifiedCalls,
    syscallNames: syscallNames.join('\n'),
    syscallHints: violationHints(syscallNames).join('\n'),
    ...(ioUringEnter ? { ioUringEnter } : {}),
    lazyAllowed: lazyAllowed(a.program.bytes),
    ...(policy.landlock ? { landlock: policy.landlock } : {}),
  };
}

/** The file's contents for the build to write. */
export function defaultProgramFile(program: DefaultProgramData): DefaultProgramFile {
  const fingerprint = currentFingerprint();
  if (!fingerprint) throw new Error('the default program needs the native addon');
  return { format: FORMAT, fingerprint, program };
}

let loaded: DefaultProgramData | null | undefined;

/** The build's data, when it was made for this platform (read once); undefined otherwise. */
export function defaultProgramData(): DefaultProgramData | undefined {
  // Missing, or made elsewhere: lockdown compiles at load instead.
  if (loaded === undefined) loaded = readBuildData<DefaultProgramFile>(DEFAULT_PROGRAM_FILE, FORMAT, currentFingerprint())?.program ?? null;
  return loaded ?? undefined;
}

/**
 * The default lockdown's program for process `pid`, from the package's build, or undefined
 * when there is none for this platform, it was built with other options than `options` ask
 * for (the report off, a layout chosen), or it is not exact for this pid (see the top).
 */
export function defaultProgram(pid: number, options: { report: boolean; optimize?: 1 | 2 } = DEFAULT_PROGRAM_OPTIONS): PreparedProgram | undefined {
  if (Boolean(options.report) !== DEFAULT_PROGRAM_OPTIONS.report || options.optimize !== undefined) return undefined;
  const data = defaultProgramData();
  if (!data || data.arch !== nativeArch() || data.ambiguousPids.includes(pid)) return undefined;
  let bytes: Buffer = Buffer.from(data.program, 'base64');
  // Without sites (the default profile lets a process signal any process) no comparison holds
  // the pid: every pid's compile is this program.
  if (data.pidSites.length > 0) {
    const { fillSites, fresh } = require('./bpf/sites') as typeof Sites;
    const { decodeInstructions } = require('./bpf/program') as typeof Program;
    const sites = data.pidSites.map((index) => ({ index, kind: 0 }));
    if (!fresh(decodeInstructions(bytes), sites, [pid])) return undefined;
    bytes = fillSites(bytes, sites, [pid]);
  }
  return {
    bytes,
    arch: nativeArch(),
    report: DEFAULT_PROGRAM_OPTIONS.report,
    syscallNames: data.syscallNames,
    syscallHints: data.syscallHints,
    skipped: data.skipped,
    verifiedCalls: data.verifiedCalls,
    prebuilt: true,
    ...(data.ioUringEnter ? { ioUringEnter: data.ioUringEnter } : {}),
    lazyAllowed: data.lazyAllowed,
    compileMs: 0, buildMs: 0, verifyMs: 0,
  };
}

/** The Landlock rules that go with {@link defaultProgram}. */
export function defaultProgramLandlock(): LandlockRules | undefined {
  return defaultProgramData()?.landlock;
}
