/**
 * learn's observer without strace: the program starts through the launcher under a filter
 * that sends every call to the supervisor (seccomp user notification), which records its
 * number, architecture, thread and six argument registers and lets it run
 * (SECCOMP_USER_NOTIF_FLAG_CONTINUE). That is all seccomp can compare, so it is all a policy
 * needs, and it takes no ptrace rights: it works in containers without SYS_PTRACE, and under
 * Yama's ptrace_scope 3.
 *
 * CONTINUE is for learning only, never for a security decision: the kernel runs the call
 * with whatever its pointer arguments point to by then. Nothing here decides anything.
 *
 * What it cannot do: read paths or socket addresses (they are behind pointers), so it makes
 * no Landlock proposal; strace does (`--observer strace`). clone3 and io_uring_setup are
 * answered with ENOSYS by the filter, as the learned policy will, and are not counted. The
 * launcher's own calls after its load (the execve that starts the program, exit_group on its
 * way out) are let through unseen.
 */
import { spawn } from 'node:child_process';
import { archName, nativeArch } from '../arch';
import { prepareLaunch, type RecordedCall, type Supervision } from '../children/launcher';
import type { Policy } from '../policy';
import { syscallName } from '../syscalls';
import type { ParsedTrace } from './strace';
import { watchChild } from './watched-child';
import { INJECTED_ENOSYS } from './strace';

/** Calls the observer lets through without seeing them. */
export const UNWATCHED = ['exit_group'] as const;

/** Every call goes to the supervisor, but those the learned policy answers with ENOSYS. */
function learningPolicy(): Policy {
  return { defaultAction: 'kill-process', rules: INJECTED_ENOSYS.map((syscall) => ({ syscall, action: { errno: 'ENOSYS' } })) };
}

export interface NotifiedRun {
  trace: ParsedTrace;
  exit: { code: number | null; signal: NodeJS.Signals | null; timedOut: boolean };
  stdout: string;
  stderr: string;
}

export interface NotifiedRunOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdio: 'pipe' | 'inherit';
  input?: string | Uint8Array;
  timeoutMs?: number;
}

function addCalls(trace: ParsedTrace, calls: RecordedCall[]): void {
  const native = nativeArch();
  for (const call of calls) {
    trace.pids.add(call.pid);
    const arch = archName(call.arch >>> 0);
    if (arch !== native) {
      const note = `[ Process PID=${call.pid} runs in ${arch ?? `0x${(call.arch >>> 0).toString(16)}`} mode. ]`;
      if (!trace.personalities.includes(note)) trace.personalities.push(note);
    }
    const name = arch ? syscallName(call.nr, arch) : undefined;
    trace.calls.push({ pid: call.pid, name: name ?? `syscall_${call.nr}`, args: call.args, injected: false });
  }
}

/** Runs the program under the recording filter; resolves with what it did and how it ended. */
export function watchWithNotifications(command: string, args: readonly string[], options: NotifiedRunOptions): Promise<NotifiedRun> {
  const launch = prepareLaunch({ policy: learningPolicy(), file: command, args, env: options.env, cwd: options.cwd, mode: 'record' }, 3);
  const pipe = options.stdio === 'pipe';
  let supervision: Supervision;
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(launch.command, launch.args, {
      cwd: options.cwd, env: options.env,
      stdio: [pipe ? (options.input === undefined ? 'ignore' : 'pipe') : 'inherit', pipe ? 'pipe' : 'inherit', pipe ? 'pipe' : 'inherit',
        launch.channel],
    });
  } catch (error) {
    launch.abort();
    throw error;
  }
  supervision = launch.started();
  const trace: ParsedTrace = { calls: [], pids: new Set(), unparsed: [], personalities: [] };
  // Taken in as they come, so that a long run does not pile them up in the supervisor.
  supervision.subscribe(() => addCalls(trace, supervision.takeRecords()));
  return watchChild(child, options, (signal) => child.kill(signal)).then((exit) => {
    addCalls(trace, supervision.takeRecords());
    supervision.release();
    const { stdout, stderr, ...end } = exit;
    return { trace, exit: end, stdout, stderr };
  }, (error: unknown) => {
    supervision.release();
    throw error;
  });
}
