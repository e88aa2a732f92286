/** README's group table is generated from the group data; this keeps them in step. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';

it('README lists every group exactly as the data defines it', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { updatedReadme } = require('../scripts/groups-markdown.js') as { updatedReadme(text: string): string };
  expect(readme, 'run: node scripts/groups-markdown.js --write').toBe(updatedReadme(readme));
});
