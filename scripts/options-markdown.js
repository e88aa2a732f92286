#!/usr/bin/env node
// Prints the option tables of the docs from the TSDoc on the option interfaces themselves
// (lockdown, Landlock isolation, spawn/fork/execFile, runSandboxed), so the documentation
// cannot drift from the types: test/options-markdown.test.ts checks the pages against this.
//   node scripts/options-markdown.js           prints every table
//   node scripts/options-markdown.js --write   rewrites the tables in docs/
// Each table sits between <!-- options:NAME:start --> and <!-- options:NAME:end --> in its page.
// A member's comment gives the meaning; its @defaultValue tag, the default.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const ROOT = path.join(__dirname, '..');

/** Each generated table: the interface, the file that declares it, the page that shows it. */
const TABLES = [
  { name: 'LockdownOptions', source: 'src/sandbox.ts', page: 'docs/api.md' },
  { name: 'Isolation', source: 'src/landlock/policy.ts', page: 'docs/api.md' },
  { name: 'ChildPolicyOptions', source: 'src/children/spawn.ts', page: 'docs/api.md' },
  { name: 'RunSandboxedOptions', source: 'src/testing/index.ts', page: 'docs/testing.md' },
];

function program() {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.json'), {}, {
    ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
  });
  return ts.createProgram(TABLES.map((t) => path.join(ROOT, t.source)), { ...config.options, noEmit: true });
}

/** Table cells are one line, and a `|` inside one would end it. */
const cell = (text) => text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|').trim();

/** The members of an interface (inherited ones included, in declaration order) as table rows. */
function rows(checker, sourceFile, name) {
  const declaration = sourceFile.statements.find((s) => ts.isInterfaceDeclaration(s) && s.name.text === name);
  if (!declaration) throw new Error(`${sourceFile.fileName} declares no interface ${name}`);
  const type = checker.getTypeAtLocation(declaration);
  return checker.getPropertiesOfType(type).map((property) => {
    const member = property.declarations?.[0];
    const typeText = member && member.type ? member.type.getText() : checker.typeToString(checker.getTypeOfSymbol(property));
    const doc = ts.displayPartsToString(property.getDocumentationComment(checker));
    if (!doc) throw new Error(`${name}.${property.name} has no TSDoc: document it in ${path.relative(ROOT, member.getSourceFile().fileName)}`);
    const defaultTag = property.getJsDocTags(checker).find((t) => t.name === 'defaultValue');
    const defaultText = defaultTag ? ts.displayPartsToString(defaultTag.text) : '';
    return `| \`${property.name}\` | \`${cell(typeText)}\` | ${cell(defaultText)} | ${cell(doc)} |`;
  });
}

/** Every table's Markdown, by interface name. */
function tables() {
  const p = program();
  const checker = p.getTypeChecker();
  const result = {};
  for (const table of TABLES) {
    const sourceFile = p.getSourceFile(path.join(ROOT, table.source));
    result[table.name] = ['| option | type | default | meaning |', '| --- | --- | --- | --- |', ...rows(checker, sourceFile, table.name)].join('\n');
  }
  return result;
}

/** Each page that holds tables, with its tables replaced by the current ones: { page: text }. */
function updatedPages(generated = tables()) {
  const pages = {};
  for (const table of TABLES) {
    const text = pages[table.page] ?? fs.readFileSync(path.join(ROOT, table.page), 'utf8');
    const start = `<!-- options:${table.name}:start -->`;
    const end = `<!-- options:${table.name}:end -->`;
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    if (from < 0 || to < from) throw new Error(`${table.page} lacks the markers ${start} ... ${end}`);
    pages[table.page] = `${text.slice(0, from + start.length)}\n${generated[table.name]}\n${text.slice(to)}`;
  }
  return pages;
}

module.exports = { TABLES, tables, updatedPages };

if (require.main === module) {
  if (process.argv.includes('--write')) {
    for (const [page, text] of Object.entries(updatedPages())) fs.writeFileSync(path.join(ROOT, page), text);
  } else {
    for (const [name, table] of Object.entries(tables())) console.log(`${name}\n\n${table}\n`);
  }
}
