/**
 * Malformed input of every kind: each is a SeccompError with the exact file, line and
 * column, what was expected there, and a suggestion where one makes sense.
 */
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/policy-file';
import { SeccompError } from '../../src/errors';

function syntaxError(text: string): SeccompError {
  try {
    parsePolicy(text, { file: 'app.policy', arch: 'x86_64' });
  } catch (error) {
    expect(error).toBeInstanceOf(SeccompError);
    expect((error as SeccompError).code).toBe('ERR_SECCOMP_POLICY_SYNTAX');
    return error as SeccompError;
  }
  throw new Error(`no error for ${JSON.stringify(text)}`);
}

describe('the message', () => {
  it('says where, what was expected, what was found and what was probably meant', () => {
    const error = syntaxError('read: 1\n# comment\n\nwrite:  arg0 = 1\n');
    expect(error.message).toBe('app.policy:4:14: expected a comparison operator (==, !=, <, <=, >, >=, &, in) ' +
      'after "arg0", found "="; did you mean "=="?');
    expect(error.details).toEqual({ file: 'app.policy', line: 4, column: 14, found: '"="', suggestion: '==',
      expected: 'a comparison operator (==, !=, <, <=, >, >=, &, in) after "arg0"' });
  });

  it('names the file as given, or <policy>', () => {
    expect(() => parsePolicy('read 1')).toThrow('<policy>:1:6: expected ":" after the system call name "read", found "1"');
  });
});

// [input, line, column, message after "app.policy:L:C: "]
const CASES: [string, number, number, string][] = [
  // tokens
  ['read: arg0 == $1', 1, 15, 'unexpected character "$"'],
  ['read: arg0 == 0x', 1, 15, 'malformed number "0x"'],
  ['read: arg0 == 08', 1, 15, 'malformed number "08"'],
  ['read: arg0 == 12ab', 1, 15, 'malformed number "12ab"'],
  ['read: arg0 == 1 @', 1, 17, 'unexpected character "@"'],
  // line structure
  ['read 1', 1, 6, 'expected ":" after the system call name "read", found "1"'],
  ['read; 1', 1, 5, 'expected ":" after the system call name "read", found ";"; did you mean ":"?'],
  ['1: read', 1, 1, 'expected a system call name, a directive (@include, @default, @allow...) or an [arch ...] section, found "1"'],
  ['read: 1\n  == 2', 2, 3, 'expected a system call name, a directive (@include, @default, @allow...) or an [arch ...] section, found "=="'],
  // actions
  ['read:', 1, 6, 'expected an action (1, allow, kill, trap, log, errno NAME or return ERRNO) or a condition such as "arg0 == 1", found end of line'],
  ['read: alow', 1, 7, 'expected an action (1, allow, kill, trap, log, errno NAME or return ERRNO) or a condition such as "arg0 == 1", found "alow"; did you mean "allow"?'],
  ['read: ALLOW', 1, 7, 'expected an action (1, allow, kill, trap, log, errno NAME or return ERRNO) or a condition such as "arg0 == 1", found "ALLOW"; did you mean "allow"?'],
  ['read: 0', 1, 7, '"0" is not an action (calls that no rule allows already get the default action); did you mean "kill"?'],
  ['read: 2', 1, 7, 'expected an action (1, allow, kill, trap, log, errno NAME or return ERRNO) or a condition such as "arg0 == 1", found "2"'],
  ['read: kill-thread', 1, 7, '"kill-thread" is not offered: killing one thread leaves Node hung or half alive; did you mean "kill"?'],
  ['read: user-notify', 1, 7, '"user-notify" needs a tracer or supervisor, which seccomp-node does not provide'],
  ['read: 1 2', 1, 9, 'expected end of line after the action, found "2"'],
  ['read: errno', 1, 12, 'expected an errno name (EPERM, EACCES...) or number (0 to 4095), found end of line'],
  ['read: errno EPREM', 1, 13, 'unknown errno "EPREM"; did you mean "EPERM"?'],
  ['read: return 5000', 1, 14, 'expected an errno name (EPERM, EACCES...) or number (0 to 4095), found "5000"'],
  ['read: return -1', 1, 14, 'expected an errno name (EPERM, EACCES...) or number (0 to 4095), found "-1"'],
  // expressions
  ['read: arg6 == 1', 1, 7, 'system calls have arguments arg0 to arg5, not "arg6"'],
  ['read: arg0 == 1 && 1', 1, 20, 'expected an argument (arg0 to arg5), found "1"'],
  ['read: arg0 == 1 || args0 == 2', 1, 20, 'expected an argument (arg0 to arg5), found "args0"'],
  ['read: arg0', 1, 11, 'expected a comparison operator (==, !=, <, <=, >, >=, &, in) after "arg0", found end of line'],
  ['read: arg0 ! 1', 1, 12, 'expected a comparison operator (==, !=, <, <=, >, >=, &, in) after "arg0", found "!"; did you mean "!="?'],
  ['read: arg0 => 1', 1, 12, 'expected a comparison operator (==, !=, <, <=, >, >=, &, in) after "arg0", found "=>"; did you mean ">="?'],
  ['read: arg0 && 1', 1, 12, 'expected a comparison operator (==, !=, <, <=, >, >=, &, in) after "arg0", found "&&"; did you mean "&"?'],
  ['read: arg0 IN 3', 1, 12, 'expected a comparison operator (==, !=, <, <=, >, >=, &, in) after "arg0", found "IN"; did you mean "in"?'],
  ['read: arg0:16 == 1', 1, 12, 'expected a width, 32 or 64, after ":", found "16"'],
  // $pid: one value, compared with == or !=
  ['tgkill: arg0 < $pid', 1, 14, '$pid is one pid: compare it with == or !='],
  ['tgkill: arg0 == $ppid', 1, 17, 'unknown value "$ppid" (the one $ value is $pid); did you mean "$pid"?'],
  ['tgkill: arg0 & $pid', 1, 16, '$pid stands alone, right after == or !='],
  ['tgkill: arg0 == $pid | 1', 1, 22, 'expected "&&", "||", "=>", "; return ERRNO" or end of line, found "|"'],
  ['read: arg0 == 1 & arg1 == 2', 1, 17, 'expected "&&", "||", "=>", "; return ERRNO" or end of line, found "&"; did you mean "&&"?'],
  ['read: arg0 == 1 or arg1 == 2', 1, 17, 'expected "&&", "||", "=>", "; return ERRNO" or end of line, found "or"; did you mean "||"?'],
  ['read: arg0 == 1 | arg1 == 2', 1, 17, '"|" combines constants; join comparisons with "||"; did you mean "||"?'],
  ['read: arg0 == 1 => log; allow', 1, 25, 'expected "return ERRNO" after ";" (the action is already given after "=>"), found "allow"; did you mean "return"?'],
  ['read: arg0 == 1; alow', 1, 18, 'expected an action or "return ERRNO" after ";", found "alow"; did you mean "allow"?'],
  ['read: arg0 == 1; return EPERM 2', 1, 31, 'expected end of line after the errno, found "2"'],
  ['read: arg0 == 1 => log log', 1, 24, 'expected "; return ERRNO" or end of line after the action, found "log"'],
  ['read: arg0 == 1 =>', 1, 19, 'expected an action (1, allow, kill, trap, log, errno NAME or return ERRNO), found end of line'],
  ['read: arg2 & 1 == 2', 1, 19, '2 has bits outside the mask 1, so the comparison could never hold'],
  ['read: arg0 & 0x1ffff && arg1 & 0x1ffff', 1, 22, 'this expression would take more than 256 rules; split the line or simplify the expression'],
  ['x: arg0 & 0xff == 0 || arg1 & 0xff == 0 || arg2 & 0xff == 0; return EPERM', 1, 69,
    'the calls it does not match would take more than 256 rules; split the line or simplify the expression'],
  // values
  ['read: arg0 ==', 1, 14, 'expected a number or a constant name, found end of line'],
  ['read: arg0 == ==', 1, 15, 'expected a number or a constant name, found "=="'],
  ['socket: arg0 == AF_INTE', 1, 17, 'unknown constant "AF_INTE"; did you mean "AF_INET"?'],
  ['socket: arg0 == QWERTYUIOP', 1, 17, 'unknown constant "QWERTYUIOP"'],
  ['read: arg2 == (1|2', 1, 19, 'expected ")", found end of line'],
  ['socket: arg0 == 0x100000000', 1, 17,
    '0x100000000 does not fit in 32 bits (argument 0 of socket is a C int, compared on its low 32 bits); did you mean "arg0:64"?'],
  ['read: arg0:32 == -0x80000001', 1, 18, '-0x80000001 does not fit in 32 bits'],
  ['lseek: arg1 == 0x10000000000000000', 1, 16, '0x10000000000000000 does not fit in 64 bits'],
  [`read: arg1 == ${'('.repeat(40)}1`, 1, 48, 'values nest more than 32 deep'],
  [`read: arg1 == ${'~(('.repeat(12)}1`, 1, 48, 'values nest more than 32 deep'],
  ['read: arg1 == ~~1', 1, 16, 'a double complement "~~" is refused, as minijail refuses it: write the value itself, or "~(~VALUE)" if you mean it'],
  // directives
  ['@include', 1, 9, 'expected a file path after @include, found end of line'],
  ['  @frequency   # no path', 1, 13, 'expected a file path after @frequency, found end of line'],
  ['@inclde common.policy', 1, 1, 'unknown directive or group "@inclde"; did you mean "@include"?'],
  ['@default', 1, 9, 'expected an action (1, allow, kill, trap, log, errno NAME or return ERRNO), found end of line'],
  ['@default kill trap', 1, 15, 'expected end of line after the default action, found "trap"'],
  ['@default log\nread: 1\n@default trap', 3, 1, '@default was already given at app.policy:1'],
  ['@allow', 1, 7, expect.stringMatching(/^expected a group \((?=.*@node)@[^)]*\), found end of line$/) as unknown as string],
  ['@allow @nod', 1, 8, 'unknown group "@nod"; did you mean "@node"?'],
  ['@allow fs-read', 1, 8, expect.stringMatching(/^expected a group .*, found "fs-read"; did you mean "@fs-read"\?$/) as unknown as string],
  ['@allow @node @dns', 1, 14, 'expected "," or end of line after the group, found "@dns"'],
  ['@node,', 1, 6, 'expected end of line after the group, found ","'],
  // sections
  ['[arch x86]', 1, 7, 'unknown architecture "x86"; did you mean "i386"?'],
  ['[arch x86-64]', 1, 7, 'unknown architecture "x86-64"; did you mean "x86_64"?'],
  ['[arc x86_64]', 1, 2, 'expected "arch" after "[", found "arc"; did you mean "arch"?'],
  ['[arch]', 1, 6, 'expected an architecture (x86_64, i386, x32, aarch64, arm, riscv64, ppc64le, s390x) or "*", found "]"'],
  ['[arch x86_64', 1, 13, 'expected "]" or "," in the [arch ...] section line, found end of line'],
  ['[arch *] read: 1', 1, 10, 'expected end of line after "]", found "read"'],
  // an error inside a section that does not apply is still an error
  ['[arch s390x]\nread: arg0 = 1', 2, 12, 'expected a comparison operator (==, !=, <, <=, >, >=, &, in) after "arg0", found "="; did you mean "=="?'],
];

describe.each(CASES)('%j', (text, line, column, message) => {
  it(`is reported at ${line}:${column}`, () => {
    const error = syntaxError(text);
    expect(error.details).toMatchObject({ file: 'app.policy', line, column });
    expect(typeof error.details.expected).toBe('string');
    const prefix = `app.policy:${line}:${column}: `;
    expect(error.message.startsWith(prefix)).toBe(true);
    expect(error.message.slice(prefix.length)).toEqual(message);
  });
});

describe('a policy never loads half-parsed', () => {
  it('an error on the last line loses the whole file', () => {
    expect(() => parsePolicy('read: 1\nwrite: 1\n'.repeat(100) + 'close: arg0 = 1\n')).toThrow(SeccompError);
  });
});
