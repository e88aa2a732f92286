/**
 * The violation report for children started under a policy, written by the parent: a SIGSYS
 * handler does not survive exec, and the program's own startup runs before it could install
 * one.
 *
 * A supervised child (src/children/launcher/notify.ts) needs nothing more: the supervisor thread read
 * the blocked call from its seccomp notification (number, architecture, thread, argument
 * registers) before it ended the child, so the line names the call, its arguments and the
 * built-in groups that would allow it, whoever the parent runs as. An unsupervised child
 * (user notification unavailable, or this process under filters it did not load) is killed
 * by the kernel as before, and the call is named from the kernel's audit record where the
 * parent can read one.
 */
import type * as cp from 'node:child_process';
import * as fs from 'node:fs';
import { parseSeccompKill, type AuditHit } from '../audit-record';
import type { LaunchFailure, SupervisedViolation, Supervision } from './launcher';
import { callDetails, callName } from './launcher/describe';

export { callDetails, callName } from './launcher/describe';
import { loadHistory } from '../loader';

/** What the parent learnt about a child that died by SIGSYS (or a process it started). */
export interface ChildViolation {
  /** The child's pid (ChildProcess.pid). */
  pid: number;
  /** The program (spawn, execFile) or module (fork) as the caller named it. */
  command: string;
  /** The blocked call, when known; otherwise null. */
  syscall: string | null;
  nr: number | null;
  arch: string | null;
  /** Where the name comes from: the supervisor's notification, or the kernel's audit record. */
  source?: 'notification' | 'kernel-log';
  /** From a notification: the process that made the call (the child, or a process it started). */
  caller?: number;
  /** From a notification: the thread that made the call. */
  thread?: number;
  /** From a notification: the six argument registers, in hex. */
  args?: string[];
  /** From a notification: the built-in groups whose rules would allow the call. */
  groups?: string[];
  /** From a notification: the signal the supervisor sent (SIGKILL when the program catches or ignores SIGSYS). */
  signal?: 'SIGSYS' | 'SIGKILL' | null;
  /** Why the call is unknown, when it is. */
  reason?: string;
  /** The line written to stderr (also when `report: false` kept it from being written). */
  line: string;
}

/** Delays between looks at the kernel log: its audit records are written asynchronously. */
const KMSG_RETRY_MS = [10, 25, 50, 100, 150];

/**
 * Looks for the kernel's audit record of `pid`'s death in /dev/kmsg: non-blocking reads on
 * the thread pool, a few retries while kauditd catches up. Never throws.
 */
function findAuditRecord(pid: number, notBefore: number): Promise<AuditHit | { reason: string }> {
  // Opening a file could itself be a call this process's own filter forbids.
  if (loadHistory.length > 0) {
    return Promise.resolve({ reason: 'dmesg not read: this process is locked down, and opening the kernel log could be a blocked call itself' });
  }
  return new Promise((resolve) => {
    fs.open('/dev/kmsg', fs.constants.O_RDONLY | fs.constants.O_NONBLOCK, (openError, fd) => {
      if (openError) {
        resolve({ reason: `dmesg not readable: ${openError.code ?? openError.message}` });
        return;
      }
      const buffer = Buffer.alloc(16 * 1024);
      let hit: AuditHit | undefined;
      let retry = 0;
      const finish = (result: AuditHit | { reason: string }) => fs.close(fd, () => resolve(result));
      const next = (): void => {
        fs.read(fd, buffer, 0, buffer.length, null, (error, bytes) => {
          if (error && error.code === 'EPIPE') { next(); return; } // records overwritten while reading
          if (error && error.code !== 'EAGAIN') {
            finish(hit ?? { reason: `dmesg not readable: ${error.code ?? error.message}` });
            return;
          }
          if (!error && bytes > 0) {
            hit = parseSeccompKill(buffer.toString('utf8', 0, bytes), pid, notBefore) ?? hit;
            next();
            return;
          }
          // The end of the log for now.
          if (hit) { finish(hit); return; }
          if (retry >= KMSG_RETRY_MS.length) {
            finish({ reason: 'no audit record in the kernel log (auditd may collect them, audit may be off, or the kernel rate-limited them)' });
            return;
          }
          setTimeout(next, KMSG_RETRY_MS[retry++]);
        });
      };
      next();
    });
  });
}

/** The parent's line for a supervised violation. */
function notificationLine(childPid: number, command: string, v: SupervisedViolation): string {
  const who = v.pid === childPid ? `child process ${childPid} (${command})`
    : `process ${v.pid}, started by child process ${childPid} (${command}),`;
  const how = v.signal === 'SIGKILL' ? 'was killed (SIGKILL: it catches or ignores SIGSYS)'
    : v.outcome === 'invisible' ? 'was refused (ENOSYS: its pid is in another namespace, so it could not be signalled)'
      : 'was killed by SIGSYS';
  return `seccomp-node: ${who} ${how}: blocked system call ${callName(v)} in thread ${v.thread}, ${callDetails(v)}`;
}

function fromNotification(childPid: number, command: string, v: SupervisedViolation): ChildViolation {
  return {
    pid: childPid, command, syscall: v.syscall, nr: v.nr, arch: v.arch, source: 'notification', caller: v.pid, thread: v.thread,
    args: v.args.map((a) => `0x${a.toString(16)}`), groups: v.groups, signal: v.signal, line: notificationLine(childPid, command, v),
  };
}

function failureLine(childPid: number, command: string, f: LaunchFailure): string {
  return `seccomp-node: child process ${childPid} (${command}) was not started: ${f.stage}${f.path ? ` (${f.path})` : ''}: ` +
    `${f.errno} (${f.message})`;
}

function write(report: boolean, line: string): void {
  if (!report) return;
  try { process.stderr.write(`${line}\n`); } catch { /* stderr gone */ }
}

/**
 * Reports the child's death by SIGSYS, naming the blocked call: from the supervision when the
 * child is supervised, else from the kernel log when it can be read. Violations of processes
 * the child started are reported as they happen (the child itself lives on).
 */
export function watchForViolation(child: cp.ChildProcess, command: string, report: boolean, supervision?: Supervision): void {
  const notBefore = Date.now() - 2000;
  // After the 'exit' listeners, as when the name came from the kernel log.
  const emit = (violation: ChildViolation) => process.nextTick(() => {
    write(report, violation.line);
    child.emit('seccomp-violation', violation);
  });
  const reported = new Set<SupervisedViolation>();
  const others = (violations: SupervisedViolation[]) => {
    if (child.pid === undefined) return;
    for (const v of violations) {
      if (v.pid === child.pid || reported.has(v)) continue;
      reported.add(v);
      emit(fromNotification(child.pid, command, v));
    }
  };
  supervision?.subscribe((update) => {
    others(update.violations);
    if (update.failure && !update.failure.said && child.pid !== undefined) write(report, failureLine(child.pid, command, update.failure));
  });
  child.once('exit', (_code, signal) => {
    const pid = child.pid;
    if (supervision) {
      // Recorded before the signal was sent: it is there now.
      const update = supervision.drain();
      if (update.failure && !update.failure.said && pid !== undefined) write(report, failureLine(pid, command, update.failure));
      others(supervision.violations);
      const own = supervision.violations.find((v) => v.pid === pid);
      if (supervision.ended) supervision.release();
      else supervision.subscribe((later) => { if (later.ended) supervision.release(); });
      if (own && pid !== undefined) {
        emit(fromNotification(pid, command, own));
        return;
      }
      // No notification: the kernel killed it for another filter (a parent's), if at all.
    }
    if (signal !== 'SIGSYS' || pid === undefined) return;
    if (!report && child.listenerCount('seccomp-violation') === 0) return;
    void findAuditRecord(pid, notBefore).then((found) => {
      const head = `seccomp-node: child process ${pid} (${command}) was killed by SIGSYS: blocked system call`;
      const violation: ChildViolation = 'reason' in found
        ? { pid, command, syscall: null, nr: null, arch: null, reason: found.reason, line: `${head} unknown (${found.reason})` }
        : { pid, command, ...found, source: 'kernel-log', line: `${head} ${found.syscall ?? 'unknown'} (nr ${found.nr}, arch ${found.arch ?? 'unknown'})` };
      emit(violation);
    });
  });
}
