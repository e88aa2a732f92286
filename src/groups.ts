/**
 * Named groups of system calls and the default daemon profile. They are policy files in
 * the package (policies/groups/NAME.policy is '@NAME', policies/profiles/daemon.policy the
 * default profile), read with the same parser as users' policies: one source of truth. The
 * build parses them ahead of time where it can (src/builtin-policies.ts).
 * A group file's leading comment is its description.
 */
import { SeccompError } from './errors';
import { binding } from './native';
import { checkRule, type Action, type Condition, type Policy, type Rule } from './policy';
import { addNeeds, mergeLandlock, type LandlockNeeds } from './landlock/policy';
import type { GroupTable } from './policy-file/parser';
import { builtinDefinition, builtinNames, definitionFile } from './builtin-policies';
import { closestName } from './closest-name';
import { carryOrigin, carryOrigins } from './rule-origin';

export { leadingComment } from './builtin-policies';

/** One entry of an allow list: a syscall name, a '@group', or a rule object. */
export type GroupEntry = string | { syscall: string; action?: Action; conditions?: Condition[] };

export interface GroupDefinition {
  description: string;
  /** The policy file that defines it. */
  file: string;
  /** Groups it includes ('@net-server' includes '@net-client'). */
  includes: string[];
  /** Its own rules, without those of included groups. */
  rules: Rule[];
  /**
   * Its own Landlock needs (`@needs` lines), without those of included groups: the files
   * and ports it needs when a policy restricts them (`@dns`: the resolver files).
   */
  needs?: LandlockNeeds;
}

function requireBinding() {
  if (!binding) throw new SeccompError('ERR_SECCOMP_UNSUPPORTED', 'groups need the native addon (constants)');
  return binding;
}

let names: string[] | undefined;
const loaded = new Map<string, GroupDefinition>();
const loading = new Set<string>();

function groupNames(): string[] {
  names ??= builtinNames('groups').map((n) => `@${n}`);
  return names;
}

function loadGroup(name: string): GroupDefinition {
  const done = loaded.get(name);
  if (done) return done;
  if (loading.has(name)) {
    throw new SeccompError('ERR_SECCOMP_POLICY_SYNTAX', `built-in group ${name} includes itself (through ${[...loading].join(' -> ')})`);
  }
  requireBinding();
  loading.add(name);
  try {
    const built = builtinDefinition('groups', name.slice(1));
    const { includes, policy } = built;
    // Every name resolves through the kernel's tables shipped with the package, whatever
    // libseccomp is installed; test/syscall-tables.test.ts compiles every group.
    const { needs, ...restricting } = policy.landlock ?? {};
    if (Object.keys(restricting).length) {
      // A group brings grants; restricting is the policy's decision.
      throw new SeccompError('ERR_SECCOMP_POLICY_SYNTAX', `built-in group ${name} restricts Landlock (${Object.keys(restricting).join(', ')}); groups may only have @needs lines`);
    }
    const definition = { description: built.description, file: definitionFile(built), includes, rules: policy.rules, ...(needs ? { needs } : {}) };
    loaded.set(name, definition);
    return definition;
  } finally {
    loading.delete(name);
  }
}

/** All groups, by name. */
export function groups(): Record<string, GroupDefinition> {
  return Object.fromEntries(groupNames().map((name) => [name, loadGroup(name)]));
}

function unknownGroup(name: string): SeccompError {
  const suggestion = closestName(name, groupNames());
  return new SeccompError('ERR_SECCOMP_UNKNOWN_GROUP',
    `unknown group "${name}"` + (suggestion ? `; did you mean "${suggestion}"?` : '') + `; groups: ${groupNames().join(', ')}`,
    { group: name, suggestion });
}

/** The rules of a group and the groups it includes, each group once per `seen`. */
function groupRules(name: string, seen: Set<string>): Rule[] {
  if (!groupNames().includes(name)) throw unknownGroup(name);
  if (seen.has(name)) return [];
  seen.add(name);
  const group = loadGroup(name);
  // Copies, so that a caller changing a policy cannot change the group table.
  return [...group.includes.flatMap((n) => groupRules(n, seen)), ...group.rules.map((r) => carryOrigin(r, structuredClone(r)))];
}

/** What a group and the groups it includes need from Landlock. */
export function groupNeeds(name: string): LandlockNeeds | undefined {
  if (!groupNames().includes(name)) throw unknownGroup(name);
  const group = loadGroup(name);
  let rules: { needs?: LandlockNeeds } | undefined = group.needs ? { needs: structuredClone(group.needs) } : undefined;
  for (const included of group.includes) rules = addNeeds(rules, groupNeeds(included));
  return rules?.needs;
}

/** The built-in groups as the policy parser sees them. */
export const builtinGroups: GroupTable = { names: groupNames, expand: groupRules, needs: groupNeeds };

/** What the groups among allow-list entries need from Landlock. */
export function entriesNeeds(entries: readonly GroupEntry[]): LandlockNeeds | undefined {
  let rules: { needs?: LandlockNeeds } | undefined;
  for (const entry of entries) {
    if (typeof entry === 'string' && entry.startsWith('@')) rules = addNeeds(rules, groupNeeds(entry));
  }
  return rules?.needs;
}

/**
 * Expands allow-list entries (names, '@groups', rule objects) into policy rules, each
 * group once. Entries without an action are allowed. `path` names the list in errors.
 */
export function expandEntries(entries: readonly GroupEntry[], seen = new Set<string>(), path = 'allow'): Rule[] {
  return entries.flatMap((entry, i): Rule[] => {
    if (typeof entry === 'string') {
      return entry.startsWith('@') ? groupRules(entry, seen) : [{ syscall: entry, action: 'allow' }];
    }
    // Rule objects are checked here, unknown keys included: a misspelt "conditions" must
    // not leave an unconditional allow behind.
    return [checkRule(entry, `${path}[${i}]`, 'allow')];
  });
}

let profile: { groups: string[]; policy: Policy } | undefined;

function loadProfile(): { groups: string[]; policy: Policy } {
  if (!profile) {
    const { includes, policy } = builtinDefinition('profiles', 'daemon');
    const landlock = mergeLandlock(addNeeds(undefined, entriesNeeds(includes)), policy.landlock);
    profile = { groups: includes, policy: { ...policy, rules: [...expandEntries(includes), ...policy.rules], ...(landlock ? { landlock } : {}) } };
  }
  return profile;
}

/** The default daemon profile (policies/profiles/daemon.policy) as a policy. */
export function defaultDaemonProfile(): Policy {
  const { policy } = loadProfile();
  const copy = structuredClone(policy);
  carryOrigins(policy.rules, copy.rules);
  return copy;
}

/** The groups the default daemon profile is made of. */
export function defaultProfileGroups(): string[] {
  return [...loadProfile().groups];
}
