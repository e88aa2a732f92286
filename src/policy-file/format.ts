/**
 * Writes a {@link Policy} in the policy file format. Unconditional allow and errno rules use
 * minijail's spellings (`1`, `return EPERM`), so that simple policies stay minijail files.
 * parsePolicy(formatPolicy(p)) deep-equals p for every policy this format can express.
 */
import { SeccompError } from '../errors';
import type { Action, Condition, Policy, Rule } from '../policy';
import { formatLandlock } from './landlock';
import { isSelfPid, SELF_PID } from '../self-pid';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INTEGER = /^(?:0|-?[1-9][0-9]*)$/;
const OPERATORS = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' } as const;

function unwritable(what: string, value: unknown): SeccompError {
  return new SeccompError('ERR_SECCOMP_INVALID_OPTION',
    `cannot write ${what} ${JSON.stringify(value)} in a policy file`, { value });
}

function actionText(action: Action): string {
  if (typeof action === 'object' && action !== null) {
    const errno = action.errno;
    if ((typeof errno === 'string' && NAME.test(errno)) || (Number.isInteger(errno) && +errno >= 0 && +errno <= 4095)) {
      return `errno ${errno}`;
    }
  } else if (action === 'kill-process') {
    return 'kill';
  } else if (action === 'allow' || action === 'trap' || action === 'log') {
    return action;
  }
  throw unwritable('the action', action);
}

function integer(value: string | undefined, what: string): bigint {
  if (typeof value !== 'string' || !INTEGER.test(value)) throw unwritable(what, value);
  return BigInt(value);
}

function conditionText(c: Condition): string {
  if (!Number.isInteger(c.arg) || c.arg < 0 || c.arg > 5) throw unwritable('the argument index', c.arg);
  if (c.width !== undefined && c.width !== 32 && c.width !== 64) throw unwritable('the width', c.width);
  const arg = `arg${c.arg}${c.width ? `:${c.width}` : ''}`;
  if (isSelfPid(c.value) && (c.op === 'eq' || c.op === 'ne')) return `${arg} ${OPERATORS[c.op]} ${SELF_PID}`;
  const value = integer(c.value, 'the value');
  if (c.op === 'masked-eq') {
    const mask = integer(c.mask, 'the mask');
    // Masks read best in hex; negative ones (two's complement) stay decimal.
    return `${arg} & ${mask < 0n ? mask : `0x${mask.toString(16)}`} == ${value}`;
  }
  if (!Object.hasOwn(OPERATORS, c.op)) throw unwritable('the comparison', c.op);
  return `${arg} ${OPERATORS[c.op]} ${value}`;
}

/** One rule as a policy file line: `socket: arg0 == 1 => errno EPERM`. */
export function formatRule(rule: Rule): string {
  if (typeof rule.syscall !== 'string' || !NAME.test(rule.syscall)) throw unwritable('the system call name', rule.syscall);
  const action = actionText(rule.action);
  if (!rule.conditions?.length) {
    const body = action === 'allow' ? '1' : action.startsWith('errno ') ? action.replace('errno', 'return') : action;
    return `${rule.syscall}: ${body}`;
  }
  const expression = rule.conditions.map(conditionText).join(' && ');
  return `${rule.syscall}: ${expression}${action === 'allow' ? '' : ` => ${action}`}`;
}

/** The policy as policy file text, one rule per line. */
export function formatPolicy(policy: Policy): string {
  const lines: string[] = [];
  const defaultAction = actionText(policy.defaultAction);
  if (defaultAction !== 'kill') lines.push(`@default ${defaultAction}`);
  for (const rule of policy.rules) lines.push(formatRule(rule));
  lines.push(...formatLandlock(policy.landlock));
  return lines.map((line) => `${line}\n`).join('');
}
