/**
 * The package as consumers get it: publint's checks of package.json against the packed
 * files, arethetypeswrong's resolution of every entry point (node10, node16 from CJS and ESM,
 * bundler), and tsc on consumer fixtures (test/types/) compiled against lib/.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PACKAGE_ROOT } from './helpers/child';

const TYPES = path.join(PACKAGE_ROOT, 'test', 'types');
const LINK = path.join(TYPES, 'node_modules', 'seccomp-node');
let tarball: string;

beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-node-pack-'));
  // --ignore-scripts: pack what is built; prepack would build the prebuilds.
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: PACKAGE_ROOT, encoding: 'utf8' });
  tarball = path.join(dir, (JSON.parse(out) as { filename: string }[])[0].filename);
  // The fixtures import the package by name, as a consumer does.
  fs.mkdirSync(path.dirname(LINK), { recursive: true });
  fs.rmSync(LINK, { force: true });
  fs.symlinkSync(PACKAGE_ROOT, LINK);
});

afterAll(() => {
  fs.rmSync(path.dirname(LINK), { recursive: true, force: true });
  if (tarball) fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
});

it('publint finds nothing wrong with package.json and the packed files', async () => {
  const { publint } = await import('publint');
  const { formatMessage } = await import('publint/utils');
  const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  const { messages } = await publint({ pkgDir: PACKAGE_ROOT, strict: true, level: 'suggestion' });
  expect(messages.map((m) => formatMessage(m, pkg))).toEqual([]);
});

it('every entry point resolves with types under node10, node16 and bundler resolution', () => {
  // seccomp-node/vitest is ESM only (vitest itself is); CommonJS reaches it with import().
  const r = spawnSync(process.execPath, [path.join(PACKAGE_ROOT, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js'), tarball,
    '--format', 'json', '--ignore-rules', 'cjs-resolves-to-esm'], { encoding: 'utf8' });
  const report = JSON.parse(r.stdout) as { analysis: { problems: { kind: string; entrypoint?: string; resolutionKind?: string }[] } };
  expect(report.analysis.problems.map((p) => `${p.kind} ${p.entrypoint ?? ''} ${p.resolutionKind ?? ''}`)
    .filter((p) => !p.startsWith('CJSResolvesToESM'))).toEqual([]);
  expect(r.status, r.stderr).toBe(0);
});

it.each(['node16', 'node10', 'bundler'])('consumers type-check against lib/ with %s resolution', (mode) => {
  const tsc = require.resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(TYPES, `tsconfig.${mode}.json`)], { encoding: 'utf8' });
  expect(r.stdout + r.stderr).toBe('');
  expect(r.status).toBe(0);
});
