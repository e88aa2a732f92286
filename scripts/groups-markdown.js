#!/usr/bin/env node
// Prints the table of groups in docs/groups.md from the group files themselves (policies/groups),
// so the documentation cannot drift: test/readme.test.ts checks docs/groups.md against this output.
//   node scripts/groups-markdown.js --write   rewrites the table in docs/groups.md
'use strict';
const path = require('node:path');
const { groups, defaultProfileGroups } = require('..');

const ROOT = path.join(__dirname, '..');
/** The page that holds the table; its links to the group files are relative to it. */
const PAGE = path.join(ROOT, 'docs', 'groups.md');
const link = (file) => path.relative(path.dirname(PAGE), path.resolve(ROOT, file));

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
    const file = link(group.file);
    const needs = describeNeeds(group.needs);
    lines.push(`| [\`${name}\`](${file}) | ${group.description} | ${described.join(', ')}${needs ? `. Under Landlock rules it needs: ${needs}` : ''} |`);
  }
  lines.push('', `Default daemon profile ([policies/profiles/daemon.policy](${link('policies/profiles/daemon.policy')})): ${defaultProfileGroups().map((g) => `\`${g}\``).join(' + ')}.`);
  return lines.join('\n');
}

const START = '<!-- groups:start -->';
const END = '<!-- groups:end -->';

/** The page's text with the table between the markers replaced by the current data. */
function updatedPage(text) {
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${path.relative(ROOT, PAGE)} lacks the groups markers`);
  return `${text.slice(0, start + START.length)}\n${markdown()}\n${text.slice(end)}`;
}

module.exports = { markdown, updatedPage, PAGE };

if (require.main === module) {
  if (process.argv.includes('--write')) {
    const fs = require('node:fs');
    fs.writeFileSync(PAGE, updatedPage(fs.readFileSync(PAGE, 'utf8')));
  } else {
    console.log(markdown());
  }
}
