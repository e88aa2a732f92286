/**
 * Where the launcher (native/launcher.c) is: beside the addon that was loaded, in
 * build/Release or in the prebuild's directory (scripts/prebuilds.js puts it there for
 * every architecture), so that it always matches the addon.
 */
import * as fs from 'node:fs';
import { SeccompError } from '../../errors';
import { launcherBesideAddon, loadError } from '../../native';

let found: string | undefined;

/** The launcher's path; throws ERR_SECCOMP_UNSUPPORTED, saying how to get it, when it is missing. */
export function launcherPath(): string {
  if (found) return found;
  const candidate = launcherBesideAddon;
  if (!candidate) {
    throw new SeccompError('ERR_SECCOMP_UNSUPPORTED', `sandboxed children need the native addon: ${loadError ?? 'it is not available'}`);
  }
  try {
    fs.accessSync(candidate, fs.constants.X_OK);
  } catch {
    throw new SeccompError('ERR_SECCOMP_UNSUPPORTED',
      `the launcher ${candidate} is missing or not executable, though the addon beside it loaded: reinstall seccomp-node, ` +
      'or rebuild it (npm run build:native)', { path: candidate });
  }
  found = candidate;
  return found;
}
