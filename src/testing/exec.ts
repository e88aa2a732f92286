/**
 * Small facts about programs, for runSandboxed, chaos and learn: whether a command is a Node
 * binary, and a command line as a shell would read it back.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveExecutable } from '../children/exec';

/** Whether `command` is a Node binary (by name, or the same file as this process's). */
export function isNodeProgram(command: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (/^(node|nodejs|node\d+)$/.test(path.basename(command))) return true;
  try {
    return fs.realpathSync(resolveExecutable(command, env.PATH)) === fs.realpathSync(process.execPath);
  } catch {
    return false;
  }
}

/** A command line as a POSIX shell would read it back. */
export function shellQuote(words: readonly string[]): string {
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, "'\\''")}'`)).join(' ');
}
