/**
 * Which addon file to load: the same choice node-gyp-build makes for this package (it still
 * decides at install time whether a prebuild loads or a build is needed), made with two or
 * three directory reads instead of loading node-gyp-build, `os` and package.json on every
 * start (about 2 ms of a 25 ms Node start; the addon's own dlopen is 0.4 ms).
 *
 * In order:
 * - `SECCOMP_NODE_PREBUILD`, when set, replaces the package directory (node-gyp-build's
 *   `<NAME>_PREBUILD`; `npm run test:asan` points it at the sanitized build);
 * - unless `PREBUILDS_ONLY` is set and not empty: the first `.node` file in build/Release,
 *   then in build/Debug (a build from source wins over the prebuild, as after `npm rebuild`);
 * - the `.node` file in prebuilds/linux-ARCH (one N-API build per architecture, for glibc).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

function firstAddon(dir: string): string | undefined {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return undefined;
  }
  const name = names.find((n) => n.endsWith('.node'));
  return name === undefined ? undefined : path.join(dir, name);
}

/** The addon's path under `root`, or an error that names what was looked for. */
export function addonPath(root: string, env: NodeJS.ProcessEnv = process.env, arch: string = process.arch): string {
  const dir = env.SECCOMP_NODE_PREBUILD || root;
  const candidates = env.PREBUILDS_ONLY ? [] : [path.join(dir, 'build', 'Release'), path.join(dir, 'build', 'Debug')];
  candidates.push(path.join(dir, 'prebuilds', `linux-${arch}`));
  for (const candidate of candidates) {
    const found = firstAddon(candidate);
    if (found) return found;
  }
  // load-hints recognises this sentence (node-gyp-build's own) and names the fix.
  throw new Error(`No native build was found for platform=linux arch=${arch} in ${candidates.join(', ')}`);
}
