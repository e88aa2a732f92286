/** docs/groups.md's group table is generated from the group data; this keeps them in step. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';

const DOCS = path.join(__dirname, '..', 'docs');

it('docs/groups.md lists every group exactly as the data defines it', () => {
  const { updatedPage, PAGE } = require('../scripts/groups-markdown.js') as { updatedPage(text: string): string; PAGE: string };
  expect(PAGE).toBe(path.join(DOCS, 'groups.md'));
  const page = fs.readFileSync(PAGE, 'utf8');
  expect(page, 'run: node scripts/groups-markdown.js --write').toBe(updatedPage(page));
});

it('the policy file example in docs/policy-files.md parses and compiles', async () => {
  const os = await import('node:os');
  const { checkPolicyFile } = await import('../src/policy-file');
  const page = fs.readFileSync(path.join(DOCS, 'policy-files.md'), 'utf8');
  const start = page.indexOf('# app.policy: comments start with #');
  const example = page.slice(start, page.indexOf('```', start));
  expect(example).toContain('@include common.policy');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-policy-'));
  fs.writeFileSync(path.join(dir, 'common.policy'), 'close: 1\n');
  fs.writeFileSync(path.join(dir, 'app.policy'), example);
  const checked = checkPolicyFile(path.join(dir, 'app.policy'), { arch: 'x86_64' });
  expect(checked.policy.defaultAction).toBe('kill-process');
  expect(checked.policy.rules.map((r) => r.syscall)).toEqual(expect.arrayContaining(['close', 'creat', 'socket', 'ioctl', 'arch_prctl', 'ptrace']));
});
