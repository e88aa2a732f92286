/** A learned program's run as both observers see it: its output, its end, and learn's --timeout. */
import type { ChildProcess } from 'node:child_process';

export interface WatchedExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/**
 * Collects `child`'s output (when piped), feeds it `input`, and after `timeoutMs` asks it to
 * stop with SIGTERM, then SIGKILL 5 s later, through `stop` (the program may be the child
 * itself or, under strace, the child's child). Settles when the child closes.
 */
export function watchChild(child: ChildProcess, options: { input?: string | Uint8Array; timeoutMs?: number },
  stop: (signal: NodeJS.Signals) => void): Promise<WatchedExit> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    if (options.input !== undefined) child.stdin?.end(options.input);
    child.stdin?.on('error', () => { /* not read */ });
    let timedOut = false;
    const timers: NodeJS.Timeout[] = [];
    if (options.timeoutMs !== undefined) {
      timers.push(setTimeout(() => {
        timedOut = true;
        stop('SIGTERM');
        timers.push(setTimeout(() => stop('SIGKILL'), 5000));
      }, options.timeoutMs));
    }
    child.on('error', (error) => { timers.forEach(clearTimeout); reject(error); });
    child.on('close', (code, signal) => { timers.forEach(clearTimeout); resolve({ code, signal, timedOut, stdout, stderr }); });
  });
}
