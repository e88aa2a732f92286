/**
 * `seccomp-node run` compiles a policy for every start, in a new process each time, and
 * compiling (three compiles, each verified, for a template: src/launcher/template.ts) costs
 * far more than the start itself. So run keeps what it compiled, per user, on disk, with
 * everything the result depends on, compared whole on every use: the policy file's bytes
 * (and those of the files it includes), the flags, the program, the environment variables
 * planning reads, this package's build (the modules the compile loaded, the groups, the
 * addon and the launcher), libseccomp, the kernel, the user, and whether this process runs
 * under filters of its own. (Hashing with node:crypto would cost more than the rest.)
 *
 * The cache decides which filter a program runs under, so only the user's own files are
 * trusted: the directory is created 0700 ($XDG_CACHE_HOME/seccomp-node, ~/.cache/seccomp-node,
 * or a per-user directory in the temporary directory), and an entry is used only when it is a
 * regular file owned by this user that nobody else may write, in a directory that is the
 * same. Anything else, or anything unreadable or malformed, is compiled again. An entry is
 * written whole (a new file renamed into place). SECCOMP_NODE_RUN_CACHE=off turns it off.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NativeLandlockSpec } from '../native';
import type { Site } from '../launcher/template';

const FORMAT = 3;
const ROOT = path.resolve(__dirname, '..', '..');

export interface CachedRun {
  programs: { bytes: string; sites: Site[]; conflicts: number[]; listener: boolean }[];
  landlock?: NativeLandlockSpec;
  notify: boolean;
  reason?: string;
  readProc: boolean;
  /** The policy file's notes, printed again on every run. */
  notes: string[];
  /** Optional Landlock paths ('?path') that did not exist when this was planned: if one appears, plan again. */
  absent: string[];
  /** This package's modules the result came from ({@link loadedModules}): if one changed, plan again. */
  modules: { path: string; identity: string }[];
  /** The files the policy file included, with their contents: if one changed, plan again. */
  included: { path: string; text: string }[];
}

/** What an entry is for: everything it was compiled from ({@link cacheKey}), compared whole; `name` only finds it. */
export interface CacheKey {
  name: string;
  material: string;
}

/** A file's contents (undefined when it cannot be read), to compare with what an entry was compiled from. */
export function fileText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch {
    return undefined;
  }
}

/** FNV-1a over the UTF-16 units, twice with different bases (64 bits): a file name, not a proof. */
function nameOf(material: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ material.length;
  for (let i = 0; i < material.length; i++) {
    const c = material.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

function ownedPrivately(stat: fs.Stats): boolean {
  return stat.uid === process.geteuid!() && (stat.mode & 0o022) === 0;
}

/** The cache directory, created when missing; undefined when none is safe to use. */
function directory(): string | undefined {
  if (process.env.SECCOMP_NODE_RUN_CACHE === 'off' || typeof process.geteuid !== 'function') return undefined;
  const home = process.env.XDG_CACHE_HOME || (process.env.HOME ? path.join(process.env.HOME, '.cache') : undefined);
  const candidates = [...(home ? [path.join(home, 'seccomp-node')] : []), path.join(os.tmpdir(), `seccomp-node-${process.geteuid()}`)];
  for (const dir of candidates) {
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const stat = fs.lstatSync(dir);
      if (stat.isDirectory() && ownedPrivately(stat) && (stat.mode & 0o077) === 0) return dir;
    } catch { /* the next one */ }
  }
  return undefined;
}

function identity(file: string): string {
  try {
    const stat = fs.statSync(file);
    return `${file}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return `${file}:-`;
  }
}

/** What the compiled result depends on, besides the request and the modules (checked per entry): the package and the machine. */
function buildIdentity(bindingPath: string, launcher: string, libseccomp: string): string[] {
  const groups = path.join(ROOT, 'policies', 'groups');
  let groupFiles: string[] = [];
  try { groupFiles = fs.readdirSync(groups).sort().map((f) => identity(path.join(groups, f))); } catch { /* none */ }
  return [
    String(FORMAT), identity(path.join(ROOT, 'package.json')), ...groupFiles,
    identity(bindingPath), identity(launcher), libseccomp, os.release(), process.arch, String(process.geteuid?.()),
  ];
}

/**
 * The identities of this package's modules loaded so far: called after compiling, it lists
 * every module the result came from (compiler, groups, planning), so that an entry is used
 * only while none of them changed (cheaper than listing the whole package on every start).
 */
export function loadedModules(): { path: string; identity: string }[] {
  const lib = path.join(__dirname, '..') + path.sep;
  return Object.keys(require.cache).filter((f) => f.startsWith(lib)).sort().map((f) => ({ path: f, identity: identity(f) }));
}

/**
 * Everything a compiled run depends on, as one string kept in the entry and compared whole
 * on every read (an entry moved or copied under another name is not used), and a short name
 * derived from it.
 */
export function cacheKey(parts: { policyFile: string; policyBytes: Buffer; flags: string[]; executable: string; environment: string[];
  bindingPath: string; launcher: string; libseccomp: string; filtersInForce: number; notify: string }): CacheKey {
  const material = JSON.stringify([...buildIdentity(parts.bindingPath, parts.launcher, parts.libseccomp), parts.policyFile,
    parts.flags, parts.executable, parts.environment, parts.filtersInForce, parts.notify, parts.policyBytes.toString('latin1')]);
  return { name: nameOf(material), material };
}

function valid(entry: unknown, key: CacheKey): entry is CachedRun & { material: string } {
  const e = entry as CachedRun & { material: string };
  return typeof e === 'object' && e !== null && e.material === key.material && Array.isArray(e.programs) && e.programs.length > 0 &&
    e.programs.every((p) => typeof p.bytes === 'string' && Array.isArray(p.sites) && Array.isArray(p.conflicts)) &&
    typeof e.notify === 'boolean' && Array.isArray(e.notes) && Array.isArray(e.absent) && Array.isArray(e.included) &&
    Array.isArray(e.modules) && e.modules.every((m) => typeof m.path === 'string' && typeof m.identity === 'string') &&
    e.included.every((f) => typeof f.path === 'string' && typeof f.text === 'string');
}

export function readCache(key: CacheKey): CachedRun | undefined {
  const dir = directory();
  if (!dir) return undefined;
  let fd: number;
  try {
    fd = fs.openSync(path.join(dir, `${key.name}.json`), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || !ownedPrivately(stat)) return undefined;
    const entry: unknown = JSON.parse(fs.readFileSync(fd, 'utf8'));
    if (!valid(entry, key)) return undefined;
    // a path that was missing may have appeared since: its rule would be missing
    if (entry.absent.some((p) => fs.existsSync(p))) return undefined;
    // the package may have been rebuilt since
    if (entry.modules.some((m) => identity(m.path) !== m.identity)) return undefined;
    // an included file may have changed since
    if (entry.included.some((f) => fileText(f.path) !== f.text)) return undefined;
    return entry;
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

export function writeCache(key: CacheKey, entry: CachedRun): void {
  const dir = directory();
  if (!dir) return;
  const file = path.join(dir, `${key.name}.json`);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temporary, JSON.stringify({ material: key.material, ...entry }), { mode: 0o600, flag: 'wx' });
    fs.renameSync(temporary, file);
  } catch {
    try { fs.rmSync(temporary, { force: true }); } catch { /* gone */ }
  }
}
