import { defaultProfileGroups, expandEntries, groups as allGroups } from '../groups';
import { formatRule } from '../policy-file/format';
import { describeOrigin, originOf } from '../rule-origin';
import { closestName, syscallNumber } from '../syscalls';
import { SeccompError } from '../errors';
import { archOption, asUsage, parse, type Command } from './common';

/** `@net-client` as given, or `net-client` as people type it; unknown names get a suggestion. */
function groupName(given: string, known: string[]): string {
  const name = given.startsWith('@') ? given : `@${given}`;
  if (known.includes(name)) return name;
  const suggestion = closestName(name, known);
  throw new SeccompError('ERR_SECCOMP_UNKNOWN_GROUP',
    `unknown group "${given}"` + (suggestion ? `; did you mean "${suggestion}"?` : '') + `; groups: ${known.join(', ')}`,
    { group: given, ...(suggestion ? { suggestion } : {}) });
}

export const groupsCommand: Command = {
  name: 'groups',
  summary: 'list the built-in groups and their rules (conditions included) on an architecture',
  usage: 'groups [--arch ARCH] [GROUP...]   (GROUP: @net-client or net-client)',
  run(argv, out) {
    const { values, positionals } = parse(argv, { arch: { type: 'string' } });
    const arch = archOption(values.arch);
    const table = allGroups();
    const known = Object.keys(table);
    const names = positionals.length ? positionals.map((p) => asUsage(() => groupName(p, known))) : known;
    for (const name of names) {
      // Each rule as a policy file line (what the filter compares, in numbers), with the
      // line of the group's file that wrote it (where the constants have their names).
      const rules = expandEntries([name]).filter((rule) => syscallNumber(rule.syscall, arch) !== undefined);
      const lines = rules.map((rule) => ({ syscall: rule.syscall, text: formatRule(rule), origin: originOf(rule) }))
        .sort((a, b) => a.syscall.localeCompare(b.syscall));
      const width = Math.min(60, Math.max(0, ...lines.map((l) => l.text.length)));
      out.stdout(`${name}: ${table[name].description}\n`);
      for (const line of lines) {
        const where = line.origin ? `  # ${describeOrigin(line.origin)}` : '';
        out.stdout(`  ${where ? line.text.padEnd(width) : line.text}${where}\n`);
      }
      out.stdout('\n');
    }
    out.stdout(`default daemon profile: ${defaultProfileGroups().join(' ')}\n`);
    return 0;
  },
};
