/**
 * Which built-in groups would allow a call: the hint in a violation line ("@net-client
 * would allow it"). It reads the groups' own rules (policies/groups/*.policy), so it answers
 * for the arguments too: `openat` with O_RDONLY is in @exec-start and @fs-read, with O_CREAT
 * only in @fs-write. Used for children (the supervisor's line, src/children/report.ts) and
 * usable in-process: `groupsAllowing('socket', [2n, 1n, 0n])`.
 */
import { holdsAt } from './conditions';
import { groups } from './groups';
import type { Condition, Rule } from './policy';
import { isSelfPid } from './self-pid';
import { argWidth } from './syscall-args';

export interface AllowingOptions {
  /** The pid of the calling process, for `$pid` conditions (@node's tgkill: arg0 == $pid). */
  pid?: number;
}

function holds(c: Condition, syscall: string, args: readonly bigint[], pid: number | undefined): boolean {
  if (isSelfPid(c.value) && pid === undefined) return false;
  const bound = isSelfPid(c.value) ? { ...c, value: String(pid) } : c;
  return holdsAt(bound, args[c.arg] ?? 0n, c.width ?? argWidth(syscall, c.arg));
}

function allows(rule: Rule, syscall: string, args: readonly bigint[], pid: number | undefined): boolean {
  if (rule.syscall !== syscall || (rule.action !== 'allow' && rule.action !== 'log')) return false;
  return (rule.conditions ?? []).every((c) => holds(c, syscall, args, pid));
}

/**
 * The built-in groups whose own rules allow `syscall` with these argument registers (missing
 * ones count as 0), by name ('@net-client'); [] when none does. A group that only includes
 * another (@net-server includes @net-client) is not listed for the included group's calls.
 */
export function groupsAllowing(syscall: string, args: readonly (bigint | number | string)[] = [],
  options: AllowingOptions = {}): string[] {
  const registers = args.map((a) => BigInt.asUintN(64, BigInt(a)));
  return Object.entries(groups())
    .filter(([, group]) => group.rules.some((rule) => allows(rule, syscall, registers, options.pid)))
    .map(([name]) => name);
}

/**
 * For the in-process violation line, which is printed by a signal handler that can only copy
 * text prepared before the load: for each syscall name (by number, as the report prints them),
 * the groups that allow it, without arguments to go on. `@fs-write would allow fsync`;
 * `@fs-read would allow openat with some arguments` when a group allows only some calls;
 * `no built-in group allows reboot`. Empty where there is no name.
 */
export function violationHints(names: readonly string[]): string[] {
  const always = new Map<string, string[]>();
  const sometimes = new Map<string, string[]>();
  for (const [name, group] of Object.entries(groups())) {
    for (const rule of group.rules) {
      if (rule.action !== 'allow' && rule.action !== 'log') continue;
      const table = rule.conditions?.length ? sometimes : always;
      const list = table.get(rule.syscall) ?? [];
      if (!list.includes(name)) table.set(rule.syscall, [...list, name]);
    }
  }
  return names.map((syscall) => {
    if (!syscall) return '';
    const all = always.get(syscall);
    if (all) return `${all.join(', ')} would allow ${syscall}`;
    const some = sometimes.get(syscall);
    if (some) return `${some.join(', ')} would allow ${syscall} with some arguments`;
    return `no built-in group allows ${syscall}`;
  });
}
