/**
 * The option tables in docs/ (lockdown, isolation, spawn/fork/execFile, runSandboxed) are
 * generated from the TSDoc on the option interfaces by scripts/options-markdown.js; this
 * keeps the pages and the types in step.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';

interface Generator {
  TABLES: { name: string; source: string; page: string }[];
  tables(): Record<string, string>;
  updatedPages(): Record<string, string>;
}
const generator = require('../scripts/options-markdown.js') as Generator;
const ROOT = path.join(__dirname, '..');

it('every option table in docs/ is the one the TSDoc gives', () => {
  for (const [page, expected] of Object.entries(generator.updatedPages())) {
    expect(fs.readFileSync(path.join(ROOT, page), 'utf8'), `${page} differs from the TSDoc: run node scripts/options-markdown.js --write`)
      .toBe(expected);
  }
}, 60_000); // builds a TypeScript program over src/: seconds on a loaded machine

it('the tables hold every option, with the TSDoc\'s meaning and default', () => {
  const tables = generator.tables();
  expect(Object.keys(tables).sort()).toEqual(['ChildPolicyOptions', 'Isolation', 'LockdownOptions', 'RunSandboxedOptions']);
  const options = (table: string) => [...table.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]);
  expect(options(tables.LockdownOptions)).toEqual(['allow', 'policy', 'defaultAction', 'report', 'optional', 'optimize', 'fs', 'net', 'isolate', 'bestEffort']);
  expect(options(tables.ChildPolicyOptions)).toEqual(['policy', 'allow', 'defaultAction', 'execStart', 'report', 'fs', 'net', 'isolate', 'bestEffort']);
  expect(options(tables.RunSandboxedOptions)).toEqual(expect.arrayContaining(['allow', 'policy', 'fail', 'faultsFrom', 'timeoutMs', 'keepAlive', 'fs', 'bestEffort']));
  // What the old hand-written table got wrong: spawn's `allow` is instead of `policy`, never with it.
  expect(tables.ChildPolicyOptions).toMatch(/^\| `allow` \|.*Instead of `policy`.*ERR_SECCOMP_INVALID_OPTION/m);
  expect(tables.LockdownOptions).toMatch(/^\| `report` \| `boolean` \| `true` \|/m);
}, 60_000);
