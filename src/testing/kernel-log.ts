/**
 * Best effort: which system call the kernel killed a process for, read from the kernel
 * log. A program started under a policy (exec) has lost seccomp-node's SIGSYS reporter, but
 * the kernel logs every kill-process action (audit record type 1326, "SECCOMP") when
 * /proc/sys/kernel/seccomp/actions_logged contains kill_process, which is the default.
 * Reading /dev/kmsg needs root or kernel.dmesg_restrict=0, and the pid must be in the
 * kernel's own pid namespace; anything missing makes this return undefined.
 */
import * as fs from 'node:fs';
import { parseSeccompKill } from '../audit-record';

export interface KernelKill { syscall?: string; nr: number; arch?: string }

export interface KernelLogWatch {
  /** The kill record for `pid`, when the kernel log has one. Retries for up to `waitMs`. */
  find(pid: number, waitMs?: number): Promise<KernelKill | undefined>;
  /** The same, blocking (for the command line). */
  findSync(pid: number, waitMs?: number): KernelKill | undefined;
  close(): void;
}

function drain(fd: number, sink?: string[]): void {
  const buffer = Buffer.alloc(8192);
  for (let i = 0; i < 100_000; i++) {
    let n: number;
    try {
      n = fs.readSync(fd, buffer, 0, buffer.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') continue; // records were overwritten while reading: carry on
      return; // EAGAIN: the end
    }
    if (n <= 0) return;
    sink?.push(buffer.toString('utf8', 0, n));
  }
}

/**
 * Opens the kernel log now and skips what is already in it, so that only records written
 * from now on are considered. Returns undefined when the log cannot be read.
 */
export function watchKernelLog(): KernelLogWatch | undefined {
  let fd: number;
  try {
    fd = fs.openSync('/dev/kmsg', fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  drain(fd);
  let closed = false;
  const lookOnce = (pid: number): KernelKill | undefined => {
    const records: string[] = [];
    if (!closed) drain(fd, records);
    for (const record of records) {
      const hit = parseSeccompKill(record, pid);
      if (hit) return { nr: hit.nr, ...(hit.syscall ? { syscall: hit.syscall } : {}), ...(hit.arch ? { arch: hit.arch } : {}) };
    }
    return undefined;
  };
  // The audit record reaches the log from a kernel thread, a moment after the kill.
  const STEP_MS = 20;
  return {
    async find(pid, waitMs = 300) {
      for (const deadline = Date.now() + waitMs; ;) {
        const found = lookOnce(pid);
        if (found || Date.now() >= deadline || closed) return found;
        await new Promise((resolve) => setTimeout(resolve, STEP_MS));
      }
    },
    findSync(pid, waitMs = 300) {
      const cell = new Int32Array(new SharedArrayBuffer(4));
      for (const deadline = Date.now() + waitMs; ;) {
        const found = lookOnce(pid);
        if (found || Date.now() >= deadline || closed) return found;
        Atomics.wait(cell, 0, 0, STEP_MS);
      }
    },
    close() {
      if (closed) return;
      closed = true;
      try { fs.closeSync(fd); } catch { /* already closed */ }
    },
  };
}
