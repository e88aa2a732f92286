/**
 * Role presets for child processes: policy files in policies/profiles (compute, fetcher,
 * file-reader, and daemon, the default profile), read with the built-in groups (parsed
 * ahead of time where the build could, see src/builtin-policies.ts).
 */
import { SeccompError } from '../errors';
import { builtinDefinition, builtinNames, definitionFile } from '../builtin-policies';
import { builtinGroups } from '../groups';
import { mergeLandlock, type LandlockRules } from '../landlock/policy';
import type { Policy, Rule } from '../policy';
import { closestName } from '../closest-name';
import type * as PolicySpec from '../policy-spec';
import type { LockdownOptions } from '../sandbox';

export interface ProfileDefinition {
  name: string;
  /** The leading comment of its policy file. */
  description: string;
  file: string;
  /** The groups it names. */
  groups: string[];
}

function checkProfileName(name: string): void {
  const names = profileNames();
  if (!names.includes(name)) {
    const suggestion = closestName(name, names);
    throw new SeccompError('ERR_SECCOMP_UNKNOWN_PROFILE',
      `unknown profile "${name}"` + (suggestion ? `; did you mean "${suggestion}"?` : '') + `; profiles: ${names.join(', ')}`,
      { profile: name, suggestion });
  }
}

/** The presets shipped in policies/profiles: 'compute', 'daemon', 'fetcher', 'file-reader'. */
export function profileNames(): string[] {
  return builtinNames('profiles');
}

/**
 * A profile as the policy file parser reads it with the built-in groups: each group's rules
 * where the file names it (profiles name their groups before their own rules), then its own
 * rules; Landlock needs of the groups, then its own Landlock lines. `@exec-start` is left
 * out unless `execStart`. test/builtin-policies.test.ts checks this against a parse.
 */
function readProfile(name: string, execStart: boolean): { policy: Policy; groups: string[]; file: string; description: string } {
  checkProfileName(name);
  const definition = builtinDefinition('profiles', name);
  const seen = new Set<string>();
  const rules: Rule[] = [];
  let landlock: LandlockRules | undefined;
  for (const group of definition.includes) {
    if (group === '@exec-start' && !execStart) continue;
    rules.push(...builtinGroups.expand(group, seen));
    const needs = builtinGroups.needs!(group);
    if (needs) landlock = mergeLandlock(landlock, { needs });
  }
  const own = structuredClone(definition.policy);
  rules.push(...own.rules);
  landlock = mergeLandlock(landlock, own.landlock);
  const policy: Policy = { defaultAction: own.defaultAction, rules, ...(landlock ? { landlock } : {}) };
  return { policy, groups: [...definition.includes], file: definitionFile(definition), description: definition.description };
}

/**
 * A preset as policy data, for `sandbox.spawn`/`fork`/`execFile({ policy })` or
 * `sandbox.lockdown({ policy })`:
 * - `compute`: the runtime and the descriptors it was given (stdio, fork's IPC channel);
 *   no sockets, no file writes, no processes.
 * - `fetcher`: `compute` plus connecting out and DNS; no listening, no file writes.
 * - `file-reader`: `compute` plus reading files and directories; no network, no writes.
 * - `daemon`: the default daemon profile of `sandbox.lockdown()`.
 * The exec-time presets include `@exec-start`, whose read-only opens every program needs to
 * start. `{ execStart: false }` leaves it out: for a process that is already running, such
 * as a worker that tightens its own filter once its code is loaded (then `compute` allows no
 * open at all).
 */
export function profile(name: string, options: { execStart?: boolean } = {}): Policy {
  return readProfile(name, options.execStart !== false).policy;
}

/** Every preset with its description, file and groups. */
export function profiles(): Record<string, ProfileDefinition> {
  return Object.fromEntries(profileNames().map((name) => {
    const { groups, file, description } = readProfile(name, true);
    return [name, { name, description, file, groups }];
  }));
}

/**
 * What SECCOMP_NODE_POLICY asks `--import seccomp-node/lockdown` for: the lockdown options
 * a policy string stands for. It lives with the other policy strings (src/policy-spec.ts),
 * loaded on first use: reading files, OCI profiles and JSON is not part of `require()`.
 */
export function parsePolicySpec(spec: string): LockdownOptions {
  return (require('../policy-spec') as typeof PolicySpec).parsePolicySpec(spec);
}
