/**
 * Fault injection: a filter whose default action is "allow" and whose rules make chosen
 * system calls fail with chosen errnos, optionally only when their arguments match.
 *
 *   faultPolicy({ openat: 'EIO', connect: 'ECONNREFUSED', write: { errno: 'ENOSPC', when: 'arg0 == 1' } })
 *
 * Stacked with a lockdown policy, the kernel applies the most restrictive answer of the two
 * filters: a call the policy kills is still killed (and reported), a call the policy allows
 * gets the injected errno.
 */
import { checkCondition, type Condition, type Policy, type Rule } from '../policy';
import { SeccompError } from '../errors';
import { checkKnownKeys, type KeyList } from '../known-keys';
import { parsePolicy } from '../policy-file';

/** One injected failure: the errno, and optionally the calls it applies to. */
export interface FaultRule {
  /** An errno name ('EIO') or number. */
  errno: string | number;
  /**
   * Only calls whose arguments match: a policy-file expression (`'arg0 == 1'`,
   * `'arg2 & O_ACCMODE == O_WRONLY || arg0 == 2'`) or conditions built with `arg(n)` (ANDed).
   */
  when?: string | Condition[];
}

/** An errno name or number (every call fails), or a {@link FaultRule}. */
export type Fault = string | number | FaultRule;

/** System call name -> the failure(s) to inject. Several faults for one call must not overlap. */
export type FaultSpec = Record<string, Fault | Fault[]>;

/** Calls the harness itself needs, exempted from faults: `arg` of `syscall` must differ from `value`. */
export interface FaultExemption { syscall: string; arg: number; value: bigint | number; width?: 32 | 64 }

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FAULT_RULE_KEYS: KeyList<FaultRule> = { errno: true, when: true };

function invalid(message: string, details: Record<string, unknown> = {}): SeccompError {
  return new SeccompError('ERR_SECCOMP_INVALID_OPTION', message, details);
}

function normalise(fault: Fault, syscall: string): FaultRule {
  if (typeof fault === 'string' || typeof fault === 'number') return { errno: fault };
  if (typeof fault === 'object' && fault !== null && 'errno' in fault) {
    checkKnownKeys(fault, FAULT_RULE_KEYS, 'a fault', `fail.${syscall}`);
    return fault;
  }
  throw invalid(`fault for ${syscall} must be an errno name or number, or { errno, when? }: ${JSON.stringify(fault)}`,
    { syscall });
}

/** The rules of one fault: one rule per alternative of its condition. */
function faultRules(syscall: string, fault: FaultRule): Rule[] {
  const errno = fault.errno;
  if (!(typeof errno === 'string' && NAME.test(errno)) && !(typeof errno === 'number' && Number.isInteger(errno))) {
    throw invalid(`errno for ${syscall} must be a name such as "EIO" or a number, not ${JSON.stringify(errno)}`, { syscall });
  }
  const action = { errno };
  if (fault.when === undefined) return [{ syscall, action }];
  if (Array.isArray(fault.when)) {
    return [{ syscall, action, ...(fault.when.length ? { conditions: fault.when.map((c, i) => checkCondition(c, `fail.${syscall}.when[${i}]`)) } : {}) }];
  }
  if (typeof fault.when !== 'string' || !fault.when.trim()) {
    throw invalid(`"when" for ${syscall} must be an expression such as "arg0 == 1" or a list of conditions`, { syscall });
  }
  // The policy file parser is the one expression parser: constants, masks, || and &&.
  let parsed: Policy;
  try {
    parsed = parsePolicy(`${syscall}: ${fault.when} => errno ${errno}\n`, { file: `fault for ${syscall}` });
  } catch (error) {
    const e = error as SeccompError;
    throw new SeccompError(e.code ?? 'ERR_SECCOMP_POLICY_SYNTAX',
      `invalid condition for the ${syscall} fault ("${fault.when}"): ${e.message}`, { ...(e.details ?? {}), syscall });
  }
  return parsed.rules;
}

/**
 * The fault filter for `spec`: default allow, one errno rule per fault alternative.
 * `exempt` keeps calls the harness needs (its result channel, the exec that starts the
 * program) out of the faults, by adding `arg != value` to each fault rule of that call.
 */
export function faultPolicy(spec: FaultSpec, exempt: readonly FaultExemption[] = []): Policy {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw invalid('`fail` must be an object: { syscall: errno | { errno, when } }');
  }
  const rules: Rule[] = [];
  for (const [syscall, value] of Object.entries(spec)) {
    if (!NAME.test(syscall)) throw invalid(`"${syscall}" is not a system call name`, { syscall });
    const faults = Array.isArray(value) ? value : [value];
    for (const fault of faults) {
      for (const rule of faultRules(syscall, normalise(fault, syscall))) {
        const extra = exempt.filter((e) => e.syscall === syscall).map((e): Condition => ({
          arg: e.arg, op: 'ne', value: BigInt(e.value).toString(), ...(e.width ? { width: e.width } : {}),
        }));
        const conditions = [...(rule.conditions ?? []), ...extra];
        rules.push({ syscall, action: rule.action, ...(conditions.length ? { conditions } : {}) });
      }
    }
  }
  if (rules.length === 0) throw invalid('`fail` names no system call');
  return { defaultAction: 'allow', rules };
}

/**
 * Reads the command-line form `SYSCALL=ERRNO[:EXPRESSION]` (`openat=EIO`,
 * `write=ENOSPC:arg0 == 1`) and adds it to `spec`.
 */
export function addFaultArgument(spec: FaultSpec, text: string): FaultSpec {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([A-Za-z0-9_]+)\s*(?::(.*))?$/s.exec(text);
  if (!m) {
    throw invalid(`--fail "${text}": expected SYSCALL=ERRNO or SYSCALL=ERRNO:CONDITION (openat=EIO, write=ENOSPC:arg0==1)`);
  }
  const [, syscall, errnoText, when] = m;
  const errno: string | number = /^\d+$/.test(errnoText) ? Number(errnoText) : errnoText;
  const fault: Fault = when !== undefined && when.trim() ? { errno, when: when.trim() } : errno;
  const existing = spec[syscall];
  spec[syscall] = existing === undefined ? fault : [...(Array.isArray(existing) ? existing : [existing]), fault];
  return spec;
}

/** `openat=EIO, write=ENOSPC (arg0 == 1)`: the faults in a short line, for reports. */
export function describeFaults(spec: FaultSpec): string {
  return Object.entries(spec).flatMap(([syscall, value]) => (Array.isArray(value) ? value : [value]).map((fault) => {
    const f = typeof fault === 'object' ? fault : { errno: fault };
    const when = f.when === undefined ? '' : typeof f.when === 'string' ? ` (${f.when})` : ' (when conditions hold)';
    return `${syscall}=${f.errno}${when}`;
  })).join(', ');
}
