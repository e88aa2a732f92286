/**
 * Runs once before the suite: compiles src/ into lib/. Tests that load a filter run it in a
 * child process, and those children use the compiled package in lib/ (a filter must never
 * reach the test runner). Building here means they always test the source beside them, never
 * yesterday's build, whether the suite was started by `npm test` or `npx vitest`.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

export default function setup(): void {
  const root = path.resolve(__dirname, '..');
  const tsc = require.resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
}
