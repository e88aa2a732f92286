/**
 * The built-in groups against the Node this suite runs on (CI runs it on every supported
 * version): the workloads the groups were drawn from (scripts/group-workloads.js: HTTP, fs
 * on the pool, crypto, zlib, a Worker, DNS, sockets, child processes, Node's own startup)
 * run under strace, and every call seen, on every thread and child, is given to the groups'
 * BPF program. None may be killed, and the only errno answers are the probes the groups
 * answer on purpose. Needs strace and ptrace rights (CI runs as root).
 */
import { describe, expect, it } from 'vitest';

interface Verdict { key: string; syscall: string; verdict: string; count: number }
// eslint-disable-next-line @typescript-eslint/no-require-imports
const check = require('../scripts/check-groups.js') as {
  traceWorkload(node: string, name: string): Promise<string>;
  verdicts(trace: string, name: string): Verdict[];
  problems(list: Verdict[]): Verdict[];
  WORKLOAD_GROUPS: Record<string, string[]>;
};

describe(`the groups cover what Node ${process.versions.node.split('.')[0]} does`, () => {
  for (const [name, groups] of Object.entries(check.WORKLOAD_GROUPS)) {
    it(`${name}: ${groups.join(' ')}`, async () => {
      const list = check.verdicts(await check.traceWorkload(process.execPath, name), name);
      // the trace saw the workload itself, not just a process starting
      const seen = new Set(list.map((v) => v.syscall));
      const expected = { daemon: ['accept4', 'inotify_init1', 'connect', 'kill'], spawner: ['wait4', 'execve', 'recvmsg'], startup: ['openat', 'epoll_pwait'] }[name];
      for (const call of expected ?? []) expect(seen, `${name} made no ${call}`).toContain(call);
      expect(check.problems(list).map((v) => `${v.verdict}: ${v.key}`)).toEqual([]);
    });
  }
});
