/**
 * Whatever the text, the parser returns a Policy or throws a SeccompError: never a
 * TypeError, a RangeError (deep recursion) or a hang. Policies it returns are well formed
 * and survive formatPolicy.
 */
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatPolicy, parsePolicy } from '../../src/policy-file';
import { SeccompError } from '../../src/errors';

const dir = path.resolve(__dirname, '../fixtures/policies');
// Includes resolve among the fixtures, so mutations reach real (and cyclic) files too.
const options = { file: path.join(dir, 'fuzz.policy'), arch: 'x86_64' as const };

const VALID = [
  ...['daemon', 'common', 'arch', 'nested-root'].map((name) => fs.readFileSync(path.join(dir, `${name}.policy`), 'utf8')),
  '@default errno EPERM\n@allow @node, @fs-read\nwrite: arg0:32 >= 3 && arg1 != -1 => log; return EBADF\n',
  'kill: arg1 == SIGTERM => errno EPERM; return ESRCH\nmmap: arg3 & (MAP_SHARED|~MAP_PRIVATE) != 0x1\n',
];

const VOCABULARY = ['arg0', 'arg5', 'arg7', ':', ':32', ';', '==', '=', '!=', '<', '<=', '>', '>=', '&', '&&', '|',
  '||', '~', '(', ')', 'in', '=>', 'return', 'errno', 'EPERM', 'kill', 'allow', 'log', 'trap', '1', '0', '-1',
  '0x', '0xffffffffffffffffff', '08', 'AF_INET', 'O_ACCMODE', '@include', '@include common.policy',
  '@include cycle-a.policy', '@frequency', '@default', '@allow', '@node', '@nope', '[arch', '[arch *]', ']', ',',
  '*', '#', '\n', '\r\n', '\t', ' ', '"', '$pid', '$', '$ppid', 'arg0 == $pid', '\u0000', '\u00e9', '\ud83d', '(((((((((((((((((((((((((((((((((((', '~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~',
  // minijail's constructs: continuation, lists, metadata, @denylist
  '\\', ' \\\n', '{', '}', '{read, write}', '[arch=x86_64]', '[arch=arm64,x86]', '=', '; log', '; return', '@denylist',
  '@frequency ./nope.frequency', 'io@libc'];

interface Edit { at: number; remove: number; insert: string }
const edit: fc.Arbitrary<Edit> = fc.record({
  at: fc.nat(),
  remove: fc.nat({ max: 6 }),
  insert: fc.oneof(fc.constantFrom(...VOCABULARY), fc.string({ maxLength: 4 }), fc.constant('')),
});

function mutate(text: string, edits: Edit[]): string {
  for (const { at, remove, insert } of edits) {
    const i = text.length === 0 ? 0 : at % (text.length + 1);
    text = text.slice(0, i) + insert + text.slice(i + remove);
  }
  return text;
}

function check(text: string): void {
  let policy;
  try {
    policy = parsePolicy(text, options);
  } catch (error) {
    if (!(error instanceof SeccompError)) throw error;
    if (error.code === 'ERR_SECCOMP_POLICY_SYNTAX') {
      expect(error.details).toMatchObject({ line: expect.any(Number), column: expect.any(Number), expected: expect.any(String) });
      expect(error.message).toMatch(/^[^\n]+:\d+:\d+: /);
    }
    return;
  }
  expect(Array.isArray(policy.rules)).toBe(true);
  for (const rule of policy.rules) {
    expect(typeof rule.syscall).toBe('string');
    if (rule.conditions) expect(rule.conditions.length).toBeGreaterThan(0);
    for (const c of rule.conditions ?? []) {
      // a number, or $pid (the loading process) compared for equality
      expect(c.value).toMatch(/^(0|-?[1-9]\d*|\$pid)$/);
      if (c.value === '$pid') expect(['eq', 'ne']).toContain(c.op);
      if (c.op === 'masked-eq') expect(c.mask).toMatch(/^(0|-?[1-9]\d*)$/);
    }
  }
  // What was parsed can be written and read back, unless it holds a name this format
  // cannot write (a syscall called "kill-process", say).
  let text2: string;
  try { text2 = formatPolicy(policy); } catch (error) {
    expect(error).toBeInstanceOf(SeccompError);
    return;
  }
  expect(parsePolicy(text2, options)).toEqual(policy);
}

describe('fuzz', () => {
  it('valid samples parse', () => {
    for (const text of VALID) expect(() => parsePolicy(text, options)).not.toThrow();
  });

  it('random strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200, unit: 'binary' }), check), { numRuns: 2000 });
    fc.assert(fc.property(fc.array(fc.constantFrom(...VOCABULARY), { maxLength: 40 }).map((t) => t.join(' ')), check),
      { numRuns: 2000 });
  });

  it('random mutations of valid policies', () => {
    fc.assert(fc.property(fc.constantFrom(...VALID), fc.array(edit, { minLength: 1, maxLength: 8 }),
      (text, edits) => check(mutate(text, edits))), { numRuns: 3000 });
  });
});
