import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isSeccompErrorCode, SeccompError } from '../errors';
import type { DriverMessage, DriverSpec } from '../learn/driver';
import { findStrace } from '../learn/strace';
import { parse, UsageError, type Command } from './common';

const DRIVER = path.resolve(__dirname, '..', '..', 'lib', 'learn', 'driver.js');

/**
 * `seccomp-node learn --out app.policy -- node app.js`: runs the program, watching its
 * system calls (seccomp user notification, or strace), and writes the policy that allows
 * what it did. Exit status: 0 written; 3 written, but the program itself failed (exit status
 * or signal; the policy may miss its usual path); 1 learning failed (no strace or ptrace
 * where strace is the observer); 2 usage.
 */
export const learn: Command = {
  name: 'learn',
  summary: 'run a program, watch its system calls, and write the policy that allows exactly what it did',
  usage: 'learn [--out FILE] [--merge FILE] [--group @GROUP]... [--strict] [--timeout MS] [--observer seccomp|strace] ' +
    '[--strace PATH] -- COMMAND [ARG...]\n' +
    '  --out FILE     where to write the policy (default: the --merge file, else stdout)\n' +
    '  --merge FILE   add this run\'s findings to a policy learned before (or written by hand)\n' +
    '  --group @G     include a built-in group whatever was seen (repeatable)\n' +
    '  --strict       exactly the calls seen: no @node baseline for Node programs\n' +
    '  --timeout MS   stop the program with SIGTERM after MS milliseconds (daemons)\n' +
    '  --observer O   seccomp (default where the kernel has seccomp user notification: no ptrace, no strace needed)\n' +
    '                 or strace (apt-get install -y strace), which also proposes Landlock @fs and @net lines\n' +
    '  --strace PATH  the strace to use (implies --observer strace)\n' +
    '  the policy is for `seccomp-node run --policy FILE -- COMMAND`',
  run(argv, out) {
    const { values, positionals } = parse(argv, {
      out: { type: 'string', short: 'o' }, merge: { type: 'string', short: 'm' }, group: { type: 'string', multiple: true, short: 'g' },
      strict: { type: 'boolean' }, timeout: { type: 'string' }, strace: { type: 'string' }, observer: { type: 'string' },
    });
    const [command, ...args] = positionals;
    if (!command) throw new UsageError('name the program to run after --');
    if (values.strict && values.group?.length) throw new UsageError('--strict and --group do not go together');
    let timeoutMs: number | undefined;
    if (values.timeout !== undefined) {
      timeoutMs = Number(values.timeout);
      if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError('--timeout takes a number of milliseconds');
    }
    for (const g of values.group ?? []) if (!g.startsWith('@')) throw new UsageError(`--group takes a group name such as @node, not "${g}"`);
    if (values.observer !== undefined && values.observer !== 'seccomp' && values.observer !== 'strace') {
      throw new UsageError(`--observer takes seccomp or strace, not "${values.observer}"`);
    }
    if (values.observer === 'seccomp' && values.strace) throw new UsageError('--strace goes with --observer strace');
    const observer = values.observer as 'seccomp' | 'strace' | undefined ?? (values.strace ? 'strace' : undefined);
    if (observer === 'strace') findStrace(values.strace); // fails here, with how to install it
    const target = values.out ?? values.merge;
    const spec: DriverSpec = {
      command, args,
      options: {
        ...(values.strict ? { groups: [] } : values.group?.length ? { groups: values.group } : {}),
        ...(values.merge ? { merge: path.resolve(values.merge) } : {}),
        ...(values.strace ? { strace: values.strace } : {}), ...(timeoutMs ? { timeoutMs } : {}),
        ...(observer ? { observer } : {}),
      },
    };
    if (!fs.existsSync(DRIVER)) throw new SeccompError('ERR_SECCOMP_UNSUPPORTED', `${DRIVER} is missing: build the package (npm run build)`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-node-learn-'));
    const specFile = path.join(dir, 'spec.json');
    let message: DriverMessage | undefined;
    try {
      fs.writeFileSync(specFile, JSON.stringify(spec), { mode: 0o600 });
      const r = spawnSync(process.execPath, [DRIVER, specFile], { stdio: ['inherit', 'inherit', 'inherit', 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20 });
      const line = String(r.output?.[3] ?? '').split('\n').find((l) => l.startsWith('{'));
      if (line) message = JSON.parse(line) as DriverMessage;
      if (!message) throw new SeccompError('ERR_SECCOMP_LEARN_FAILED', `learning failed: the driver ended with ${r.signal ?? `status ${r.status}`}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    if (!message.ok) {
      throw new SeccompError(isSeccompErrorCode(message.error.code) ? message.error.code : 'ERR_SECCOMP_LEARN_FAILED', message.error.message);
    }
    if (target) fs.writeFileSync(target, message.text);
    else out.stdout(message.text);
    const exit = message.exit;
    const failed = exit && !exit.timedOut && (exit.signal !== null || exit.code !== 0);
    const how = !exit ? '' : exit.timedOut ? 'was stopped after the timeout' : exit.signal ? `died by ${exit.signal}` : `exited with status ${exit.code}`;
    const groups = message.groups.length ? `, groups ${message.groups.join(' ')}` : '';
    const partial = Object.entries(message.partialGroups).map(([g, calls]) => `; ${g} without ${calls.join(', ')}`).join('');
    out.stderr(`seccomp-node learn: ${target ? `wrote ${target}` : 'policy written to stdout'}: ${message.calls} calls observed, ` +
      `${message.allowed} different calls allowed${groups}${partial}; the program ${how}\n`);
    if (failed) {
      out.stderr('seccomp-node learn: warning: the program did not succeed, so the policy may lack what its usual path needs\n');
      return 3;
    }
    return 0;
  },
};
