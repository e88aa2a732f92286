/**
 * The violation report for exec-time children, written by the parent: a SIGSYS handler
 * does not survive exec, so when a child dies by SIGSYS the parent names the call from the
 * kernel's audit record where it can read one.
 */
import type * as cp from 'node:child_process';
import * as fs from 'node:fs';
import { parseSeccompKill, type AuditHit } from './audit-record';
import { loadHistory } from './loader';

/** What the parent learnt about a child that died by SIGSYS. */
export interface ChildViolation {
  pid: number;
  /** The program (spawn, execFile) or module (fork) as the caller named it. */
  command: string;
  /** The blocked call, when the kernel's audit record was found; otherwise null. */
  syscall: string | null;
  nr: number | null;
  arch: string | null;
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

/** Reports the child's death by SIGSYS, with the blocked call when the kernel log names it. */
export function watchForViolation(child: cp.ChildProcess, command: string, report: boolean): void {
  const notBefore = Date.now() - 2000;
  child.once('exit', (_code, signal) => {
    if (signal !== 'SIGSYS' || child.pid === undefined) return;
    const pid = child.pid;
    if (!report && child.listenerCount('seccomp-violation') === 0) return;
    void findAuditRecord(pid, notBefore).then((found) => {
      const head = `seccomp-node: child process ${pid} (${command}) was killed by SIGSYS: blocked system call`;
      const violation: ChildViolation = 'reason' in found
        ? { pid, command, syscall: null, nr: null, arch: null, reason: found.reason, line: `${head} unknown (${found.reason})` }
        : { pid, command, ...found, line: `${head} ${found.syscall ?? 'unknown'} (nr ${found.nr}, arch ${found.arch ?? 'unknown'})` };
      if (report) {
        try { process.stderr.write(`${violation.line}\n`); } catch { /* stderr gone */ }
      }
      child.emit('seccomp-violation', violation);
    });
  });
}
