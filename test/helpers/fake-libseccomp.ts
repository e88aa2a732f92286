/**
 * Builds test/fixtures/fake-libseccomp.c as a libseccomp.so.2 in a directory of its own, for
 * children started with LD_LIBRARY_PATH set to it (see that file for the variants).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function buildFakeLibseccomp(defines: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-libseccomp-'));
  execFileSync('cc', ['-shared', '-fPIC', ...defines.map((d) => `-D${d}`), '-o', path.join(dir, 'libseccomp.so.2'),
    path.join(__dirname, '..', 'fixtures', 'fake-libseccomp.c')]);
  return dir;
}
