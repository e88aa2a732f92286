/**
 * The Landlock part of a {@link Policy}: plain, serialisable data, checked and normalised
 * here. Where it comes from (lockdown options, policy files, groups, presets) does not
 * matter past this point; src/landlock/compile.ts turns it into a ruleset for the kernel.
 *
 * ```json
 * { "fs":  { "read": ["/srv/app"], "write": ["/var/lib/app"], "execute": [] },
 *   "net": { "bind": [8080], "connect": [443, 5432] },
 *   "needs": { "fs": { "read": ["?/etc/hosts"] }, "net": { "connect": [53] } },
 *   "isolate": true, "bestEffort": false }
 * ```
 * - `fs` present: file system access is restricted to what `fs` (and `needs.fs`) grants.
 * - `net` present: TCP bind and connect are restricted to these ports (and `needs.net`).
 * - `needs`: what groups bring (`@dns` needs the resolver files). Granted only when that
 *   layer is restricted; it never restricts anything by itself.
 * - Paths are absolute; a leading `?` marks a path that may not exist (then it is skipped).
 * - `isolate`: the domain's isolation from processes outside it. Absent: the default of the
 *   entry point (lockdown, spawn and run isolate where the kernel can, best effort).
 * - `bestEffort`: what the kernel cannot enforce is dropped (status() lists it) instead of
 *   throwing.
 */
import * as path from 'node:path';
import { SeccompError } from '../errors';
import type { KeyList } from '../known-keys';
import { FS_ACCESS_NAMES, PORT_ACCESS_NAMES, type FsAccessName, type PortAccessName } from './rights';

export type FsRules = { [K in FsAccessName]?: string[] };
export type NetRules = { [K in PortAccessName]?: number[] };

/** The parts of isolation from processes outside the Landlock domain (option `isolate`). */
export interface Isolation {
  /**
   * Signals only to processes inside the domain (Landlock ABI 6). Left on by default unless
   * the process already has children, which it could then no longer stop.
   * @defaultValue on where the kernel can, best effort
   */
  signals?: boolean;
  /**
   * Abstract Unix sockets only to and from processes inside the domain (ABI 6). Left on by
   * default unless `NOTIFY_SOCKET` is an abstract address (systemd's readiness notification).
   * @defaultValue on where the kernel can, best effort
   */
  abstractUnix?: boolean;
}

export interface LandlockNeeds { fs?: FsRules; net?: NetRules }

export interface LandlockRules {
  /**
   * Landlock: restrict the file system to these paths (and what the policy's groups need):
   * `{ read, write, execute }`, lists of paths; a leading `?` marks one that may not exist.
   * Outside them, opens fail with `EACCES`. See docs/landlock.md.
   * @defaultValue no file system rules
   */
  fs?: FsRules;
  /**
   * Landlock: `{ bind, connect }`, the TCP ports that may be bound and connected to; other
   * ports fail with `EACCES`.
   * @defaultValue no port rules
   */
  net?: NetRules;
  /** What groups bring (`@dns` needs the resolver files): granted only where a layer is restricted. */
  needs?: LandlockNeeds;
  /**
   * Isolation from processes outside the sandbox: `false`, `true`, or
   * `{ signals, abstractUnix }` (as for `lockdown()`).
   * @defaultValue on wherever the kernel has Landlock, best effort
   */
  isolate?: boolean | Isolation;
  /**
   * Apply what this kernel's Landlock can enforce instead of throwing
   * `ERR_SECCOMP_LANDLOCK_UNAVAILABLE`.
   * @defaultValue `false`
   */
  bestEffort?: boolean;
}

/** The options that carry Landlock rules, wherever options are taken (lockdown, spawn, runSandboxed). */
export const LANDLOCK_OPTION_KEYS = ['fs', 'net', 'isolate', 'bestEffort'] as const;
export type LandlockOptions = Pick<LandlockRules, (typeof LANDLOCK_OPTION_KEYS)[number]>;
/** The same keys as a key list (known-keys.ts), to spread into the option lists that take them. */
export const LANDLOCK_OPTION_KEY_LIST: KeyList<LandlockOptions> = { fs: true, net: true, isolate: true, bestEffort: true };

const ISOLATION_KEYS = ['signals', 'abstractUnix'] as const;
const RULE_KEYS = [...LANDLOCK_OPTION_KEYS, 'needs'] as const;

/** The path a rule names, without its "may not exist" marker. */
export function rulePath(entry: string): { path: string; optional: boolean } {
  return entry.startsWith('?') ? { path: entry.slice(1), optional: true } : { path: entry, optional: false };
}

function invalid(message: string, details: Record<string, unknown> = {}): SeccompError {
  return new SeccompError('ERR_SECCOMP_INVALID_OPTION', message, details);
}

function unknownKeys(value: object, known: readonly string[], what: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw invalid(`unknown ${what} "${key}"; ${what}s: ${known.join(', ')}`, { option: key });
    }
  }
}

function checkPaths(input: unknown, where: string, base: string): string[] {
  if (!Array.isArray(input)) throw invalid(`${where} must be an array of paths`);
  const out: string[] = [];
  for (const entry of input) {
    if (typeof entry !== 'string' || rulePath(entry).path === '') throw invalid(`${where}: ${JSON.stringify(entry)} is not a path`);
    if (entry.includes('\0')) throw invalid(`${where}: a path cannot contain a NUL character`);
    const { path: p, optional } = rulePath(entry);
    const absolute = `${optional ? '?' : ''}${path.resolve(base, p)}`;
    if (!out.includes(absolute)) out.push(absolute);
  }
  return out;
}

function checkPorts(input: unknown, where: string): number[] {
  if (!Array.isArray(input)) throw invalid(`${where} must be an array of TCP ports`);
  const out: number[] = [];
  for (const port of input) {
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw invalid(`${where}: ${JSON.stringify(port)} is not a TCP port (0 to 65535)`, { port });
    }
    if (!out.includes(port)) out.push(port);
  }
  return out;
}

function checkFs(input: unknown, where: string, base: string): FsRules {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid(`${where} must be an object { read?, write?, execute? } of path lists`);
  }
  unknownKeys(input, FS_ACCESS_NAMES, `${where} key`);
  const out: FsRules = {};
  for (const key of FS_ACCESS_NAMES) {
    const list = (input as Record<string, unknown>)[key];
    if (list === undefined) continue;
    const paths = checkPaths(list, `${where}.${key}`, base);
    if (paths.length) out[key] = paths;
  }
  return out;
}

function checkNet(input: unknown, where: string): NetRules {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid(`${where} must be an object { bind?, connect? } of TCP port lists`);
  }
  unknownKeys(input, PORT_ACCESS_NAMES, `${where} key`);
  const out: NetRules = {};
  for (const key of PORT_ACCESS_NAMES) {
    const list = (input as Record<string, unknown>)[key];
    if (list === undefined) continue;
    const ports = checkPorts(list, `${where}.${key}`);
    if (ports.length) out[key] = ports;
  }
  return out;
}

function checkIsolation(input: unknown): boolean | Isolation {
  if (typeof input === 'boolean') return input;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid('`isolate` is true, false or { signals?, abstractUnix? }');
  }
  unknownKeys(input, ISOLATION_KEYS, '`isolate` key');
  const out: Isolation = {};
  for (const key of ISOLATION_KEYS) {
    const value = (input as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw invalid(`isolate.${key} must be true or false`);
    out[key] = value;
  }
  return out;
}

/**
 * Checks Landlock rules given as data and returns a clean copy: relative paths resolved
 * from `base` (default: the working directory), duplicates removed, unknown keys refused.
 */
export function checkLandlock(input: unknown, base = process.cwd()): LandlockRules {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid('Landlock rules are an object { fs?, net?, needs?, isolate?, bestEffort? }');
  }
  unknownKeys(input, RULE_KEYS, 'Landlock key');
  const i = input as Record<string, unknown>;
  const out: LandlockRules = {};
  if (i.fs !== undefined) out.fs = checkFs(i.fs, 'fs', base);
  if (i.net !== undefined) out.net = checkNet(i.net, 'net');
  if (i.needs !== undefined) {
    if (typeof i.needs !== 'object' || i.needs === null) throw invalid('`needs` is an object { fs?, net? }');
    unknownKeys(i.needs, ['fs', 'net'], '`needs` key');
    const n = i.needs as Record<string, unknown>;
    const needs: LandlockNeeds = {};
    if (n.fs !== undefined) needs.fs = checkFs(n.fs, 'needs.fs', base);
    if (n.net !== undefined) needs.net = checkNet(n.net, 'needs.net');
    if (needs.fs || needs.net) out.needs = needs;
  }
  if (i.isolate !== undefined) out.isolate = checkIsolation(i.isolate);
  if (i.bestEffort !== undefined) {
    if (typeof i.bestEffort !== 'boolean') throw invalid('`bestEffort` must be true or false');
    out.bestEffort = i.bestEffort;
  }
  return out;
}

/** The Landlock options (`fs`, `net`, `isolate`, `bestEffort`) of an options object, checked. */
export function landlockFromOptions(options: object, base = process.cwd()): LandlockRules | undefined {
  const picked: Record<string, unknown> = {};
  for (const key of LANDLOCK_OPTION_KEYS) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined) picked[key] = value;
  }
  return Object.keys(picked).length ? checkLandlock(picked, base) : undefined;
}

function union<T>(a: readonly T[] | undefined, b: readonly T[] | undefined): T[] | undefined {
  if (a === undefined && b === undefined) return undefined;
  const out = [...(a ?? [])];
  for (const x of b ?? []) if (!out.includes(x)) out.push(x);
  return out;
}

/** The grants of both. */
export function mergeFsRules(a: FsRules | undefined, b: FsRules | undefined): FsRules | undefined {
  if (!a && !b) return undefined;
  const out: FsRules = {};
  for (const key of FS_ACCESS_NAMES) {
    const list = union(a?.[key], b?.[key]);
    if (list) out[key] = list;
  }
  return out;
}

function mergeNet(a: NetRules | undefined, b: NetRules | undefined): NetRules | undefined {
  if (!a && !b) return undefined;
  const out: NetRules = {};
  for (const key of PORT_ACCESS_NAMES) {
    const list = union(a?.[key], b?.[key]);
    if (list) out[key] = list;
  }
  return out;
}

function emptyNeeds(needs: LandlockNeeds): boolean {
  return !needs.fs && !needs.net;
}

/**
 * Both sets of rules in one: the grants are added together, a layer restricted by either is
 * restricted, and `b`'s `isolate` and `bestEffort` win where it sets them.
 */
export function mergeLandlock(a: LandlockRules | undefined, b: LandlockRules | undefined): LandlockRules | undefined {
  if (!a) return b && structuredClone(b);
  if (!b) return structuredClone(a);
  const out: LandlockRules = {};
  const fs = mergeFsRules(a.fs, b.fs);
  const net = mergeNet(a.net, b.net);
  const needs: LandlockNeeds = {};
  const needsFs = mergeFsRules(a.needs?.fs, b.needs?.fs);
  const needsNet = mergeNet(a.needs?.net, b.needs?.net);
  if (needsFs) needs.fs = needsFs;
  if (needsNet) needs.net = needsNet;
  if (fs) out.fs = fs;
  if (net) out.net = net;
  if (!emptyNeeds(needs)) out.needs = needs;
  const isolate = b.isolate ?? a.isolate;
  if (isolate !== undefined) out.isolate = structuredClone(isolate);
  const bestEffort = b.bestEffort ?? a.bestEffort;
  if (bestEffort !== undefined) out.bestEffort = bestEffort;
  return out;
}

/** Adds what groups need to `rules` (creating them when absent). */
export function addNeeds(rules: LandlockRules | undefined, needs: LandlockNeeds | undefined): LandlockRules | undefined {
  if (!needs || emptyNeeds(needs)) return rules;
  return mergeLandlock(rules, { needs });
}

/** True when there are no rules at all (no restriction, isolation setting or best effort). */
export function isEmptyLandlock(rules: LandlockRules | undefined): boolean {
  return !rules || Object.keys(rules).length === 0;
}
