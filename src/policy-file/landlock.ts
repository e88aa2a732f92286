/**
 * The Landlock lines of a policy file (extensions; see parser.ts):
 *
 *   @fs read /srv/app /etc/ssl/certs         restricts the file system to what @fs lines grant
 *   @fs write /var/lib/app "/srv/with space"  write includes read; execute too
 *   @fs execute /usr/bin/convert
 *   @fs read ?/etc/app.local.conf            "?": skipped when the path does not exist
 *   @fs none                                 restricted, with nothing granted (@net none too)
 *   @net bind 8080                           restricts TCP bind and connect to these ports
 *   @net connect 443 5432
 *   @needs fs read ?/etc/hosts               granted only if the file system is restricted
 *   @needs net connect 53                    (what groups carry; never restricts by itself)
 *   @isolate on | off | domain               isolation from other processes (default: on,
 *   @isolate signals off abstract-unix on     best effort); per scope: signals, abstract-unix
 *   @landlock best-effort | enforce          drop what the kernel cannot enforce, or refuse
 *
 * Paths are separated by spaces; a path with spaces is written in double quotes (JSON
 * escapes). Relative paths start from the policy file's directory.
 */
import * as path from 'node:path';
import { checkLandlock, type FsRules, type LandlockRules, type NetRules } from '../landlock/policy';
import { FS_ACCESS_NAMES, PORT_ACCESS_NAMES, type FsAccessName, type PortAccessName } from '../landlock/rights';
import { policySyntaxError } from './errors';
import { suggest } from './cursor';

export const LANDLOCK_DIRECTIVES = ['@fs', '@net', '@needs', '@isolate', '@landlock'];

interface Word { text: string; column: number; quoted: boolean }

/** Splits a line into words: spaces separate, double quotes group, `#` outside quotes ends it. */
function words(line: string, file: string, lineNumber: number): Word[] {
  const out: Word[] = [];
  let i = 0;
  while (i < line.length) {
    const ch = line[i];
    if (/\s/.test(ch)) { i++; continue; }
    if (ch === '#') break;
    if (ch === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      if (j >= line.length) {
        throw policySyntaxError(file, lineNumber, i + 1, 'a closing double quote', undefined, { found: 'end of line' });
      }
      let text: string;
      try {
        text = JSON.parse(line.slice(i, j + 1)) as string;
      } catch {
        throw policySyntaxError(file, lineNumber, i + 1, 'a path in double quotes with JSON escapes', undefined,
          { found: line.slice(i, j + 1) });
      }
      out.push({ text, column: i + 1, quoted: true });
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < line.length && !/\s/.test(line[j]) && line[j] !== '#') j++;
    out.push({ text: line.slice(i, j), column: i + 1, quoted: false });
    i = j;
  }
  return out;
}

export interface LandlockLineContext {
  file: string;
  line: number;
  /** Where relative paths start: the policy file's directory. */
  dir: string;
}

/** Parses one Landlock line (it starts with one of LANDLOCK_DIRECTIVES) into rules to merge. */
export function parseLandlockLine(text: string, ctx: LandlockLineContext): LandlockRules {
  const w = words(text, ctx.file, ctx.line);
  const fail = (at: Word | undefined, expected: string, extra: { suggestion?: string; problem?: string } = {}) =>
    policySyntaxError(ctx.file, ctx.line, at?.column ?? text.length + 1, expected, extra.suggestion,
      { found: at ? JSON.stringify(at.text) : 'end of line', ...(extra.problem ? { problem: extra.problem } : {}) });
  const directive = w[0];
  let rest = w.slice(1);
  switch (directive.text) {
    case '@fs': return { fs: fsGrant(rest, ctx, fail, '@fs') };
    case '@net': return { net: netGrant(rest, fail, '@net') };
    case '@needs': {
      const layer = rest[0];
      rest = rest.slice(1);
      if (layer?.text === 'fs') return { needs: { fs: fsGrant(rest, ctx, fail, '@needs fs') } };
      if (layer?.text === 'net') return { needs: { net: netGrant(rest, fail, '@needs net') } };
      throw fail(layer, '"fs" or "net" after @needs', { suggestion: layer ? suggest(layer.text, ['fs', 'net']) : undefined });
    }
    case '@isolate': return { isolate: isolation(rest, fail) };
    case '@landlock': {
      const [mode, extra] = rest;
      if (mode?.text !== 'best-effort' && mode?.text !== 'enforce') {
        throw fail(mode, '"best-effort" or "enforce" after @landlock', { suggestion: mode ? suggest(mode.text, ['best-effort', 'enforce']) : undefined });
      }
      if (extra) throw fail(extra, 'end of line after the mode');
      return { bestEffort: mode.text === 'best-effort' };
    }
    default: throw fail(directive, `one of ${LANDLOCK_DIRECTIVES.join(', ')}`);
  }
}

type Fail = (at: Word | undefined, expected: string, extra?: { suggestion?: string; problem?: string }) => Error;

function fsGrant(w: Word[], ctx: LandlockLineContext, fail: Fail, what: string): FsRules {
  const access = w[0];
  if (access?.text === 'none' && what === '@fs') {
    if (w[1]) throw fail(w[1], 'end of line after "none"');
    return {};
  }
  if (!access || !(FS_ACCESS_NAMES as readonly string[]).includes(access.text)) {
    throw fail(access, `an access (${FS_ACCESS_NAMES.join(', ')}) after ${what}`,
      { suggestion: access ? suggest(access.text, FS_ACCESS_NAMES) : undefined });
  }
  if (w.length < 2) throw fail(undefined, `a path after ${what} ${access.text}`);
  const paths = w.slice(1).map((p) => {
    const optional = !p.quoted && p.text.startsWith('?');
    const raw = optional ? p.text.slice(1) : p.text;
    if (raw === '') throw fail(p, 'a path after "?"');
    return `${optional ? '?' : ''}${path.resolve(ctx.dir, raw)}`;
  });
  return checkLandlock({ fs: { [access.text as FsAccessName]: paths } }).fs!;
}

function netGrant(w: Word[], fail: Fail, what: string): NetRules {
  const access = w[0];
  if (access?.text === 'none' && what === '@net') {
    if (w[1]) throw fail(w[1], 'end of line after "none"');
    return {};
  }
  if (!access || !(PORT_ACCESS_NAMES as readonly string[]).includes(access.text)) {
    throw fail(access, `an access (${PORT_ACCESS_NAMES.join(', ')}) after ${what}`,
      { suggestion: access ? suggest(access.text, PORT_ACCESS_NAMES) : undefined });
  }
  if (w.length < 2) throw fail(undefined, `a TCP port after ${what} ${access.text}`);
  const ports = w.slice(1).map((p) => {
    if (!/^\d{1,5}$/.test(p.text) || Number(p.text) > 65535) throw fail(p, 'a TCP port (0 to 65535)');
    return Number(p.text);
  });
  return { [access.text as PortAccessName]: ports };
}

const SCOPE_WORDS = { signals: 'signals', 'abstract-unix': 'abstractUnix' } as const;

function isolation(w: Word[], fail: Fail): LandlockRules['isolate'] {
  const [first] = w;
  if (first && ['on', 'off', 'domain'].includes(first.text)) {
    if (w[1]) throw fail(w[1], `end of line after "${first.text}"`);
    return first.text === 'domain' ? {} : first.text === 'on';
  }
  if (!first) throw fail(undefined, 'on, off, domain, or a scope (signals, abstract-unix) and on/off');
  const out: { signals?: boolean; abstractUnix?: boolean } = {};
  for (let i = 0; i < w.length; i += 2) {
    const scope = w[i];
    if (!Object.hasOwn(SCOPE_WORDS, scope.text)) {
      throw fail(scope, 'on, off, domain, or a scope (signals, abstract-unix)',
        { suggestion: suggest(scope.text, [...Object.keys(SCOPE_WORDS), 'on', 'off', 'domain']) });
    }
    const value = w[i + 1];
    if (value?.text !== 'on' && value?.text !== 'off') throw fail(value, `on or off after ${scope.text}`);
    out[SCOPE_WORDS[scope.text as keyof typeof SCOPE_WORDS]] = value.text === 'on';
  }
  return out;
}

/** A path as a policy file writes it: quoted when it holds spaces, quotes or `#`. */
function pathWord(entry: string): string {
  return /[\s"#\\]/.test(entry) ? JSON.stringify(entry) : entry;
}

/** The Landlock lines for `rules` (format's counterpart of parseLandlockLine). */
export function formatLandlock(rules: LandlockRules | undefined): string[] {
  if (!rules) return [];
  const lines: string[] = [];
  const grants = (prefix: string, fs?: FsRules, net?: NetRules) => {
    for (const key of FS_ACCESS_NAMES) if (fs?.[key]?.length) lines.push(`${prefix}fs ${key} ${fs[key]!.map(pathWord).join(' ')}`);
    for (const key of PORT_ACCESS_NAMES) if (net?.[key]?.length) lines.push(`${prefix}net ${key} ${net[key]!.join(' ')}`);
  };
  grants('@', rules.fs, rules.net);
  if (rules.fs && !FS_ACCESS_NAMES.some((key) => rules.fs?.[key]?.length)) lines.push('@fs none');
  if (rules.net && !PORT_ACCESS_NAMES.some((key) => rules.net?.[key]?.length)) lines.push('@net none');
  grants('@needs ', rules.needs?.fs, rules.needs?.net);
  const isolate = rules.isolate;
  if (typeof isolate === 'boolean') lines.push(`@isolate ${isolate ? 'on' : 'off'}`);
  else if (isolate) {
    const parts = Object.entries(SCOPE_WORDS).filter(([, key]) => isolate[key] !== undefined)
      .map(([word, key]) => `${word} ${isolate[key] ? 'on' : 'off'}`);
    lines.push(`@isolate ${parts.length ? parts.join(' ') : 'domain'}`);
  }
  if (rules.bestEffort !== undefined) lines.push(`@landlock ${rules.bestEffort ? 'best-effort' : 'enforce'}`);
  return lines;
}
