/**
 * The library's own system calls, marked for in-process learning.
 *
 * `learn.start()` watches this process with strace and writes the policy that a lockdown at
 * that point would need. Some of what seccomp-node itself does while it watches never
 * happens under that lockdown: `status()` reads /proc (openat, getdents64, readlink) only
 * before a filter is in force; after one, it answers from the facts captured when it was
 * loaded. Learning those reads would grant the policy opens and directory listings the
 * program never makes.
 *
 * So while a session watches, such work runs between two marker calls: `close()` of two
 * descriptor numbers no process can hold (above the kernel's fs.nr_open ceiling,
 * 2147483584), which fail with EBADF and change nothing. The learner leaves out every
 * call a thread makes between its markers (src/learn/observations.ts). Outside a session
 * nothing is marked, so nothing changes for a locked-down process.
 */
import * as fs from 'node:fs';

/** `close(BEGIN)` opens a stretch of the library's own calls on the calling thread; `close(END)` ends it. */
export const OWN_CALLS_BEGIN = 2147483647;
export const OWN_CALLS_END = 2147483646;

let sessions = 0;

/** learn.start() and its stop(): whether a session watches this process now. */
export function watchOwnCalls(on: boolean): void {
  sessions = Math.max(0, sessions + (on ? 1 : -1));
}

function mark(fd: number): void {
  try { fs.closeSync(fd); } catch { /* EBADF: the marker is the attempt itself */ }
}

/** Runs `work`, marked as the library's own calls while a learning session watches. */
export function asOwnCalls<T>(work: () => T): T {
  if (sessions === 0) return work();
  mark(OWN_CALLS_BEGIN);
  try {
    return work();
  } finally {
    mark(OWN_CALLS_END);
  }
}
