/** Finding the program to exec, as a shell would: no heavy imports, for `seccomp-node run`'s start. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeccompError } from '../errors';

/**
 * The absolute path execve needs: as given when it has a slash, else found on PATH; relative
 * to `cwd` (the program's working directory) either way.
 */
export function resolveExecutable(file: string, searchPath = process.env.PATH ?? '/usr/bin:/bin', cwd = process.cwd()): string {
  const candidates = file.includes('/') ? [path.resolve(cwd, file)]
    : searchPath.split(':').filter(Boolean).map((dir) => path.resolve(cwd, dir, file));
  for (const candidate of candidates) {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch { /* try the next one */ }
  }
  throw new SeccompError('ERR_SECCOMP_EXEC_FAILED',
    `cannot run "${file}": no executable file found${file.includes('/') ? '' : ' on PATH'}`, { file });
}
