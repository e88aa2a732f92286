/**
 * Every error code is documented, and every documented code exists: the errors table in docs/api.md
 * against SECCOMP_ERROR_CODES, the list the SeccompErrorCode type is made from (so every
 * `new SeccompError(code, ...)` in src/ is checked against it by the compiler).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { SECCOMP_ERROR_CODES, isSeccompErrorCode } from '../src/errors';

function documentedCodes(): string[] {
  const page = fs.readFileSync(path.join(__dirname, '..', 'docs', 'api.md'), 'utf8');
  const section = page.slice(page.indexOf('## Errors'), page.indexOf('\n## ', page.indexOf('## Errors') + 1));
  return [...section.matchAll(/^\| `(ERR_SECCOMP_[A-Z_]+)` \|/gm)].map((m) => m[1]);
}

it('the errors table (docs/api.md) has one row for each code, and no code that does not exist', () => {
  const documented = documentedCodes();
  expect(documented.length).toBeGreaterThan(20);
  expect(new Set(documented).size, 'a code documented twice').toBe(documented.length);
  expect([...documented].sort()).toEqual([...SECCOMP_ERROR_CODES].sort());
});

it('codes that arrive as strings (from a child, over a pipe) are checked against the list', () => {
  expect(isSeccompErrorCode('ERR_SECCOMP_POLICY_FILE')).toBe(true);
  expect(isSeccompErrorCode('ERR_SECCOMP_NOT_A_CODE')).toBe(false);
  expect(isSeccompErrorCode(undefined)).toBe(false);
});

it('every code thrown in src/ is a literal from the list', () => {
  // The compiler checks `new SeccompError(code, ...)` against SeccompErrorCode; this catches a
  // code written in a comment or a string that drifted from the list.
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ts|mts)$/.test(entry.name)) files.push(full);
    }
  };
  walk(path.join(__dirname, '..', 'src'));
  const used = new Set(files.flatMap((f) => [...fs.readFileSync(f, 'utf8').matchAll(/'(ERR_SECCOMP_[A-Z_]+)'/g)].map((m) => m[1])));
  for (const code of used) expect(SECCOMP_ERROR_CODES, code).toContain(code);
});
