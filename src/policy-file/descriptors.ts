/**
 * What a rule line applies to: `read`, `read[arch=x86_64]` (per-architecture rules), or a
 * list `{read, write[arch=aarch64]}`. The list and the `[key=value]` metadata are
 * constructs of minijail's Python compiler; `arch` is the one key it gives a meaning, and
 * here any other key is an error rather than ignored (a misspelt `arch` would otherwise
 * apply the rule everywhere).
 */
import { ARCH_TOKENS, archFromName, isArchName, type ArchName } from '../arch';
import { Cursor, isOp, suggest } from './cursor';
import type { Token } from './lexer';

export interface Descriptor {
  name: Token;
  /** False when its `[arch=...]` leaves out the target architecture. */
  applies: boolean;
}

export interface Descriptors {
  list: Descriptor[];
  /** The Python-compiler construct used, if any, for the warning about `; return`. */
  python?: { what: string; token: Token };
}

/**
 * The Python compiler's architecture names that differ from seccomp-node's; null for an
 * architecture seccomp-node does not build filters for (its rules never apply here).
 */
const MINIJAIL_ARCH_NAMES: Record<string, ArchName | null> = { x86: 'i386', arm64: 'aarch64', loong64: null };
const METADATA_KEYS = ['arch'];

export function parseDescriptors(c: Cursor, arch: () => ArchName): Descriptors {
  const out: Descriptors = { list: [] };
  const open = c.acceptOp('{');
  if (open) out.python = { what: 'a system call list "{read, write}"', token: open };
  do {
    const name = c.next();
    if (name.kind !== 'name') {
      throw c.fail(open ? 'a system call name in the list' : 'a system call name, a directive (@include, @default, @allow...) or an [arch ...] section', name);
    }
    const after = c.peek();
    if (after.kind === 'directive' && after.column === name.column + name.text.length) {
      throw c.fail('":" after the system call name', after, {
        problem: `"${name.text}${after.text}" is a syscall group of minijail's Python compiler, which seccomp-node does not ` +
          'read: name the system calls, or use a seccomp-node group (@fs-read, @net-client...) on its own line',
      });
    }
    let applies = true;
    const bracket = c.acceptOp('[');
    if (bracket) {
      out.python ??= { what: 'per-architecture rules "read[arch=...]"', token: bracket };
      applies = parseMetadata(c, arch);
    }
    out.list.push({ name, applies });
  } while (open && c.acceptOp(','));
  if (open) {
    const close = c.next();
    if (!isOp(close, '}')) throw c.fail('"," or "}" in the system call list', close);
  }
  return out;
}

/** `[arch=x86_64,aarch64; key=value]` after `[`: whether the target architecture is listed. */
function parseMetadata(c: Cursor, arch: () => ArchName): boolean {
  const seen = new Set<string>();
  let applies = true;
  do {
    const key = c.next();
    if (key.kind !== 'name' || !METADATA_KEYS.includes(key.text)) {
      throw c.fail('"arch" in the [...] after the system call name', key, {
        suggestion: key.kind === 'name' ? suggest(key.text, METADATA_KEYS) : undefined,
        problem: key.kind === 'name' ? `unknown key "${key.text}": "arch" is the only one (seccomp-node refuses what it would ignore)` : undefined,
      });
    }
    if (seen.has(key.text)) throw c.fail('each key once', key, { problem: `"${key.text}" is given twice` });
    seen.add(key.text);
    const equals = c.next();
    if (!isOp(equals, '=')) throw c.fail(`"=" after "${key.text}"`, equals);
    const names: (ArchName | null)[] = [];
    do names.push(archName(c)); while (c.acceptOp(','));
    applies = names.includes(arch());
  } while (c.acceptOp(';'));
  const close = c.next();
  if (!isOp(close, ']')) throw c.fail('";" or "]" after the architectures', close);
  return applies;
}

function archName(c: Cursor): ArchName | null {
  const t = c.next();
  if (t.kind === 'name' && isArchName(t.text)) return t.text;
  if (t.kind === 'name' && Object.hasOwn(MINIJAIL_ARCH_NAMES, t.text)) return MINIJAIL_ARCH_NAMES[t.text];
  const known = [...Object.keys(ARCH_TOKENS), ...Object.keys(MINIJAIL_ARCH_NAMES)];
  throw c.fail(`an architecture (${known.join(', ')})`, t, t.kind === 'name'
    ? { problem: `unknown architecture "${t.text}"`, suggestion: archFromName(t.text) ?? suggest(t.text, known) } : {});
}
