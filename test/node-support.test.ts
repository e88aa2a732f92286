/**
 * The supported Node.js versions: what status() says about each kind of version, and that
 * package.json `engines`, README's platform table and CI (.ci/run) say the same as
 * src/node-support.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { END_OF_LIFE_TESTED, nodeSupport, SUPPORTED_NODE_MAJORS } from '../src/node-support';
import { sandbox } from '../src/sandbox';

const ROOT = path.resolve(__dirname, '..');

describe('nodeSupport', () => {
  it('supports Node 22, 24 and 26', () => {
    expect(SUPPORTED_NODE_MAJORS).toEqual([22, 24, 26]);
    for (const version of ['v22.23.5', 'v24.22.3', 'v26.12.1']) {
      expect(nodeSupport(version)).toEqual({
        version, supported: true, versions: [22, 24, 26],
        note: `Node ${version.slice(1, 3)} is supported (seccomp-node supports Node 22, 24 and 26)`,
      });
    }
  });

  it('says Node 20 is tested but past its end of life, and names what to use', () => {
    expect(nodeSupport('v20.20.2')).toMatchObject({ supported: false,
      note: 'Node 20 reached its end of life on 2026-04-30: seccomp-node still passes its tests on it, but supports only Node 22, 24 and 26; upgrade Node' });
  });

  it('refuses odd, older and unparsable versions, and calls newer ones untested', () => {
    expect(nodeSupport('v23.11.0')).toMatchObject({ supported: false, note: 'Node 23 is not supported; seccomp-node supports Node 22, 24 and 26' });
    expect(nodeSupport('v18.20.0')).toMatchObject({ supported: false, note: 'Node 18 is not supported; seccomp-node supports Node 22, 24 and 26' });
    expect(nodeSupport('nonsense')).toMatchObject({ supported: false, note: 'Node nonsense is not supported; seccomp-node supports Node 22, 24 and 26' });
    expect(nodeSupport('v28.0.0')).toMatchObject({ supported: false, note: 'Node 28 is newer than the versions seccomp-node is tested on (Node 22, 24 and 26)' });
  });

  it('status() reports it for the running Node', () => {
    expect(sandbox.status().nodeSupport).toEqual(nodeSupport(process.version));
  });
});

describe('the supported versions are stated the same everywhere', () => {
  it('package.json engines starts at the oldest supported major', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${SUPPORTED_NODE_MAJORS[0]}`);
  });

  it('README\'s platform table names the supported and the end-of-life tested majors', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const row = /^\| Node\.js \| (.*) \|$/m.exec(readme)?.[1] ?? '';
    expect(row).toContain('**22, 24 and 26**');
    for (const [major, date] of Object.entries(END_OF_LIFE_TESTED)) expect(row).toContain(`Node ${major} reached its end of life on ${date}`);
  });

  it('CI runs the suite on every supported major and every end-of-life one it still tests', () => {
    const ci = fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8');
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    for (const major of [...SUPPORTED_NODE_MAJORS, ...Object.keys(END_OF_LIFE_TESTED).map(Number)]) {
      expect(ci).toMatch(new RegExp(`^npm run test:node${major}$`, 'm'));
      expect(pkg.scripts[`test:node${major}`]).toBe(`node scripts/node.js --vitest ${major}`);
    }
  });
});
