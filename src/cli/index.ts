/**
 * `seccomp-node` command line. Exit status: 0 success; 1 a policy failed to check,
 * compile or load; 2 the command was called wrongly; `run` exits with the program's own
 * status (128 + N when a signal such as SIGSYS, 31, ended it); `chaos` and `learn` describe
 * what the program did (see their modules).
 */
import { SeccompError } from '../errors';
import { UsageError, type Command, type Output } from './args';

/**
 * Each command's module, loaded only when it runs (or for help): `run` starts a program per
 * call, and loading the other commands would only delay it.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const LOADERS: Record<string, () => Command> = {
  check: () => (require('./check') as typeof import('./check')).check,
  compile: () => (require('./compile') as typeof import('./compile')).compileCommand,
  dump: () => (require('./dump') as typeof import('./dump')).dump,
  explain: () => (require('./explain') as typeof import('./explain')).explain,
  run: () => (require('./run') as typeof import('./run')).run,
  groups: () => (require('./groups') as typeof import('./groups')).groupsCommand,
  learn: () => (require('./learn') as typeof import('./learn')).learn,
  chaos: () => (require('./chaos') as typeof import('./chaos')).chaos,
};
/* eslint-enable @typescript-eslint/no-require-imports */

function allCommands(): Command[] {
  return Object.values(LOADERS).map((load) => load());
}

function help(): string {
  const commands = allCommands();
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: seccomp-node COMMAND [OPTIONS]', '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`), '',
    'Run `seccomp-node COMMAND --help` for a command\'s options.',
    'Policy FILEs: policy files (.policy), OCI/Docker JSON profiles, or seccomp-node policy JSON.',
    'Exit status: 0 ok, 1 policy error, 2 usage error; run: the program\'s own status;',
    'chaos: 0 carried on, 3 exited non-zero, 4 died by a signal, 5 hung; learn: 3 when the program failed.', '',
  ].join('\n');
}

export function main(argv: string[], out: Output = {
  stdout: (text) => { process.stdout.write(text); },
  stderr: (text) => { process.stderr.write(text); },
}): number | Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    out.stdout(help());
    return name ? 0 : 2;
  }
  if (name === '--version') {
    out.stdout(`${(require('../../package.json') as { version: string }).version}\n`);
    return 0;
  }
  const command = Object.hasOwn(LOADERS, name) ? LOADERS[name]() : undefined;
  if (!command) {
    out.stderr(`seccomp-node: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out.stdout(`usage: seccomp-node ${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  const failed = (error: unknown): number => {
    if (error instanceof UsageError) {
      out.stderr(`seccomp-node ${name}: ${error.message}\nusage: seccomp-node ${command.usage}\n`);
      return 2;
    }
    if (error instanceof SeccompError) {
      out.stderr(`seccomp-node ${name}: ${error.message} [${error.code}]\n`);
      return 1;
    }
    throw error;
  };
  try {
    const status = command.run(rest, out);
    return typeof status === 'number' ? status : status.catch(failed);
  } catch (error) {
    return failed(error);
  }
}
