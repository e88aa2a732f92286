#!/usr/bin/env node
// Prints the README's table of groups from the group files themselves (policies/groups), so the
// documentation cannot drift: test/readme.test.ts checks README against this output.
//   node scripts/groups-markdown.js --write   rewrites the table in README.md
'use strict';
const path = require('node:path');
const { groups, defaultProfileGroups } = require('..');

function describeEntry(entry) {
  if (entry.action === 'allow' && !entry.conditions) return `\`${entry.syscall}\``;
  const action = entry.action === 'allow' ? '' : typeof entry.action === 'string' ? entry.action : `errno ${entry.action.errno}`;
  const args = (entry.conditions ?? []).map((c) => `arg${c.arg} ${c.op === 'masked-eq' ? `& ${hex(c.mask)} ==` : opSymbol(c.op)} ${hex(c.value)}`);
  return `\`${entry.syscall}\`` + (args.length || action ? ` (${[args.join(' && '), action && `→ ${action}`].filter(Boolean).join(' ')})` : '');
}
const opSymbol = (op) => ({ eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' })[op];
const hex = (v) => { if (v === '$pid') return v; const n = BigInt(v); return n > 9n ? `0x${n.toString(16)}` : n.toString(); };

/** A group's Landlock needs in a table cell: "read `/etc/hosts`, ...; connect 53". */
function describeNeeds(needs) {
  if (!needs) return '';
  const parts = [];
  for (const [access, paths] of Object.entries(needs.fs ?? {})) parts.push(`${access} ${paths.map((p) => `\`${p}\``).join(' ')}`);
  for (const [access, ports] of Object.entries(needs.net ?? {})) parts.push(`TCP ${access} ${ports.join(' ')}`);
  return parts.join('; ');
}

function markdown() {
  const lines = ['| group | what it is for | system calls |', '| --- | --- | --- |'];
  for (const [name, group] of Object.entries(groups())) {
    // Several conditional rules for one syscall read better merged into one cell.
    const cells = new Map();
    for (const rule of group.rules) {
      const key = `${rule.syscall}|${JSON.stringify(rule.action)}`;
      cells.set(key, [...(cells.get(key) ?? []), rule]);
    }
    const described = [...group.includes.map((g) => `everything in \`${g}\``), ...[...cells.values()].map((rules) => rules.length === 1
      ? describeEntry(rules[0])
      : `\`${rules[0].syscall}\` (${rules.length} argument rules${rules[0].action === 'allow' ? '' : `, → errno ${rules[0].action.errno}`})`)];
    const file = path.relative(path.join(__dirname, '..'), group.file);
    const needs = describeNeeds(group.needs);
    lines.push(`| [\`${name}\`](${file}) | ${group.description} | ${described.join(', ')}${needs ? `. Under Landlock rules it needs: ${needs}` : ''} |`);
  }
  lines.push('', `Default daemon profile ([policies/profiles/daemon.policy](policies/profiles/daemon.policy)): ${defaultProfileGroups().map((g) => `\`${g}\``).join(' + ')}.`);
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
