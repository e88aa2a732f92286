/**
 * Syscall names: which exist on which architecture, and suggestions for typos.
 * libseccomp's own table is the authority, so names track the installed library.
 */
import { ARCH_TOKENS, type ArchName } from './arch';
import { SeccompError } from './errors';
import { binding, type Binding } from './native';

/** libseccomp's "no such syscall". */
const NR_UNKNOWN = -1;
const MAX_SYSCALL_NR = 1024;

function requireBinding(): Binding {
  if (!binding) throw new SeccompError('ERR_SECCOMP_UNSUPPORTED', 'the native addon is not available on this system');
  return binding;
}

const namesByArch = new Map<ArchName, string[]>();

/** Every syscall name libseccomp knows for `arch`, indexed by number (gaps are empty). */
export function syscallTable(arch: ArchName): string[] {
  let table = namesByArch.get(arch);
  if (!table) {
    table = requireBinding().syscallNames(ARCH_TOKENS[arch], MAX_SYSCALL_NR).map((n) => n ?? '');
    namesByArch.set(arch, table);
  }
  return table;
}

/** The number of `name` on `arch`, or undefined when it does not exist there. */
export function syscallNumber(name: string, arch: ArchName): number | undefined {
  const nr = requireBinding().resolveSyscall(name, ARCH_TOKENS[arch]);
  return nr >= 0 ? nr : undefined;
}

/** Where a name exists: on `arch`, only on other architectures, or nowhere. */
export type Resolution =
  | { kind: 'present'; nr: number; ruleNumber: number }
  | { kind: 'elsewhere'; arches: ArchName[] };

/**
 * Resolves `name` for a filter on `arch`. Names that exist only on other architectures
 * (`open` on aarch64, `socketcall` on x86_64) resolve as 'elsewhere' so that one portable
 * policy can name them; a name that exists nowhere throws with a suggestion.
 */
export function resolveSyscall(name: string, arch: ArchName): Resolution {
  const b = requireBinding();
  const nr = b.resolveSyscall(name, ARCH_TOKENS[arch]);
  // libseccomp's rule API takes native numbers (or its negative pseudo numbers for names
  // absent natively) and translates them to each architecture in the filter.
  const ruleNumber = b.resolveSyscall(name);
  if (nr >= 0 && ruleNumber !== NR_UNKNOWN) return { kind: 'present', nr, ruleNumber };
  const arches = (Object.keys(ARCH_TOKENS) as ArchName[]).filter((a) => b.resolveSyscall(name, ARCH_TOKENS[a]) >= 0);
  if (arches.length > 0) return { kind: 'elsewhere', arches };
  const suggestion = closestName(name, syscallTable(arch));
  throw new SeccompError('ERR_SECCOMP_UNKNOWN_SYSCALL',
    `unknown system call "${name}"` + (suggestion ? `; did you mean "${suggestion}"?` : '') +
    ` (libseccomp knows the names of ${arch}'s calls; check the spelling or the man page section 2)`,
    { syscall: name, suggestion });
}

/** The candidate nearest to `input` by edit distance, if it is near enough to be a typo. */
export function closestName(input: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (!candidate) continue;
    const d = editDistance(input, candidate);
    if (d < bestDistance) { best = candidate; bestDistance = d; }
  }
  return bestDistance <= Math.max(2, Math.floor(input.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
