#!/usr/bin/env node
// Prints the README's table of groups from the group data itself (src/groups.ts), so the
// documentation cannot drift: test/readme.test.ts checks README against this output.
//   node scripts/groups-markdown.js --write   rewrites the table in README.md
'use strict';
const { groups, DEFAULT_PROFILE } = require('..');

function describeEntry(entry) {
  if (typeof entry === 'string') return `\`${entry}\``;
  const action = entry.action ? (typeof entry.action === 'string' ? entry.action : `errno ${entry.action.errno}`) : '';
  const args = (entry.conditions ?? []).map((c) => `arg${c.arg} ${c.op === 'masked-eq' ? `& ${hex(c.mask)} ==` : opSymbol(c.op)} ${hex(c.value)}`);
  return `\`${entry.syscall}\`` + (args.length || action ? ` (${[args.join(' && '), action && `→ ${action}`].filter(Boolean).join(' ')})` : '');
}
const opSymbol = (op) => ({ eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' })[op];
const hex = (v) => { const n = BigInt(v); return n > 9n ? `0x${n.toString(16)}` : n.toString(); };

function markdown() {
  const lines = ['| group | what it is for | system calls |', '| --- | --- | --- |'];
  for (const [name, group] of Object.entries(groups())) {
    // Several conditional rules for one syscall read better merged into one cell.
    const cells = new Map();
    for (const entry of group.entries) {
      const key = typeof entry === 'string' ? entry : `${entry.syscall}|${JSON.stringify(entry.action ?? 'allow')}`;
      cells.set(key, [...(cells.get(key) ?? []), entry]);
    }
    const described = [...cells.values()].map((entries) => entries.length === 1 ? describeEntry(entries[0])
      : `\`${entries[0].syscall}\` (${entries.length} argument rules${entries[0].action ? `, → errno ${entries[0].action.errno}` : ''})`);
    lines.push(`| \`${name}\` | ${group.description} | ${described.join(', ')} |`);
  }
  lines.push('', `Default daemon profile: ${DEFAULT_PROFILE.map((g) => `\`${g}\``).join(' + ')}.`);
  return lines.join('\n');
}

const START = '<!-- groups:start -->';
const END = '<!-- groups:end -->';

/** README.md with the table between the markers replaced by the current data. */
function updatedReadme(readme) {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error('README.md lacks the groups markers');
  return `${readme.slice(0, start + START.length)}\n${markdown()}\n${readme.slice(end)}`;
}

module.exports = { markdown, updatedReadme };

if (require.main === module) {
  if (process.argv.includes('--write')) {
    const fs = require('node:fs');
    const file = require('node:path').join(__dirname, '..', 'README.md');
    fs.writeFileSync(file, updatedReadme(fs.readFileSync(file, 'utf8')));
  } else {
    console.log(markdown());
  }
}
