/**
 * What the kernel itself logged about a process it killed for a seccomp violation (audit
 * record type 1326 in /dev/kmsg), read with the test's own pattern, independently of the
 * package's audit-record parser. Tests use it to decide whether the name of a blocked call
 * *could* be known by a parent: only then may they demand it, and where it cannot (the log
 * is not readable here, or the kernel dropped the record: it rate-limits them), they say
 * why and check what is known instead.
 */
import * as fs from 'node:fs';

export type KernelRecord =
  | { readable: false; why: string }
  | { readable: true; found: false }
  | { readable: true; found: true; nr: number; arch: string; record: string };

// e.g. "audit: type=1326 audit(1795983451.113:106): auid=... pid=25536 comm="touch" ... sig=31 arch=c000003e syscall=257 compat=0 ..."
const RECORD = /type=1326 audit\([\d.:]+\):.* pid=(\d+) .*\bsig=31 arch=([0-9a-f]+) syscall=(\d+) /;
const ARCHES: Record<string, string> = { c000003e: 'x86_64', '40000003': 'i386', c00000b7: 'aarch64', '40000028': 'arm' };

/**
 * The kernel's kill record for `pid`, from everything /dev/kmsg still holds: the latest
 * one, since pids are reused and the log keeps the kills of earlier runs.
 */
export function kernelKillRecord(pid: number): KernelRecord {
  let fd: number;
  try {
    fd = fs.openSync('/dev/kmsg', fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    return { readable: false, why: (error as NodeJS.ErrnoException).code ?? String(error) };
  }
  try {
    const buffer = Buffer.alloc(16 * 1024);
    let latest: KernelRecord = { readable: true, found: false };
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(fd, buffer, 0, buffer.length, null);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EPIPE') continue; // overwritten while reading
        return latest; // EAGAIN: the end of the log
      }
      if (n <= 0) return latest;
      const record = buffer.toString('utf8', 0, n);
      const m = RECORD.exec(record);
      if (m && Number(m[1]) === pid) latest = { readable: true, found: true, nr: Number(m[3]), arch: ARCHES[m[2]] ?? m[2], record };
    }
  } finally {
    fs.closeSync(fd);
  }
}
