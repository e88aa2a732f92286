/** README's group table is generated from the group data; this keeps them in step. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';

it('README lists every group exactly as the data defines it', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const { updatedReadme } = require('../scripts/groups-markdown.js') as { updatedReadme(text: string): string };
  expect(readme, 'run: node scripts/groups-markdown.js --write').toBe(updatedReadme(readme));
});

it('the policy file example in README parses and compiles', async () => {
  const os = await import('node:os');
  const { checkPolicyFile } = await import('../src/policy-file');
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const start = readme.indexOf('# app.policy: comments start with #');
  const example = readme.slice(start, readme.indexOf('```', start));
  expect(example).toContain('@include common.policy');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-policy-'));
  fs.writeFileSync(path.join(dir, 'common.policy'), 'close: 1\n');
  fs.writeFileSync(path.join(dir, 'app.policy'), example);
  const checked = checkPolicyFile(path.join(dir, 'app.policy'), { arch: 'x86_64' });
  expect(checked.policy.defaultAction).toBe('kill-process');
  expect(checked.policy.rules.map((r) => r.syscall)).toEqual(expect.arrayContaining(['close', 'creat', 'socket', 'ioctl', 'arch_prctl', 'ptrace']));
});
