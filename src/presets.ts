/**
 * Role presets for child processes: policy files in policies/profiles (compute, fetcher,
 * file-reader, and daemon, the default profile), read with the built-in groups.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeccompError } from './errors';
import { builtinGroups, leadingComment } from './groups';
import type { Policy } from './policy';
import { parseFile, type GroupTable } from './policy-file/parser';
import { closestName } from './syscalls';

const PROFILE_DIR = path.join(__dirname, '..', 'policies', 'profiles');

export interface ProfileDefinition {
  name: string;
  /** The leading comment of its policy file. */
  description: string;
  file: string;
  /** The groups it names. */
  groups: string[];
}

function profileFile(name: string): string {
  const names = profileNames();
  if (!names.includes(name)) {
    const suggestion = closestName(name, names);
    throw new SeccompError('ERR_SECCOMP_UNKNOWN_PROFILE',
      `unknown profile "${name}"` + (suggestion ? `; did you mean "${suggestion}"?` : '') + `; profiles: ${names.join(', ')}`,
      { profile: name, suggestion });
  }
  return path.join(PROFILE_DIR, `${name}.policy`);
}

/** The presets shipped in policies/profiles: 'compute', 'daemon', 'fetcher', 'file-reader'. */
export function profileNames(): string[] {
  return fs.readdirSync(PROFILE_DIR).filter((f) => f.endsWith('.policy')).map((f) => f.slice(0, -'.policy'.length)).sort();
}

function readProfile(name: string, execStart: boolean): { policy: Policy; groups: string[]; file: string } {
  const file = profileFile(name);
  const groups: string[] = [];
  const table: GroupTable = {
    names: builtinGroups.names,
    expand: (group, seen) => {
      groups.push(group);
      return group === '@exec-start' && !execStart ? [] : builtinGroups.expand(group, seen);
    },
    needs: (group) => (group === '@exec-start' && !execStart ? undefined : builtinGroups.needs!(group)),
  };
  return { policy: parseFile(file, { groups: table }).policy, groups, file };
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
    const { groups, file } = readProfile(name, true);
    return [name, { name, description: leadingComment(fs.readFileSync(file, 'utf8')), file, groups }];
  }));
}

// SECCOMP_NODE_POLICY's reader lives with the other policy strings (src/policy-spec.ts).
export { parsePolicySpec } from './policy-spec';
