/**
 * `seccomp-node` command line. Exit status: 0 success; 1 a policy failed to parse, check,
 * compile or load; 2 the command could not do its work as called: an unknown command or
 * option, a missing argument, a file it names that cannot be read or written; `run` exits
 * with the program's own status (128 + N when a signal such as SIGSYS, 31, ended it);
 * `chaos` and `learn` describe what the program did (see their modules).
 *
 * Output goes to a reader that may stop early (`seccomp-node groups | head`): the rest is
 * then dropped quietly and the command ends with its own status.
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

/** Every command, in the order `--help` lists them (each module loaded). */
export function allCommands(): Command[] {
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
    'Exit status: 0 ok, 1 policy error, 2 usage error or a file that cannot be read or written; run: the program\'s own status;',
    'chaos: 0 carried on, 3 exited non-zero, 4 died by a signal, 5 hung; learn: 3 when the program failed.', '',
  ].join('\n');
}

/**
 * The process's stdout and stderr, each dropping what is written once its reader has gone
 * (EPIPE): Node reports that asynchronously, as an 'error' event that would otherwise end
 * the process with a stack trace.
 */
export function processOutput(): Output {
  const closed = { stdout: false, stderr: false };
  for (const name of ['stdout', 'stderr'] as const) {
    process[name].on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      closed[name] = true;
    });
  }
  return {
    stdout: (text) => { if (!closed.stdout) process.stdout.write(text); },
    stderr: (text) => { if (!closed.stderr) process.stderr.write(text); },
  };
}

/** What a command's failure means for its exit status: 2 for how it was called or a file, 1 for a policy. */
function failureStatus(error: SeccompError): number {
  return error.code === 'ERR_SECCOMP_POLICY_FILE' ? 2 : 1;
}

export function main(argv: string[], out: Output = processOutput()): number | Promise<number> {
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
      return failureStatus(error);
    }
    // A file the command writes (compile --out, learn --out) that cannot be written.
    const errno = (error as NodeJS.ErrnoException).code;
    if (typeof errno === 'string' && /^E[A-Z0-9]+$/.test(errno)) {
      out.stderr(`seccomp-node ${name}: ${(error as Error).message}\n`);
      return 2;
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
