/**
 * Landlock rules in words, for the command line: a summary (check), what a path or a port
 * gets (explain: Landlock's own decision, taken over the rules as the kernel would, by the
 * path's place beneath the rules' paths once symlinks are resolved), and the ruleset this
 * kernel would be given (dump).
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { compileLandlock, type LandlockPlan } from './compile';
import { landlockSupport } from './kernel';
import { rulePath, type FsRules, type LandlockRules, type NetRules } from './policy';
import { ACCESS, FILE_RIGHTS, FS_ACCESS_NAMES, FS_RIGHTS, PORT_ACCESS_NAMES, fsRightNames, type FsAccessName, type PortAccessName } from './rights';

/** One line per kind of rule: "fs read: /srv/app, /etc/ssl/certs". */
export function summariseLandlock(rules: LandlockRules | undefined): string[] {
  if (!rules) return ['Landlock: no rules of its own (lockdown, spawn and run still isolate by default)'];
  const lines: string[] = [];
  const grants = (label: string, fsRules?: FsRules, net?: NetRules) => {
    for (const key of FS_ACCESS_NAMES) if (fsRules?.[key]?.length) lines.push(`${label}fs ${key}: ${fsRules[key]!.join(', ')}`);
    for (const key of PORT_ACCESS_NAMES) if (net?.[key]?.length) lines.push(`${label}net ${key}: ${net[key]!.join(', ')}`);
  };
  lines.push(rules.fs ? 'Landlock restricts the file system to what fs grants' : 'Landlock leaves the file system unrestricted');
  lines.push(rules.net ? 'Landlock restricts TCP bind and connect to the ports net grants' : 'Landlock leaves TCP ports unrestricted');
  grants('', rules.fs, rules.net);
  grants('needs (granted when restricted): ', rules.needs?.fs, rules.needs?.net);
  if (rules.isolate !== undefined) lines.push(`isolate: ${JSON.stringify(rules.isolate)}`);
  if (rules.bestEffort) lines.push('best effort: what this kernel cannot enforce is dropped');
  return lines;
}

/** The ruleset this kernel would be given for `rules` in a lockdown (default isolation on). */
export function planHere(rules: LandlockRules | undefined): LandlockPlan {
  return compileLandlock(rules, {
    support: landlockSupport(), defaultIsolation: true, target: 'process', inForce: { domain: false, scoped: 0 }, environment: {},
  });
}

function real(path: string): string | undefined {
  try { return fs.realpathSync(path); } catch { return undefined; }
}

export interface PathVerdict { allowed: boolean; why: string }

/** Whether `access` to `path` passes the rules' file system layer, and which rules say so. */
export function explainPath(rules: LandlockRules | undefined, path: string, access: FsAccessName): PathVerdict {
  if (!rules?.fs) return { allowed: true, why: 'the policy does not restrict the file system' };
  const target = real(path) ?? nodePath.resolve(path);
  let isDir = false;
  try { isDir = fs.statSync(target).isDirectory(); } catch { /* a file to be created: judged as a file */ }
  const needed = isDir
    ? { read: FS_RIGHTS.read_dir, write: FS_RIGHTS.make_reg, execute: FS_RIGHTS.read_dir }[access]
    : { read: FS_RIGHTS.read_file, write: FS_RIGHTS.write_file, execute: FS_RIGHTS.execute }[access];
  const granting: string[] = [];
  for (const [label, source] of [['fs', rules.fs], ['needs fs', rules.needs?.fs]] as const) {
    for (const word of FS_ACCESS_NAMES) {
      for (const entry of source?.[word] ?? []) {
        const rule = real(rulePath(entry).path);
        if (!rule) continue;
        const beneath = target === rule || target.startsWith(rule.endsWith('/') ? rule : `${rule}/`);
        let rights = ACCESS[word];
        try { if (!fs.statSync(rule).isDirectory()) rights &= FILE_RIGHTS; } catch { continue; }
        if (beneath && (rights & needed) !== 0) granting.push(`${label} ${word} ${entry}`);
      }
    }
  }
  const right = fsRightNames(needed).join(', ');
  return granting.length
    ? { allowed: true, why: `granted (${right}) by ${granting.join('; ')}` }
    : { allowed: false, why: `denied with EACCES: no rule grants ${right} on ${target} or a directory above it` };
}

/** Whether `access` to TCP `port` passes the rules' network layer. */
export function explainPort(rules: LandlockRules | undefined, port: number, access: PortAccessName): PathVerdict {
  if (!rules?.net) return { allowed: true, why: 'the policy does not restrict TCP ports' };
  const by = [['net', rules.net], ['needs net', rules.needs?.net]] as const;
  const granting = by.filter(([, net]) => net?.[access]?.includes(port)).map(([label]) => `${label} ${access} ${port}`);
  return granting.length ? { allowed: true, why: `granted by ${granting.join('; ')}` }
    : { allowed: false, why: `denied with EACCES: no rule grants ${access} on port ${port}` };
}

/** The ruleset as `dump` prints it. */
export function dumpLandlock(rules: LandlockRules | undefined): string {
  const support = landlockSupport();
  const lines = [`# Landlock (this kernel: ${support.abi > 0 ? `ABI ${support.abi}` : support.reason})`];
  let plan: LandlockPlan;
  try {
    plan = planHere(rules);
  } catch (error) {
    return [...lines, `# cannot be applied here: ${(error as Error).message}`, ''].join('\n');
  }
  if (!plan.spec) return [...lines, '# no layer', ...plan.layer.notes.map((n) => `# ${n}`), ''].join('\n');
  const { layer } = plan;
  lines.push(`handled fs: ${layer.handled.fs.join(' ') || '-'}`, `handled net: ${layer.handled.net.join(' ') || '-'}`,
    `scoped: ${layer.handled.scopes.join(' ') || '-'}`, `threads: ${layer.threads}`);
  for (const p of layer.paths) lines.push(`path ${p.path}: ${p.rights.join(' ')}`);
  for (const p of layer.ports) lines.push(`port ${p.port}: ${p.rights.join(' ')}`);
  for (const m of layer.missing) lines.push(`# missing, skipped: ${m}`);
  for (const n of [...layer.notes, ...layer.notEnforced.map((x) => `not enforced: ${x.what} (needs ABI ${x.abi})`)]) lines.push(`# ${n}`);
  return `${lines.join('\n')}\n`;
}
