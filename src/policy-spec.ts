/**
 * A policy given as one string. Every place that takes one reads it here, the same way:
 * `lockdown({ policy })`, `spawn`/`fork`/`execFile({ policy })`, `runSandboxed({ policy })`,
 * the command line's policy arguments (`check`, `compile`, `dump`, `explain`,
 * `run --policy`) and `SECCOMP_NODE_POLICY`. The form is decided by the text alone, in this
 * order, never by which files happen to exist:
 *
 * 1. JSON (starts with `{`): policy data (with `rules`) or an OCI/Docker profile (with
 *    `syscalls`);
 * 2. a list (starts with `@`, or names separated by commas or spaces, without a `/`):
 *    groups and system call names, `@node,@net-server,fsync`, read as a policy file with one
 *    entry a line (`@default kill`);
 * 3. a preset: a bare word that names one (`compute`, `fetcher`, `file-reader`, `daemon`),
 *    as `profile(name)` returns it;
 * 4. anything else: the path of a policy file (the policy file format, an OCI profile, or
 *    policy JSON), relative to the working directory (`runSandboxed`: its `cwd`).
 *
 * So a file whose name is a bare preset word, or holds a comma, is reached with a `/`:
 * `./compute`, `./a,b.policy`. A bare word that names nothing is a file that, when it does
 * not exist, is reported with the preset it may have meant.
 */
import * as path from 'node:path';
import { SeccompError } from './errors';
import { parsePolicyWithLocations } from './policy-file';
import { profile, profileNames } from './children/presets';
import { readPolicyJson, readPolicySource, type PolicySource, type PolicySourceOptions } from './policy-source';
import type { LockdownOptions } from './sandbox';
import { closestName } from './syscalls';

export type PolicySpecKind = 'json' | 'list' | 'preset' | 'file';

const LIST_ITEM = /^@?[A-Za-z_][A-Za-z0-9_-]*$/;
const PRESET_WORD = /^[a-z][a-z0-9-]*$/;

/** Which form `spec` is (see the module comment); decided by the text alone. */
export function policySpecKind(spec: string): PolicySpecKind {
  const text = spec.trim();
  if (text.startsWith('{')) return 'json';
  if (text.startsWith('@') || (/[\s,]/.test(text) && !text.includes('/'))) return 'list';
  if (PRESET_WORD.test(text) && profileNames().includes(text)) return 'preset';
  return 'file';
}

export interface PolicySpecOptions extends PolicySourceOptions {
  /** Where a relative file path starts; default the working directory. */
  cwd?: string;
}

/** The policy `spec` stands for, in any of the forms (see the module comment). */
export function readPolicySpec(spec: string, options: PolicySpecOptions = {}): PolicySource {
  if (typeof spec !== 'string' || spec.trim() === '') {
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', 'the policy is empty: give a file, a preset, a list such as "@node,@fs-read", or JSON');
  }
  const text = spec.trim();
  const { cwd, ...sourceOptions } = options;
  switch (policySpecKind(text)) {
    case 'json': return readPolicyJson(text, sourceOptions);
    case 'list': return fromList(text, sourceOptions);
    case 'preset': return { policy: profile(text), kind: 'preset', notes: [], warnings: [] };
    case 'file': return fromFile(text, cwd, sourceOptions);
  }
}

function fromList(text: string, options: PolicySourceOptions): PolicySource {
  const items = text.split(/[\s,]+/).filter(Boolean);
  for (const item of items) {
    if (!LIST_ITEM.test(item)) {
      throw new SeccompError('ERR_SECCOMP_POLICY_SYNTAX',
        `"${item}" in the policy list "${text}" is neither a group (@name) nor a system call name. A list names groups and ` +
        'calls separated by commas; a file path needs a "/" (./my,policy.policy)', { item, list: text });
    }
  }
  // One entry a line, so that errors and `explain` point at the entry (the list's "line").
  const parsed = parsePolicyWithLocations(items.map((item) => (item.startsWith('@') ? item : `${item}: 1`)).join('\n'),
    { file: '<list>', ...(options.arch ? { arch: options.arch } : {}) });
  return { policy: parsed.policy, kind: 'list', locations: parsed.locations, notes: parsed.notes, warnings: parsed.warnings };
}

function fromFile(text: string, cwd: string | undefined, options: PolicySourceOptions): PolicySource {
  try {
    return readPolicySource(cwd === undefined ? text : path.resolve(cwd, text), options);
  } catch (error) {
    // `fetchr` is a missing file, and most likely a misspelt preset.
    const suggestion = error instanceof SeccompError && error.code === 'ERR_SECCOMP_POLICY_FILE' && error.details.errno === 'ENOENT' &&
      PRESET_WORD.test(text) ? closestName(text, profileNames()) : undefined;
    if (!suggestion) throw error;
    throw new SeccompError('ERR_SECCOMP_POLICY_FILE', `${error instanceof Error ? error.message : String(error)}; ` +
      `did you mean the preset "${suggestion}"? (presets: ${profileNames().join(', ')})`,
    { ...(error as SeccompError).details, suggestion });
  }
}

/**
 * Lockdown options from one string, as `SECCOMP_NODE_POLICY` gives them to
 * `node --import seccomp-node/lockdown`: any policy string above, or, as JSON without
 * `rules` or `syscalls`, lockdown options themselves, such as Landlock rules on the default
 * profile: `{"fs":{"read":["/srv/app"]},"net":{"connect":[443]}}` (or `allow`, `isolate`,
 * `bestEffort`...). Options are objects everywhere else; only an environment variable needs
 * them as text.
 */
export function parsePolicySpec(spec: string): LockdownOptions {
  const text = typeof spec === 'string' ? spec.trim() : '';
  if (policySpecKind(text) === 'json') {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new SeccompError('ERR_SECCOMP_POLICY_SYNTAX', `invalid policy JSON: ${(error as Error).message}`);
    }
    if (typeof data === 'object' && data !== null && !Array.isArray(data) && !('rules' in data) && !('syscalls' in data)) {
      return data as LockdownOptions; // lockdown() checks the keys
    }
  }
  return { policy: readPolicySpec(text).policy };
}
