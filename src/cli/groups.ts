import { actionToString } from '../policy';
import { defaultProfileGroups, expandEntries, groups as allGroups } from '../groups';
import { syscallNumber } from '../syscalls';
import { archOption, parse, type Command } from './common';

export const groupsCommand: Command = {
  name: 'groups',
  summary: 'list the built-in groups and their system calls on an architecture',
  usage: 'groups [--arch ARCH] [GROUP...]',
  run(argv, out) {
    const { values, positionals } = parse(argv, { arch: { type: 'string' } });
    const arch = archOption(values.arch);
    const names = positionals.length ? positionals : Object.keys(allGroups());
    for (const name of names) {
      const rules = expandEntries([name]);
      const seen = new Map<string, string[]>();
      for (const rule of rules) {
        if (syscallNumber(rule.syscall, arch) === undefined) continue;
        const how = actionToString(rule.action) + (rule.conditions?.length ? ' if args match' : '');
        const list = seen.get(rule.syscall) ?? [];
        if (!list.includes(how)) list.push(how);
        seen.set(rule.syscall, list);
      }
      out.stdout(`${name}: ${allGroups()[name].description}\n`);
      for (const [syscall, how] of [...seen].sort((a, b) => a[0].localeCompare(b[0]))) {
        out.stdout(`  ${syscall.padEnd(24)} ${how.join('; ')}\n`);
      }
      out.stdout('\n');
    }
    out.stdout(`default daemon profile: ${defaultProfileGroups().join(' ')}\n`);
    return 0;
  },
};
