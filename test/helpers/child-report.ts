/**
 * Checks the parent's report for a child killed by SIGSYS (`'seccomp-violation'` and the line
 * the parent prints) against what the kernel itself logged, read by the test
 * (./kernel-log). A handler cannot survive exec, so the parent can name the call only from
 * the kernel's audit record. Where that record is there to read, the report must name the
 * call exactly; "unknown" is accepted only where no parent here could have known it, and
 * then the reason it gives must be that very one.
 */
import { expect } from 'vitest';
import type { ChildViolation } from '../../src/children/spawn';
import { syscallNumber } from '../../src/syscalls';
import { kernelKillRecord } from './kernel-log';

/** Which case held, in words, for the test to state (`annotate`). */
export type ReportCase = string;

export function expectChildReport(violation: ChildViolation | undefined, expected: { pid: number; command: string; syscall: string }): ReportCase {
  expect(violation, 'no seccomp-violation event').toBeDefined();
  const v = violation!;
  expect(v).toMatchObject({ pid: expected.pid, command: expected.command });
  const head = `seccomp-node: child process ${expected.pid} (${expected.command}) was killed by SIGSYS: blocked system call`;
  if (v.source === 'notification') {
    // The supervisor read the call from its seccomp notification: known whatever the log says.
    const nr = syscallNumber(expected.syscall, 'x86_64')!;
    expect(v).toMatchObject({ syscall: expected.syscall, nr, arch: 'x86_64', caller: expected.pid, signal: 'SIGSYS' });
    expect(v.args).toHaveLength(6);
    expect(v.line.startsWith(`${head} ${expected.syscall} (nr ${nr}, arch x86_64) in thread ${v.thread}, args ${v.args!.join(' ')}; `)).toBe(true);
    return `the supervisor named ${expected.syscall} from its notification (nr ${nr}, thread ${v.thread})`;
  }
  const kernel = kernelKillRecord(expected.pid);
  if (!kernel.readable) {
    // This process cannot open /dev/kmsg (CAP_SYSLOG under kernel.dmesg_restrict), and the
    // package's parent reads it with the same rights: the name cannot be known here.
    expect(v).toMatchObject({ syscall: null, nr: null, arch: null });
    expect(v.reason).toMatch(/^dmesg not readable: /);
    expect(v.line).toBe(`${head} unknown (${v.reason})`);
    return `the kernel log is not readable here (${kernel.why}): the report says so instead of a name`;
  }
  if (!kernel.found) {
    // The log is readable but holds no record of this kill: the kernel rate-limits audit
    // records printed to the log (printk_ratelimit), and auditd, when it runs, takes them.
    expect(v).toMatchObject({ syscall: null, nr: null, arch: null });
    expect(v.reason).toMatch(/^no audit record in the kernel log/);
    expect(v.line).toBe(`${head} unknown (${v.reason})`);
    return 'the kernel dropped its record of this kill: the report says so instead of a name';
  }
  expect(kernel.arch).toBe('x86_64');
  expect(v).toMatchObject({ syscall: expected.syscall, nr: kernel.nr, arch: 'x86_64' });
  expect(v.line).toBe(`${head} ${expected.syscall} (nr ${kernel.nr}, arch x86_64)`);
  return `the kernel logged the kill (nr ${kernel.nr}): the report names ${expected.syscall}`;
}
