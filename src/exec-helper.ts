/**
 * The exec helper: a tiny Node entry script that `sandbox.spawn`, `sandbox.execFile` and
 * `sandbox.fork` start in place of the program they were asked to run. It loads the
 * child's policy into itself and then execve's the program, which keeps the pid: the
 * ChildProcess the parent holds is the program itself (its stdio, signals, exit code), and
 * the program runs under the filter from its first instruction.
 *
 * The parent hands over what to run in SECCOMP_NODE_EXEC (JSON). All of it happens
 * synchronously at the top level, so
 * the helper's event loop never runs: in particular it never reads from the IPC channel that
 * fork() gave it, and messages the parent sends early stay queued for the program.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execUnderPolicy } from './exec';
import type { Policy } from './policy';

/** The environment variable that carries an {@link ExecRequest} to the helper. */
export const EXEC_REQUEST_ENV = 'SECCOMP_NODE_EXEC';

/** What the parent asks the helper to run. */
export interface ExecRequest {
  /** Format version. */
  v: 1;
  /** The complete policy for the program, @exec-start included when wanted (the helper adds the pinned execve). */
  policy: Policy;
  /** The program as the caller named it (a path, or a name looked up on the program's PATH); also argv[0]. */
  file: string;
  /** argv[1..]. */
  args: string[];
  /** Descriptors the program inherits (stdio and any further stdio entries); the IPC channel is added here. */
  fds: number[];
  /** NODE_OPTIONS for the program: taken out of the helper's own environment so that it does not act on it. */
  nodeOptions?: string;
  /** How the program's end of an IPC channel (de)serialises messages: fork()'s `serialization`. */
  serialization?: 'json' | 'advanced';
}

function fail(status: number, message: string): never {
  try { fs.writeSync(2, `seccomp-node: ${message}\n`); } catch { /* stderr closed */ }
  process.exit(status);
}

function readRequest(): ExecRequest {
  const raw = process.env[EXEC_REQUEST_ENV];
  delete process.env[EXEC_REQUEST_ENV];
  if (!raw) fail(2, `${path.basename(__filename)} is started by sandbox.spawn(), sandbox.execFile() and sandbox.fork(), not directly`);
  let request: ExecRequest;
  try {
    request = JSON.parse(raw) as ExecRequest;
  } catch {
    return fail(2, `the exec helper got a request that is not JSON in ${EXEC_REQUEST_ENV}`);
  }
  if (request?.v !== 1 || typeof request.file !== 'string' || !Array.isArray(request.args) || !Array.isArray(request.fds)) {
    fail(2, 'the exec helper got a request it does not understand (seccomp-node versions differ?)');
  }
  return request;
}

/** O_NONBLOCK of `fd`'s open file description, from /proc (Node has no fcntl). */
function nonBlocking(fd: number): boolean | undefined {
  try {
    const m = /^flags:\s*([0-7]+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
    return m ? (parseInt(m[1], 8) & fs.constants.O_NONBLOCK) !== 0 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Loading a filter creates process.stdout and process.stderr first (they open files
 * lazily, which a tight policy forbids later). On a pipe or socket that switches the
 * shared open file description to non-blocking, which the program would inherit: a C
 * program writing to a full pipe would then fail with EAGAIN. Create them now and put
 * back the mode they came with.
 */
function primeStdioKeepingModes(): void {
  const streams = [[1, () => process.stdout], [2, () => process.stderr]] as const;
  for (const [fd, get] of streams) {
    const before = nonBlocking(fd);
    const stream = get() as unknown as { _handle?: { setBlocking?: (blocking: boolean) => number } };
    if (before === false && nonBlocking(fd) === true) stream._handle?.setBlocking?.(true);
  }
}

function main(): never {
  const request = readRequest();
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (request.nodeOptions !== undefined) env.NODE_OPTIONS = request.nodeOptions;
  const fds = [...request.fds];
  // fork(), or spawn() with 'ipc' in stdio: Node opened the channel in this helper and
  // took NODE_CHANNEL_FD out of the environment. Pass the same descriptor on.
  const channel = (process as unknown as { channel?: { fd?: number } }).channel;
  if (channel && typeof channel.fd === 'number' && channel.fd >= 0) {
    fds.push(channel.fd);
    env.NODE_CHANNEL_FD = String(channel.fd);
    env.NODE_CHANNEL_SERIALIZATION_MODE = request.serialization ?? 'json';
  }
  primeStdioKeepingModes();
  try {
    return execUnderPolicy(request.policy, request.file, request.args, env, fds);
  } catch (error) {
    const e = error as Error & { code?: string };
    return fail(e.code === 'ERR_SECCOMP_EXEC_FAILED' ? 127 : 126, `cannot start ${request.file} under its policy: ${e.message}`);
  }
}

if (require.main === module) main();
