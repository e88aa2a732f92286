/**
 * Learn's Landlock proposal: the paths a run opened, executed and changed, and the TCP ports
 * it bound and connected to, written as @fs and @net lines to review like the syscall rules.
 *
 * strace decodes the calls that name paths and addresses (DECODED_CALLS; every other call
 * stays raw). Paths are collapsed to sensible directories: a file becomes its directory, a
 * module under node_modules the node_modules directory, and a directory already beneath
 * another proposed one disappears. What the policy's groups already need (`@dns`'s
 * resolver files, `@exec-start`'s libraries, `@node`'s /proc/self) is not listed again.
 */
import * as nodePath from 'node:path';
import { rulePath, type LandlockNeeds, type LandlockRules } from '../landlock/policy';
import type { FsAccessName } from '../landlock/rights';
import { binding } from '../native';

/** The calls strace decodes for learn (paths and socket addresses); all others stay raw. */
export const DECODED_CALLS = ['open', 'openat', 'creat', 'execve', 'execveat', 'mkdir', 'mkdirat', 'unlink', 'unlinkat', 'rmdir',
  'rename', 'renameat', 'renameat2', 'truncate', 'symlink', 'symlinkat', 'link', 'linkat', 'connect', 'bind'] as const;

export interface AccessObservations {
  files: Map<string, Set<FsAccessName>>;
  /** Paths among `files` known to be directories (the parents of created or removed entries). */
  dirs: Set<string>;
  bind: Set<number>;
  connect: Set<number>;
}

export function emptyAccess(): AccessObservations {
  return { files: new Map(), dirs: new Set(), bind: new Set(), connect: new Set() };
}

/** Splits strace's decoded argument list at top-level commas (strings, braces, brackets nest). */
export function splitDecodedArgs(text: string): { args: string[]; rest: string } {
  const args: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      continue;
    }
    if (ch === '(' || ch === '{' || ch === '[') depth++;
    else if (ch === ')' || ch === '}' || ch === ']') {
      if (depth === 0) {
        if (text.slice(start, i).trim()) args.push(text.slice(start, i).trim());
        return { args, rest: text.slice(i + 1) };
      }
      depth--;
    } else if (ch === ',' && depth === 0) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (text.slice(start).trim()) args.push(text.slice(start).trim());
  return { args, rest: '' };
}

/** A decoded argument as a number: a number, or constants joined by `|` (O_RDONLY|O_CLOEXEC, AT_FDCWD). */
export function decodedNumber(arg: string): bigint | undefined {
  const parts = arg.replace(/<[^>]*>$/, '').split('|');
  let value = 0n;
  for (const part of parts) {
    const p = part.trim();
    if (/^-?\d+$/.test(p) || /^0x[0-9a-f]+$/i.test(p)) value |= BigInt.asUintN(64, BigInt(p));
    else if (binding && Object.hasOwn(binding.constants, p)) value |= BigInt.asUintN(64, BigInt(binding.constants[p]));
    else return undefined;
  }
  return value;
}

/** The string an argument holds (`"/etc/hosts"`), unescaped; undefined for anything else. */
export function decodedString(arg: string): string | undefined {
  if (!/^".*"$/.test(arg)) return undefined;
  try { return JSON.parse(arg.replace(/\\x([0-9a-f]{2})/gi, '\\u00$1')) as string; } catch { return undefined; }
}

function port(arg: string | undefined): number | undefined {
  const m = arg ? /sin6?_port=htons\((\d+)\)/.exec(arg) : null;
  return m ? Number(m[1]) : undefined;
}

function add(o: AccessObservations, path: string | undefined, access: FsAccessName, directory = false): void {
  if (!path || !path.startsWith('/')) return; // relative to a descriptor or the working directory: not known here
  if (directory) o.dirs.add(path);
  const set = o.files.get(path) ?? new Set();
  set.add(access);
  o.files.set(path, set);
}

/** What one decoded call touched, if it succeeded. */
export function recordAccess(o: AccessObservations, name: string, args: string[], ok: boolean, inProgress: boolean): void {
  const O_ACCMODE = 3n;
  const flagsArg = name === 'openat' ? args[2] : name === 'open' ? args[1] : undefined;
  switch (name) {
    case 'open': case 'openat': {
      if (!ok) return;
      const path = decodedString(name === 'openat' ? args[1] : args[0]);
      const flags = flagsArg ? decodedNumber(flagsArg) : undefined;
      if (flags === undefined) return;
      const O_PATH = 0o10000000n;
      const creates = BigInt(binding?.constants.O_CREAT ?? 0o100) | BigInt(binding?.constants.O_TRUNC ?? 0o1000);
      if (flags & O_PATH) return;
      add(o, path, (flags & O_ACCMODE) !== 0n || (flags & creates) !== 0n ? 'write' : 'read');
      return;
    }
    case 'creat': case 'truncate': if (ok) add(o, decodedString(args[0]), 'write'); return;
    case 'execve': if (ok) add(o, decodedString(args[0]), 'execute'); return;
    case 'execveat': if (ok) add(o, decodedString(args[1]), 'execute'); return;
    case 'mkdir': case 'rmdir': case 'unlink': case 'symlink': case 'link': case 'rename':
      if (ok) add(o, parentOf(decodedString(args[name === 'symlink' || name === 'link' || name === 'rename' ? 1 : 0])), 'write', true);
      if (ok && name === 'rename') add(o, parentOf(decodedString(args[0])), 'write', true);
      return;
    case 'mkdirat': case 'unlinkat': if (ok) add(o, parentOf(decodedString(args[1])), 'write', true); return;
    case 'renameat': case 'renameat2': case 'linkat':
      if (ok) { add(o, parentOf(decodedString(args[1])), 'write', true); add(o, parentOf(decodedString(args[3])), 'write', true); }
      return;
    case 'symlinkat': if (ok) add(o, parentOf(decodedString(args[2])), 'write', true); return;
    case 'connect': if (ok || inProgress) addPort(o.connect, port(args[1])); return;
    case 'bind': if (ok) addPort(o.bind, port(args[1])); return;
    default:
  }
}

function addPort(set: Set<number>, p: number | undefined): void {
  if (p !== undefined) set.add(p);
}

function parentOf(path: string | undefined): string | undefined {
  return path ? nodePath.dirname(path) : undefined;
}

export function mergeAccess(a: AccessObservations, b: AccessObservations): AccessObservations {
  for (const [path, set] of b.files) for (const access of set) add(a, path, access, b.dirs.has(path));
  for (const p of b.bind) a.bind.add(p);
  for (const p of b.connect) a.connect.add(p);
  return a;
}

/**
 * What a path is granted through: node_modules as a whole; programs and directories
 * themselves; a written file through its directory (creating or replacing a file is a right
 * on the directory, and the file may not exist next time); a read file through its
 * directory too, unless that is a broad one near the root (/etc, /tmp, /usr/bin: two levels
 * or fewer), where the file itself is granted.
 */
function collapse(path: string, access: FsAccessName, isDirectory: boolean): string {
  const modules = path.indexOf('/node_modules/');
  if (modules >= 0) return path.slice(0, modules + '/node_modules'.length);
  if (access === 'execute' || isDirectory) return path;
  const dir = nodePath.dirname(path);
  return access === 'read' && dir.split('/').filter(Boolean).length <= 2 ? path : dir;
}

function beneath(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/**
 * The Landlock rules for what was seen (restricting only what the run used: files if it
 * touched any, TCP ports if it bound or connected), with what `needs` (the groups' own)
 * covers left out.
 */
export function proposeLandlock(o: AccessObservations, needs: LandlockNeeds | undefined): Pick<LandlockRules, 'fs' | 'net'> {
  const covered = (path: string, access: FsAccessName) => {
    if (/^\/proc\/(self|thread-self|\d+)(\/|$)/.test(path)) return true; // @node needs /proc/self
    const grants: FsAccessName[] = access === 'read' ? ['read', 'write', 'execute'] : [access];
    return grants.some((g) => (needs?.fs?.[g] ?? []).some((entry) => beneath(path, rulePath(entry).path)));
  };
  const proposed: Record<FsAccessName, Set<string>> = { read: new Set(), write: new Set(), execute: new Set() };
  for (const [path, set] of o.files) {
    for (const access of set) {
      if (covered(path, access)) continue;
      proposed[access].add(collapse(path, access, o.dirs.has(path)));
    }
  }
  // A directory beneath another of the same access (or beneath a write one, for reads) goes.
  const keep = (access: FsAccessName) => [...proposed[access]].sort().filter((p, _, all) => {
    const wider = [...all, ...(access === 'read' ? [...proposed.write] : [])];
    return !wider.some((other) => other !== p && beneath(p, other));
  }).filter((p) => !(access === 'read' && proposed.write.has(p)));
  const out: Pick<LandlockRules, 'fs' | 'net'> = {};
  if (o.files.size) {
    out.fs = {};
    for (const access of ['read', 'write', 'execute'] as const) {
      const paths = keep(access);
      if (paths.length) out.fs[access] = paths;
    }
  }
  const ports = (set: Set<number>, access: 'bind' | 'connect') => [...set].filter((p) => !(needs?.net?.[access] ?? []).includes(p)).sort((a, b) => a - b);
  if (o.bind.size || o.connect.size) {
    out.net = {};
    const bind = ports(o.bind, 'bind');
    const connect = ports(o.connect, 'connect');
    if (bind.length) out.net.bind = bind;
    if (connect.length) out.net.connect = connect;
  }
  return out;
}
