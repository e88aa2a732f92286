/**
 * `learn --merge FILE`: an existing policy read back as observations, so that a new run's
 * findings can be added to it and the whole written again. Rules in the forms learn writes
 * become observed classes; `@group` lines stay groups; learn's own refusals (ENOTTY for
 * ioctl, ENOSYS for clone3...) are written again; any other rule (hand-written) is kept
 * as it is.
 */
import * as fs from 'node:fs';
import type { ArchName } from '../arch';
import { SeccompError } from '../errors';
import { groups as allGroups } from '../groups';
import type { LandlockRules } from '../landlock/policy';
import { sameAction, type Action, type Rule } from '../policy';
import { parse } from '../policy-file/parser';
import { emptyObservations, LIBSECCOMP_PROBES, usage, type Observations } from './observations';
import { INJECTED_ENOSYS } from './strace';
import { tracker } from './trackers';

export interface PreviousPolicy {
  observations: Observations;
  /** Its @group lines. */
  groups: string[];
  /** Rules learn does not write itself, kept verbatim. */
  kept: Rule[];
  /** Its `# run:` lines. */
  runs: string[];
  defaultAction: Action;
  /** Its own Landlock lines (@fs, @net...), added to the new run's proposal. */
  landlock?: LandlockRules;
}

/** The probe among LIBSECCOMP_PROBES whose answer `rule` is, if any. */
function probeAnswered(rule: Rule, arch: ArchName): (typeof LIBSECCOMP_PROBES)[number] | undefined {
  const same = (a: Rule, b: Rule) => JSON.stringify([a.syscall, a.action, a.conditions ?? []]) === JSON.stringify([b.syscall, b.action, b.conditions ?? []]);
  return LIBSECCOMP_PROBES.find((p) => p.syscall === rule.syscall && same(rule, parse(p.rule, { arch }).policy.rules[0]));
}

/** Whether `rule` is one of the refusals learn writes itself (rewritten after a merge). */
function isLearnRefusal(rule: Rule): boolean {
  if (typeof rule.action !== 'object') return false;
  const errno = String(rule.action.errno);
  if ((INJECTED_ENOSYS as readonly string[]).includes(rule.syscall)) return errno === 'ENOSYS' && !rule.conditions?.length;
  const t = tracker(rule.syscall);
  return Boolean(t?.complementErrno && t.complementErrno === errno);
}

export function readPreviousPolicy(file: string, arch: ArchName): PreviousPolicy {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    throw new SeccompError('ERR_SECCOMP_POLICY_FILE', `cannot read the policy to merge into, ${file}: ${(error as Error).message}`,
      { file, ...(errno ? { errno } : {}) });
  }
  if (/^\s*\{/.test(text)) {
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', `--merge needs a policy file in the policy file format; ${file} is JSON`, { file });
  }
  const groupLines: string[] = [];
  const names = () => Object.keys(allGroups());
  const parsed = parse(text, { file, arch, groups: { names, expand: (name) => { groupLines.push(name); return []; } } });
  const o = emptyObservations(arch);
  const kept: Rule[] = [];
  for (const rule of parsed.policy.rules) {
    if (sameAction(rule.action, 'allow')) {
      const t = tracker(rule.syscall);
      const u = usage(o, rule.syscall);
      u.earlier = true;
      if (!rule.conditions?.length) {
        if (t?.allKeys) for (const k of t.allKeys) u.classes.set(k, { count: 0, sample: t.sample(k) });
        else u.any = true;
        continue;
      }
      const keys = t?.keysOf(rule.conditions);
      if (t && keys) {
        for (const k of keys) if (!u.classes.has(k)) u.classes.set(k, { count: 0, sample: t.sample(k) });
        continue;
      }
      if (!u.any && u.classes.size === 0) o.syscalls.delete(rule.syscall);
      kept.push(rule);
    } else if (probeAnswered(rule, arch)) {
      // learn's answer to libseccomp's probe: written again when still needed
      if (!o.probes.has(rule.syscall)) o.probes.set(rule.syscall, 0);
    } else if (!isLearnRefusal(rule)) {
      kept.push(rule);
    }
  }
  const runs = text.split('\n').filter((l) => l.startsWith('# run: ')).map((l) => l.slice('# run: '.length));
  if (runs.length === 0) runs.push(`${file} (not written by learn)`);
  return { observations: o, groups: [...new Set(groupLines)], kept, runs, defaultAction: parsed.policy.defaultAction,
    ...(parsed.policy.landlock ? { landlock: parsed.policy.landlock } : {}) };
}
