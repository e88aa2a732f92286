/**
 * Vocabulary shared by the OCI importer and exporter: libseccomp's names for
 * architectures, comparisons and actions as they appear in OCI runtime-spec and Docker
 * seccomp profiles, and an order of actions by how much they restrict.
 */
import type { ArchName } from '../arch';
import type { KeyList } from '../known-keys';
import type { Action, CompareOp } from '../policy';

/** One `args` entry of an OCI syscall rule. Values are uint64: bigint where beyond 2^53. */
export interface OciArg {
  index: number;
  value: number | bigint;
  valueTwo?: number | bigint;
  op: string;
}

/** Docker's `includes` / `excludes`: when a syscall entry applies. */
export interface OciFilter {
  arches?: string[];
  caps?: string[];
  minKernel?: string;
}

export interface OciSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: OciArg[];
  /** Docker: the legacy one-name form. */
  name?: string;
  /** Docker: free text. */
  comment?: string;
  includes?: OciFilter;
  excludes?: OciFilter;
}

/** Docker's `archMap` entries. */
export interface OciArchMap {
  architecture: string;
  subArchitectures?: string[];
}

export interface OciProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  syscalls: OciSyscall[];
  /** Docker: an architecture with the sub-architectures it runs. */
  archMap?: OciArchMap[];
  /** Runtime flags (SECCOMP_FILTER_FLAG_*): not applicable to an in-process filter. */
  flags?: string[];
  /** For SCMP_ACT_NOTIFY: not applicable to an in-process filter. */
  listenerPath?: string;
  listenerMetadata?: string;
}

/**
 * The keys of each part of a profile (the OCI runtime spec's, plus Docker's), one line each
 * (known-keys.ts). A misspelt key is an error: `"arg"` for `"args"` would otherwise leave
 * an unconditional rule behind.
 */
export const OCI_PROFILE_KEYS: KeyList<OciProfile> = {
  defaultAction: true, defaultErrnoRet: true, architectures: true, syscalls: true, archMap: true, flags: true,
  listenerPath: true, listenerMetadata: true,
};
export const OCI_SYSCALL_KEYS: KeyList<OciSyscall> = {
  names: true, action: true, errnoRet: true, args: true, name: true, comment: true, includes: true, excludes: true,
};
export const OCI_ARG_KEYS: KeyList<OciArg> = { index: true, value: true, valueTwo: true, op: true };
export const OCI_ARCH_MAP_KEYS: KeyList<OciArchMap> = { architecture: true, subArchitectures: true };

/** `architectures` / `archMap` use libseccomp's SCMP_ARCH_* names. */
export const SCMP_ARCH: Record<ArchName, string> = {
  x86_64: 'SCMP_ARCH_X86_64',
  i386: 'SCMP_ARCH_X86',
  x32: 'SCMP_ARCH_X32',
  aarch64: 'SCMP_ARCH_AARCH64',
  arm: 'SCMP_ARCH_ARM',
  riscv64: 'SCMP_ARCH_RISCV64',
  ppc64le: 'SCMP_ARCH_PPC64LE',
  s390x: 'SCMP_ARCH_S390X',
};

/**
 * `includes.arches` / `excludes.arches` in Docker profiles use Go's names (amd64, arm64,
 * x86); our own and the SCMP_ARCH_* names are accepted too.
 */
export const ARCH_ALIASES: Record<ArchName, string[]> = {
  x86_64: ['x86_64', 'amd64', SCMP_ARCH.x86_64],
  i386: ['i386', 'x86', '386', SCMP_ARCH.i386],
  x32: ['x32', SCMP_ARCH.x32],
  aarch64: ['aarch64', 'arm64', SCMP_ARCH.aarch64],
  arm: ['arm', SCMP_ARCH.arm],
  riscv64: ['riscv64', SCMP_ARCH.riscv64],
  ppc64le: ['ppc64le', SCMP_ARCH.ppc64le],
  s390x: ['s390x', SCMP_ARCH.s390x],
};

export const SCMP_CMP: Record<CompareOp, string> = {
  ne: 'SCMP_CMP_NE',
  lt: 'SCMP_CMP_LT',
  le: 'SCMP_CMP_LE',
  eq: 'SCMP_CMP_EQ',
  ge: 'SCMP_CMP_GE',
  gt: 'SCMP_CMP_GT',
  'masked-eq': 'SCMP_CMP_MASKED_EQ',
};

/** libseccomp's enum scmp_compare, by number, as the compiler emits it. */
export const NATIVE_OPS = ['', ...['ne', 'lt', 'le', 'eq', 'ge', 'gt', 'masked-eq'].map((op) => SCMP_CMP[op as CompareOp])];
export const MASKED_EQ = 7;

export const U32 = 0xffffffffn;
export const U64 = (1n << 64n) - 1n;

/** A uint64 as a JSON-friendly number when exact, else as a bigint. */
export function jsonInteger(value: bigint): number | bigint {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/**
 * How much an action restricts a call, for resolving overlaps fail-closed: allow < log
 * (allowed, but logged) < errno (refused) < trap < kill-process. Errnos tie with each other.
 */
export function restrictiveness(action: Action): number {
  if (typeof action === 'object') return 2;
  return { allow: 0, log: 1, trap: 3, 'kill-process': 4 }[action];
}
