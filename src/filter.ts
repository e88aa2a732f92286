/**
 * The low-level builder: full control over one filter.
 *
 * ```ts
 * const f = new Filter({ defaultAction: 'kill-process' });
 * f.allow('read').allow('write', arg(0).eq(1)).errno('ptrace', 'EPERM');
 * f.exportBpf(); f.exportPfc(); f.load();
 * ```
 */
import { requireArch } from './arch';
import type * as Groups from './groups';
import type * as Loader from './loader';
import type * as VerifiedProgram from './verified-program';
import type { LoadRecord } from './loader';
import { SeccompError } from './errors';
import type { LandlockRules } from './landlock/policy';
import { checkKnownKeys, type KeyList } from './known-keys';
import type * as PolicyModule from './policy';
import type { Action, Condition, Policy, Rule } from './policy';
import { fromOciProfile, readPolicySource } from './on-demand';
import { bindForExport } from './self-pid';
import { carryOrigin, carryOrigins } from './rule-origin';

/** The compiler and the loader, loaded on the first export or load (see sandbox.ts). */
const loader = (): typeof Loader => require('./loader') as typeof Loader;
const build = (): typeof VerifiedProgram => require('./verified-program') as typeof VerifiedProgram;
/** Policy checking and the groups, loaded with the first Filter (require() stays light). */
const policies = (): typeof PolicyModule => require('./policy') as typeof PolicyModule;
const groups = (): typeof Groups => require('./groups') as typeof Groups;

export interface FilterOptions {
  /** What happens to calls no rule matches. Default 'kill-process'. */
  defaultAction?: Action;
}

export interface ExportOptions {
  /** Architecture to compile for (default: this machine's). */
  arch?: string;
  /**
   * The pid of the process that will load the program, for a policy that compares with
   * `$pid` (as `@node` does for `tgkill`). Required for such a policy: an exported program
   * cannot learn who loads it.
   */
  pid?: number;
  /** 2 (default): binary tree over syscall numbers; 1: libseccomp's linear, priority-ordered layout. */
  optimize?: 1 | 2;
}

export interface LoadOptions {
  /** Print one line naming the blocked call before the process dies (default true). */
  report?: boolean;
  /** libseccomp layout, as for {@link ExportOptions.optimize}. */
  optimize?: 1 | 2;
}

/** Options of `Filter.fromFile` and `Filter.fromJSON`. */
export interface SourceOptions {
  /** Architecture whose `[arch]` sections and OCI rules apply; default the native one. */
  arch?: string;
}

// The keys of each options object, one line each (known-keys.ts): anything else is refused.
const FILTER_OPTION_KEYS: KeyList<FilterOptions> = { defaultAction: true };
const EXPORT_OPTION_KEYS: KeyList<ExportOptions> = { arch: true, pid: true, optimize: true };
const LOAD_OPTION_KEYS: KeyList<LoadOptions> = { report: true, optimize: true };
const SOURCE_OPTION_KEYS: KeyList<SourceOptions> = { arch: true };

export class Filter {
  private readonly defaultAction: Action;
  private readonly rules: Rule[] = [];
  /** Landlock rules of a policy this Filter was made from: carried along, never dropped. */
  private landlock?: LandlockRules;

  constructor(options: FilterOptions = {}) {
    checkKnownKeys(options, FILTER_OPTION_KEYS, 'Filter options');
    this.defaultAction = policies().parseAction(options.defaultAction ?? 'kill-process');
  }

  /** A Filter holding `policy` (plain data, e.g. parsed JSON); validated. */
  static fromPolicy(policy: Policy): Filter {
    const checked = policies().checkPolicy(policy);
    const filter = new Filter({ defaultAction: checked.defaultAction });
    filter.rules.push(...checked.rules);
    if (checked.landlock) filter.landlock = checked.landlock;
    return filter;
  }

  /**
   * A Filter from a policy file: the policy file format, an OCI/Docker JSON profile, or
   * seccomp-node policy JSON (see docs/policy-files.md). `arch` selects `[arch ...]`
   * sections and OCI rules; default the native architecture.
   */
  static fromFile(file: string, options: SourceOptions = {}): Filter {
    checkKnownKeys(options, SOURCE_OPTION_KEYS, 'Filter.fromFile() options');
    return Filter.fromPolicy(readPolicySource(file, options.arch ? { arch: requireArch(options.arch) } : {}).policy);
  }

  /** A Filter from JSON text or a parsed object: seccomp-node policy data or an OCI/Docker profile. */
  static fromJSON(json: string | object, options: SourceOptions = {}): Filter {
    checkKnownKeys(options, SOURCE_OPTION_KEYS, 'Filter.fromJSON() options');
    let data: unknown = json;
    if (typeof json === 'string') {
      try { data = JSON.parse(json); } catch (error) {
        throw new SeccompError('ERR_SECCOMP_POLICY_SYNTAX', `invalid JSON: ${(error as Error).message}`);
      }
    }
    if (typeof data === 'object' && data !== null && 'syscalls' in data) {
      return Filter.fromPolicy(fromOciProfile(data, options.arch ? { arch: requireArch(options.arch) } : {}).policy);
    }
    return Filter.fromPolicy(data as Policy);
  }

  /** Allow a syscall (optionally only when all `conditions` hold), or every call of a '@group'. */
  allow(syscallOrGroup: string, ...conditions: Condition[]): this {
    return this.rule(syscallOrGroup, 'allow', ...conditions);
  }

  /** Fail the call with `errno` (a name such as 'EPERM', or a number) instead of running it. */
  errno(syscall: string, errno: string | number, ...conditions: Condition[]): this {
    return this.rule(syscall, { errno }, ...conditions);
  }

  /** Kill the whole process (SIGSYS), with the violation report when loading with report on. */
  kill(syscall: string, ...conditions: Condition[]): this { return this.rule(syscall, 'kill-process', ...conditions); }
  /** Raise SIGSYS in the calling thread (ends the process unless native code handles it). */
  trap(syscall: string, ...conditions: Condition[]): this { return this.rule(syscall, 'trap', ...conditions); }
  /** Allow the call and have the kernel log it (audit log / dmesg). */
  log(syscall: string, ...conditions: Condition[]): this { return this.rule(syscall, 'log', ...conditions); }

  /** Add a rule with any action. */
  rule(syscallOrGroup: string, action: Action, ...conditions: Condition[]): this {
    const parsed = policies().parseAction(action);
    const checked = conditions.map((c, i) => policies().checkCondition(c, `conditions[${i}]`));
    if (syscallOrGroup.startsWith('@')) {
      if (checked.length > 0) {
        throw new SeccompError('ERR_SECCOMP_INVALID_CONDITION', `conditions cannot apply to a whole group (${syscallOrGroup})`);
      }
      const expanded = groups().expandEntries([syscallOrGroup]);
      this.rules.push(...expanded.map((r) => (r.action === 'allow' ? carryOrigin(r, { ...r, action: parsed }) : r)));
    } else {
      this.rules.push({ syscall: syscallOrGroup, action: parsed, ...(checked.length ? { conditions: checked } : {}) });
    }
    return this;
  }

  /** The policy as plain, JSON-serialisable data. */
  toPolicy(): Policy {
    const policy = structuredClone({ defaultAction: this.defaultAction, rules: this.rules, ...(this.landlock ? { landlock: this.landlock } : {}) });
    carryOrigins(this.rules, policy.rules);
    return policy;
  }

  toJSON(): Policy { return this.toPolicy(); }

  /** The BPF program (struct sock_filter[]), as the kernel would load it. */
  exportBpf(options: ExportOptions = {}): Buffer {
    checkKnownKeys(options, EXPORT_OPTION_KEYS, 'export options');
    const { compileFor, exportBpf } = build();
    return exportBpf(compileFor(forExport(this.toPolicy(), options), { ...toBuild(options), report: false }));
  }

  /** libseccomp's human-readable pseudo filter code. */
  exportPfc(options: ExportOptions = {}): string {
    checkKnownKeys(options, EXPORT_OPTION_KEYS, 'export options');
    const { compileFor, exportPfc } = build();
    return exportPfc(compileFor(forExport(this.toPolicy(), options), { ...toBuild(options), report: false }));
  }

  /** Load into this process, for every thread. Irreversible. */
  load(options: LoadOptions = {}): LoadRecord {
    checkKnownKeys(options, LOAD_OPTION_KEYS, 'load options');
    return loader().loadPolicy(this.toPolicy(), 'Filter', { report: options.report ?? true, optimize: options.optimize });
  }
}

function forExport(policy: Policy, options: ExportOptions): Policy {
  return bindForExport(policy, options.pid, 'the pid option (exportBpf({ pid }))');
}

function toBuild(options: ExportOptions) {
  return { ...(options.arch ? { arch: requireArch(options.arch) } : {}), ...(options.optimize ? { optimize: options.optimize } : {}) };
}
