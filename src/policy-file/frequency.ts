/**
 * `@frequency FILE`: minijail's hint of how often each system call is made, one
 * `SYSCALL: COUNT` a line (its Python compiler orders its search with it; minijail0 skips
 * the line). The file is read and checked here, so that a missing or malformed one is an
 * error rather than silence, and then its counts are not used:
 * - seccomp-node's filters search syscall numbers with a binary tree (libseccomp's
 *   optimize level 2), whose cost does not depend on the order of the calls;
 * - since Linux 5.11 the kernel skips the filter altogether for calls it allows without
 *   looking at their arguments, which are most of the frequent ones (read, write, futex);
 * - libseccomp's own priorities act on its linear layout only (optimize 1).
 */
import { ARCH_TOKENS, type ArchName } from '../arch';
import { binding } from '../native';
import { Cursor, isOp, suggest } from './cursor';
import { parseDescriptors } from './descriptors';
import { statements, tokenizeStatement } from './lines';

/** A name libseccomp knows on some architecture; any name when the addon is not loaded. */
function knownSyscall(name: string): boolean {
  return !binding || Object.values(ARCH_TOKENS).some((token) => binding!.resolveSyscall(name, token) >= 0);
}

/** Checks a frequency file's text; returns how many entries it has. */
export function checkFrequencyText(text: string, file: string, arch: () => ArchName): number {
  let entries = 0;
  for (const statement of statements(text, file)) {
    const tokens = tokenizeStatement(statement, file);
    const c = new Cursor(tokens, file, statement.line);
    if (c.peek().kind === 'end') continue;
    const { list } = parseDescriptors(c, arch);
    for (const { name } of list) {
      if (knownSyscall(name.text)) continue;
      const candidates = binding ? binding.syscallNames(ARCH_TOKENS.x86_64, 1024).filter((n): n is string => Boolean(n)) : [];
      throw c.fail('a system call name', name, { problem: `unknown system call "${name.text}"`, suggestion: suggest(name.text, candidates) });
    }
    const colon = c.next();
    if (!isOp(colon, ':')) throw c.fail('":" after the system call name', colon);
    const count = c.next();
    if (count.kind !== 'number' || count.value === undefined || count.value < 0n) {
      throw c.fail('a count (a whole number, 0 or more)', count);
    }
    c.expectEnd('end of line after the count');
    entries++;
  }
  return entries;
}
