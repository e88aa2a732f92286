import { addFaultArgument, describeFaults, type FaultSpec } from '../testing/faults';
import { runChaos, type ChaosResult } from '../testing/chaos';
import { shellQuote } from '../testing/exec';
import { archOption, loadPolicy, parse, UsageError, type Command } from './common';

/**
 * `seccomp-node chaos --fail openat=EIO -- node app.js`: runs the program with chosen
 * system calls failing and says what it did. Exit status: 0 it carried on (exit status 0),
 * 3 it exited with another status, 4 it died by a signal, 5 it hung past --timeout;
 * with --each, the highest of its runs. 1 and 2 keep their meaning (policy, usage).
 */
export const chaos: Command = {
  name: 'chaos',
  summary: 'run a program with chosen system calls failing (fault injection) and report what it did',
  usage: 'chaos --fail SYSCALL=ERRNO[:CONDITION]... [--each] [--from exec|main] [--policy FILE] [--timeout MS] -- COMMAND [ARG...]\n' +
    '  --fail openat=EIO          every openat fails with EIO\n' +
    '  --fail write=ENOSPC:arg0==1  only writes to fd 1 (a policy-file expression: arg0 == 1 || arg0 == 2)\n' +
    '  --each                     one run per --fail, then a summary\n' +
    '  --from main|exec           Node programs: faults begin when the main module starts (default);\n' +
    '                             exec: from the first instruction (the default for other programs)\n' +
    '  --policy FILE              also run under this policy (from exec)\n' +
    '  exit status: 0 carried on, 3 exited non-zero, 4 died by a signal, 5 hung (--timeout)',
  run(argv, out) {
    const { values, positionals } = parse(argv, {
      fail: { type: 'string', multiple: true, short: 'f' }, each: { type: 'boolean' }, from: { type: 'string' },
      policy: { type: 'string', short: 'p' }, timeout: { type: 'string' },
    });
    const [command, ...args] = positionals;
    if (!command) throw new UsageError('name the program to run after --');
    if (!values.fail?.length) throw new UsageError('give at least one --fail SYSCALL=ERRNO');
    if (values.from !== undefined && values.from !== 'main' && values.from !== 'exec') throw new UsageError('--from is main or exec');
    let timeoutMs: number | undefined;
    if (values.timeout !== undefined) {
      timeoutMs = Number(values.timeout);
      if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError('--timeout takes a number of milliseconds');
    }
    const policy = values.policy ? loadPolicy(values.policy, archOption(undefined)) : undefined;
    for (const note of policy?.notes ?? []) out.stderr(`${values.policy}: note: ${note}\n`);
    for (const warning of policy?.warnings ?? []) out.stderr(`${values.policy}: warning: ${warning}\n`);

    const runs: FaultSpec[] = values.each
      ? values.fail.map((f) => addFaultArgument({}, f))
      : [values.fail.reduce((spec, f) => addFaultArgument(spec, f), {} as FaultSpec)];
    const results: ChaosResult[] = [];
    for (const fail of runs) {
      if (values.each) out.stderr(`seccomp-node chaos: [${results.length + 1}/${runs.length}] ${describeFaults(fail)}\n`);
      const result = runChaos(command, args, {
        fail, ...(policy ? { policy: policy.policy } : {}), ...(values.from ? { from: values.from as 'main' | 'exec' } : {}),
        ...(timeoutMs ? { timeoutMs } : {}),
      });
      results.push(result);
      out.stderr(`seccomp-node chaos: with ${result.faults}${result.from === 'main' ? ' (from the main module)' : ' (from exec)'}, ` +
        `the program ${result.description}\n`);
    }
    if (values.each && results.length > 1) {
      const width = Math.max(...results.map((r) => r.faults.length));
      out.stderr(`\nseccomp-node chaos: summary for ${shellQuote([command, ...args])}\n`);
      for (const r of results) out.stderr(`  ${r.faults.padEnd(width)}  ${r.description}\n`);
    }
    return Math.max(...results.map((r) => r.status));
  },
};
