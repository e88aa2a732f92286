/**
 * The addon lookup (src/addon-path.ts) makes node-gyp-build's choice without loading it:
 * the order is checked here on made-up package directories, and against node-gyp-build
 * itself, which still decides at install time whether a prebuild loads.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addonPath } from '../src/addon-path';
import { PACKAGE_ROOT } from './helpers/child';

/** A package directory holding empty files at `files` (relative paths). */
function packageWith(...files: string[]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-node-addon-'));
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), '');
  }
  return root;
}

const RELEASE = 'build/Release/seccomp_node.node';
const DEBUG = 'build/Debug/seccomp_node.node';
const PREBUILD = 'prebuilds/linux-x64/seccomp-node.node';

describe('which addon file loads', () => {
  it('a build from source first (Release, then Debug), then the prebuild for this architecture', () => {
    const all = packageWith(RELEASE, DEBUG, PREBUILD, 'build/Release/obj.target/x.o');
    expect(addonPath(all, {}, 'x64')).toBe(path.join(all, RELEASE));
    const debug = packageWith(DEBUG, PREBUILD);
    expect(addonPath(debug, {}, 'x64')).toBe(path.join(debug, DEBUG));
    const prebuilt = packageWith(PREBUILD, 'prebuilds/linux-arm64/seccomp-node.node', 'build/Release/seccomp-node-launcher');
    expect(addonPath(prebuilt, {}, 'x64')).toBe(path.join(prebuilt, PREBUILD));
    expect(addonPath(prebuilt, {}, 'arm64')).toBe(path.join(prebuilt, 'prebuilds/linux-arm64/seccomp-node.node'));
  });

  it('PREBUILDS_ONLY skips the local build; empty, it does not', () => {
    const root = packageWith(RELEASE, PREBUILD);
    expect(addonPath(root, { PREBUILDS_ONLY: '1' }, 'x64')).toBe(path.join(root, PREBUILD));
    expect(addonPath(root, { PREBUILDS_ONLY: '' }, 'x64')).toBe(path.join(root, RELEASE));
  });

  it('SECCOMP_NODE_PREBUILD names another package directory to search', () => {
    const root = packageWith(RELEASE);
    const other = packageWith(RELEASE);
    expect(addonPath(root, { SECCOMP_NODE_PREBUILD: other }, 'x64')).toBe(path.join(other, RELEASE));
  });

  it('nothing to load: an error in the words load-hints turns into the fix', () => {
    const root = packageWith('build/Release/seccomp-node-launcher', 'prebuilds/linux-arm64/seccomp-node.node');
    expect(() => addonPath(root, {}, 'x64')).toThrow(/^No native build was found for platform=linux arch=x64 in .*prebuilds\/linux-x64$/);
  });

  it('chooses what node-gyp-build chooses for this package, with and without PREBUILDS_ONLY', () => {
    // node-gyp-build reads PREBUILDS_ONLY when it loads, so each setting gets a fresh Node.
    // A clone that has not run `npm run prebuild` has no prebuild: then both find nothing.
    for (const prebuildsOnly of ['', '1']) {
      const env = { ...process.env, PREBUILDS_ONLY: prebuildsOnly };
      const chosen = execNode(`try { console.log(require('node-gyp-build').path(${JSON.stringify(PACKAGE_ROOT)})); }
        catch (error) { console.log(error.message.split('\\n')[0].startsWith('No native build was found') ? 'none' : error.message); }`, env);
      const ours = (() => {
        try {
          return addonPath(PACKAGE_ROOT, env);
        } catch (error) {
          return (error as Error).message.startsWith('No native build was found') ? 'none' : (error as Error).message;
        }
      })();
      expect(ours, `PREBUILDS_ONLY=${prebuildsOnly}`).toBe(chosen);
    }
  });
});

function execNode(script: string, env: NodeJS.ProcessEnv): string {
  return execFileSync(process.execPath, ['-e', script], { cwd: PACKAGE_ROOT, env, encoding: 'utf8' }).trim();
}
