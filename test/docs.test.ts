/**
 * The README and the pages in docs/: every relative link and anchor resolves, and every code
 * block is parsed or run (TypeScript and JavaScript type-checked against src/, policy files
 * parsed and compiled, JSON parsed as the policy or profile it shows, command lines checked
 * against the command line's own commands and options).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchors, links, markdownFiles, ROOT } from './helpers/markdown';

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
