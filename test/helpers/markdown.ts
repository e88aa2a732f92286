/**
 * Reading the project's Markdown the way GitHub renders it: its fenced code blocks, its
 * headings' anchors and its links. Used by test/docs.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.join(__dirname, '..', '..');

/** README.md, the other top-level pages and every page under docs/, relative to the root. */
export function markdownFiles(): string[] {
  const top = ['README.md', 'CONTRIBUTING.md', 'CHANGELOG.md', 'SECURITY.md'].filter((f) => fs.existsSync(path.join(ROOT, f)));
  const docs = fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`);
  return [...top, ...docs];
}

export interface CodeBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  text: string;
  /** Marked `<!-- fragment -->` on the line before: a piece of a program, only parsed. */
  fragment: boolean;
}

const FENCE = /^(\s*)```(.*)$/;

/** The fenced code blocks of a Markdown file. */
export function codeBlocks(file: string): CodeBlock[] {
  const lines = fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const indent = open[1].length;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !/^\s*```\s*$/.test(lines[j])) body.push(lines[j++].slice(indent));
    if (j === lines.length) throw new Error(`${file}:${i + 1}: unclosed code block`);
    let before = i - 1;
    while (before >= 0 && lines[before].trim() === '') before--;
    blocks.push({
      file, line: i + 1, lang: open[2].trim(), text: body.join('\n') + '\n',
      fragment: before >= 0 && lines[before].trim() === '<!-- fragment -->',
    });
    i = j;
  }
  return blocks;
}

/** The text outside code blocks (links and headings inside them are not Markdown). */
function prose(file: string): string[] {
  const lines = fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n');
  let fenced = false;
  return lines.map((line) => {
    if (/^\s*```/.test(line)) { fenced = !fenced; return ''; }
    return fenced ? '' : line;
  });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors a file's headings give, with GitHub's -1, -2 suffixes for repeated headings. */
export function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const line of prose(file)) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1]);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

export interface Link { file: string; line: number; target: string }

/** Every inline link `[text](target)` and image in the prose of a file. */
export function links(file: string): Link[] {
  const result: Link[] = [];
  prose(file).forEach((line, i) => {
    // Inline code may hold brackets and parentheses that are not links.
    const text = line.replace(/`[^`]*`/g, (code) => ' '.repeat(code.length));
    for (const m of text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) result.push({ file, line: i + 1, target: m[1] });
  });
  return result;
}
