/**
 * The README and the pages in docs/: every relative link and anchor resolves, and every code
 * block is parsed or run (TypeScript and JavaScript type-checked against src/, policy files
 * parsed and compiled, JSON parsed as the policy or profile it shows, command lines checked
 * against the command line's own commands and options).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { allCommands } from '../src/cli';

const COMMANDS = allCommands();
import { fromOciProfile } from '../src/oci';
import { checkPolicy } from '../src/policy';
import { checkPolicyFile } from '../src/policy-file';
import { parseViolation } from '../src/testing';
import { anchors, codeBlocks, links, markdownFiles, ROOT, type CodeBlock } from './helpers/markdown';

describe('links', () => {
  it('every relative link names an existing file, and every #anchor an existing heading', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const file of markdownFiles()) {
      for (const link of links(file)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(link.target)) continue;
        checked++;
        const [target, anchor] = link.target.split('#');
        const resolved = target ? path.normalize(path.join(path.dirname(file), target)) : file;
        if (!fs.existsSync(path.join(ROOT, resolved))) broken.push(`${file}:${link.line}: ${link.target}: no such file`);
        else if (anchor !== undefined && resolved.endsWith('.md') && !anchors(resolved).has(anchor)) {
          broken.push(`${file}:${link.line}: ${link.target}: no heading with that anchor in ${resolved}`);
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
    expect(broken).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------
// Code blocks

const BLOCKS = markdownFiles().flatMap((file) => codeBlocks(file));
const where = (block: CodeBlock) => `${block.file}:${block.line}`;

/** The languages a block may be tagged with, each with what checks it. */
const LANGUAGES = ['ts', 'js', 'json', 'policy', 'sh', 'text'] as const;

describe('code blocks', () => {
  it('every block names one of the checked languages', () => {
    expect(BLOCKS.length).toBeGreaterThan(20);
    const unknown = BLOCKS.filter((b) => !(LANGUAGES as readonly string[]).includes(b.lang)).map((b) => `${where(b)}: "${b.lang}"`);
    expect(unknown, `tag each block with one of ${LANGUAGES.join(', ')}`).toEqual([]);
  });

  it('TypeScript and JavaScript blocks type-check against the package (fragments: parse)', () => {
    const blocks = BLOCKS.filter((b) => b.lang === 'ts' || b.lang === 'js');
    expect(blocks.length).toBeGreaterThan(8);
    expect(typeCheckBlocks(blocks)).toEqual([]);
  });

  it('policy file blocks parse and compile', () => {
    const blocks = BLOCKS.filter((b) => b.lang === 'policy');
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docs-policy-'));
    // The one @include in the docs names a file next to the example.
    fs.writeFileSync(path.join(dir, 'common.policy'), 'close: 1\n');
    const failures: string[] = [];
    blocks.forEach((block, i) => {
      const file = path.join(dir, `block${i}.policy`);
      fs.writeFileSync(file, block.text);
      try {
        const checked = checkPolicyFile(file, { arch: 'x86_64' });
        if (checked.policy.rules.length === 0 && !checked.policy.landlock) failures.push(`${where(block)}: no rules`);
      } catch (error) {
        failures.push(`${where(block)}: ${(error as Error).message}`);
      }
    });
    expect(failures).toEqual([]);
  });

  it('JSON blocks parse, and a policy or OCI profile in them reads as one', () => {
    const blocks = BLOCKS.filter((b) => b.lang === 'json');
    expect(blocks.length).toBeGreaterThanOrEqual(1);
    const failures: string[] = [];
    for (const block of blocks) {
      try {
        const data = JSON.parse(block.text) as Record<string, unknown>;
        if ('rules' in data) checkPolicy(data, 'policy');
        else if ('syscalls' in data) fromOciProfile(data);
        else failures.push(`${where(block)}: neither policy data (rules) nor an OCI profile (syscalls)`);
      } catch (error) {
        failures.push(`${where(block)}: ${(error as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('shell blocks name commands, scripts, files and options that exist', () => {
    const blocks = BLOCKS.filter((b) => b.lang === 'sh' || b.lang === 'text');
    const failures: string[] = [];
    let commands = 0;
    for (const block of blocks) {
      for (const { line, words } of shellCommands(block)) {
        commands++;
        const problem = checkCommand(words);
        if (problem) failures.push(`${block.file}:${block.line + line}: ${words.join(' ')}: ${problem}`);
      }
    }
    expect(commands).toBeGreaterThan(10);
    expect(failures).toEqual([]);
  });

  it('the command table in docs/cli.md names commands and options that exist', () => {
    const page = fs.readFileSync(path.join(ROOT, 'docs', 'cli.md'), 'utf8');
    const rows = [...page.matchAll(/^\| `([a-z]+)((?: [^`]*)?)`/gm)];
    expect(rows.length).toBeGreaterThanOrEqual(COMMANDS.length);
    expect(new Set(rows.map((r) => r[1]))).toEqual(new Set(COMMANDS.map((c) => c.name)));
    const failures = rows.map((r) => checkCli([r[1], ...(r[2].match(/--[\w-]+/g) ?? []), '--']))
      .filter((problem): problem is string => problem !== undefined);
    expect(failures).toEqual([]);
  });

  it('report lines shown in text blocks have the form the package prints', () => {
    const lines = BLOCKS.filter((b) => b.lang === 'text').flatMap((b) => b.text.split('\n')
      .filter((l) => l.includes('seccomp-node: blocked system call')).map((l) => ({ block: b, line: l.replace(/^.*?(seccomp-node: blocked)/, '$1') })));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const { block, line } of lines) expect(parseViolation(line), where(block)).toBeDefined();
  });

  it('the Quick start locks down exactly once', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('<!-- quick-start:start -->');
    const quickStart = readme.slice(start, readme.indexOf('<!-- quick-start:end -->', start));
    expect(start).toBeGreaterThan(0);
    expect(quickStart.match(/\blockdown\(/g)).toHaveLength(1);
  });
});

/**
 * Type-checks the blocks as modules of a consumer of the package: `seccomp-node` and its
 * subpaths resolve through package.json's exports to lib/ (built by the suite's setup), as
 * for a user. CommonJS blocks are checked as their ES module equivalent: a
 * `const { a } = require('seccomp-node...')` line is read as an import of the same names.
 * A block marked as a fragment is only parsed.
 */
function typeCheckBlocks(blocks: CodeBlock[]): string[] {
  const dir = path.join(ROOT, '.docs-blocks');
  const sources = new Map<string, { block: CodeBlock; text: string }>();
  const problems: string[] = [];
  blocks.forEach((block, i) => {
    const text = block.text.replace(/^const (\{[^}]*\}|\w+) = require\(('seccomp-node[^']*')\);$/gm,
      (_whole, names: string, specifier: string) => names.startsWith('{')
        ? `import ${names} from ${specifier};` : `import * as ${names} from ${specifier};`);
    const file = path.join(dir, `block${i}.ts`);
    if (block.fragment) {
      const parsed = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS) as ts.SourceFile & { parseDiagnostics: ts.Diagnostic[] };
      for (const d of parsed.parseDiagnostics) problems.push(`${where(block)} (fragment): ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    } else {
      sources.set(file, { block, text });
    }
  });
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
    moduleDetection: ts.ModuleDetectionKind.Force, strict: true, noEmit: true, esModuleInterop: true,
    skipLibCheck: true, types: ['node'], typeRoots: [path.join(ROOT, 'node_modules', '@types')],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) => {
    const own = sources.get(path.normalize(name));
    return own ? ts.createSourceFile(name, own.text, language) : getSourceFile.call(host, name, language, ...rest);
  };
  host.fileExists = (name) => sources.has(path.normalize(name)) || fileExists.call(host, name);
  host.readFile = (name) => sources.get(path.normalize(name))?.text ?? readFile.call(host, name);
  const program = ts.createProgram([...sources.keys()], options, host);
  for (const [file, { block, text }] of sources) {
    const source = program.getSourceFile(file);
    if (!source) { problems.push(`${where(block)}: not compiled`); continue; }
    for (const d of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const line = d.start === undefined ? 0 : ts.getLineAndCharacterOfPosition(source, d.start).line;
      problems.push(`${block.file}:${block.line + 1 + line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}` +
        ` (in: ${text.split('\n')[line]?.trim()})`);
    }
  }
  return problems;
}

/** The commands of a shell block (or the `$ ` lines of a text block), continuations joined. */
function shellCommands(block: CodeBlock): { line: number; words: string[] }[] {
  const result: { line: number; words: string[] }[] = [];
  const lines = block.text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = i;
    let line = lines[i];
    if (block.lang === 'text') {
      if (!line.startsWith('$ ')) continue;
      line = line.slice(2);
    }
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + ' ' + lines[++i].trim();
    const words = shellWords(line.replace(/(^|\s)#.*$/, ''));
    // Each command of a list or pipeline on its own.
    let current: string[] = [];
    for (const word of [...words, '&&']) {
      if (word === '&&' || word === '|' || word === ';') {
        if (current.length) result.push({ line: first + 1, words: current });
        current = [];
      } else current.push(word);
    }
  }
  return result;
}

/** Splits a command line into words as a shell would (quotes, no expansions). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const m of line.matchAll(/'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g)) words.push(m[1] ?? m[2] ?? m[3]);
  return words;
}

const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** What is wrong with a command shown in the docs, or undefined. */
function checkCommand(words: string[]): string | undefined {
  const [program, ...args] = words[0] === 'npx' ? words.slice(1) : words;
  switch (program) {
    case 'seccomp-node': return checkCli(args);
    case 'npm':
      if (args[0] === 'run') return PACKAGE.scripts[args[1]] ? undefined : `no npm script "${args[1]}"`;
      if (args[0] === 'test') return PACKAGE.scripts.test ? undefined : 'no test script';
      return ['ci', 'install'].includes(args[0]) ? undefined : `npm ${args[0]} is not checked here`;
    case 'vitest':
      return args[0] === 'run' && args.slice(1).every((f) => fs.existsSync(path.join(ROOT, f))) ? undefined : 'vitest run with files that exist';
    case 'node': case 'bash':
      return fs.existsSync(path.join(ROOT, args[0])) ? undefined : `no file ${args[0]}`;
    case 'apt-get': case 'dnf': case 'apk':
      return undefined;
    default: return `unknown program "${program}" (teach test/docs.test.ts how to check it)`;
  }
}

/** A seccomp-node command line: the command exists and takes every option given. */
function checkCli(args: string[]): string | undefined {
  const command = COMMANDS.find((c) => c.name === args[0]);
  if (!command) return `no seccomp-node command "${args[0]}"`;
  const end = args.indexOf('--');
  for (const arg of (end < 0 ? args : args.slice(0, end)).slice(1)) {
    if (!arg.startsWith('--')) continue;
    const name = arg.split('=')[0];
    if (!new RegExp(`${name}(?![\\w-])`).test(command.usage)) return `"${command.name}" has no option ${name} (usage: ${command.usage})`;
  }
  if (end < 0 && ['run', 'learn', 'chaos'].includes(command.name)) return 'the program to run goes after --';
  return undefined;
}
