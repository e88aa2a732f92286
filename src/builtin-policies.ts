/**
 * The built-in groups and profiles: the policy files in policies/ are their one source of
 * truth. Parsing them costs every start several milliseconds, so `npm run build` (and the
 * test suite's setup) parses them once into lib/builtin-policies.json
 * (scripts/builtin-policies.js), and a process loads that instead of the parser.
 *
 * What a parse gives depends on this platform, not only on the files: constant and errno
 * values come from the addon, and `[arch ...]` sections from the native architecture. The
 * data records both (its fingerprint) and is used only where they are the same; anywhere
 * else (a package built on another machine), the files are parsed at run time as before.
 * test/builtin-policies.test.ts fails when the data and a fresh parse differ.
 *
 * A definition is a file as read without expanding its groups: the groups it names
 * (`includes`, in order), and its own rules, default action and Landlock lines.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { currentFingerprint, readBuildData, type Fingerprint } from './fingerprint';
import type { Policy } from './policy';
import type * as Parser from './policy-file/parser';
import { originOf, setOrigin } from './rule-origin';

export const POLICY_DIR = path.join(__dirname, '..', 'policies');
/** Where the build writes the parsed definitions. */
export const BUILTIN_DATA_FILE = path.join(__dirname, 'builtin-policies.json');
const FORMAT = 2;

export type BuiltinKind = 'groups' | 'profiles';

export interface BuiltinDefinition {
  /** The leading comment of the file, as one paragraph. */
  description: string;
  /** The file, relative to policies/. */
  file: string;
  /** The groups it names, in order ('@node'...). */
  includes: string[];
  /** Its own rules, default action and Landlock lines, without the groups' rules. */
  policy: Policy;
  /** Where in the file each of `policy.rules` is written, for errors and explain. */
  lines: { line: number; column: number }[];
}

export interface BuiltinData {
  format: number;
  fingerprint: Fingerprint;
  groups: Record<string, BuiltinDefinition>;
  profiles: Record<string, BuiltinDefinition>;
}

/**
 * The data in `file` when it was made for this platform (`fingerprint`), else undefined:
 * missing, unreadable, of another format or another platform.
 */
export function loadBuiltinData(file: string, fingerprint: Fingerprint | undefined): BuiltinData | undefined {
  const data = readBuildData<BuiltinData>(file, FORMAT, fingerprint);
  if (!data) return undefined;
  // Rules read from the data remember where their file has them, as parsed ones do.
  for (const definition of [...Object.values(data.groups), ...Object.values(data.profiles)]) {
    const file = definitionFile(definition);
    definition.policy.rules.forEach((rule, i) => setOrigin(rule, { file, ...definition.lines[i] }));
  }
  return data;
}

let data: BuiltinData | null | undefined;

/** The data the build made for this platform, if any (read once). */
export function builtinData(): BuiltinData | undefined {
  if (data === undefined) data = loadBuiltinData(BUILTIN_DATA_FILE, currentFingerprint()) ?? null;
  return data ?? undefined;
}

// ---------------------------------------------------------------------------------------
// reading the files

function dirOf(kind: BuiltinKind): string {
  return path.join(POLICY_DIR, kind);
}

function listFiles(kind: BuiltinKind): string[] {
  return fs.readdirSync(dirOf(kind)).filter((f) => f.endsWith('.policy')).map((f) => f.slice(0, -'.policy'.length)).sort();
}

/** The leading comment of a built-in policy file (group or preset), as one paragraph. */
export function leadingComment(text: string): string {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break;
    const words = line.replace(/^#\s?/, '');
    if (words === '') break;
    lines.push(words);
  }
  return lines.join(' ');
}

/** Parses one built-in file, recording the groups it names instead of expanding them. */
function parseDefinition(kind: BuiltinKind, name: string): BuiltinDefinition {
  const { parseFile } = require('./policy-file/parser') as typeof Parser;
  const file = path.join(kind, `${name}.policy`);
  const absolute = path.join(POLICY_DIR, file);
  const includes: string[] = [];
  const groupNames = () => listFiles('groups').map((n) => `@${n}`);
  const { policy } = parseFile(absolute, { groups: { names: groupNames, expand: (group) => { includes.push(group); return []; } } });
  const lines = policy.rules.map((rule) => {
    const origin = originOf(rule);
    return { line: origin?.line ?? 0, column: origin?.column ?? 0 };
  });
  return { description: leadingComment(fs.readFileSync(absolute, 'utf8')), file, includes, policy, lines };
}

/** Every built-in definition parsed from policies/ now, with this process's fingerprint. */
export function parseBuiltins(): BuiltinData {
  const fingerprint = currentFingerprint();
  if (!fingerprint) throw new Error('parsing the built-in policies needs the native addon (constants)');
  const parseAll = (kind: BuiltinKind) => Object.fromEntries(listFiles(kind).map((name) => [name, parseDefinition(kind, name)]));
  return { format: FORMAT, fingerprint, groups: parseAll('groups'), profiles: parseAll('profiles') };
}

// ---------------------------------------------------------------------------------------
// what groups.ts and children/presets.ts use

/** The names of the built-in groups (without '@') or profiles, sorted. */
export function builtinNames(kind: BuiltinKind): string[] {
  const prebuiltData = builtinData();
  return prebuiltData ? Object.keys(prebuiltData[kind]).sort() : listFiles(kind);
}

const parsed = new Map<string, BuiltinDefinition>();

/**
 * The definition of a built-in group (name without '@') or profile, which must exist. The
 * caller must not change it (it is shared): copy what it hands out.
 */
export function builtinDefinition(kind: BuiltinKind, name: string): BuiltinDefinition {
  const prebuiltData = builtinData();
  if (prebuiltData) return prebuiltData[kind][name];
  const key = `${kind}/${name}`;
  let definition = parsed.get(key);
  if (!definition) {
    definition = parseDefinition(kind, name);
    parsed.set(key, definition);
  }
  return definition;
}

/** The absolute path of a definition's file. */
export function definitionFile(definition: BuiltinDefinition): string {
  return path.join(POLICY_DIR, definition.file);
}
