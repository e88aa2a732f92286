/** The runnable example does what README says it does. */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

it('npm run demo: the daemon serves under lockdown, then dies by SIGSYS on exec with the report line', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(__dirname, '..', 'examples', 'demo.js')]);
  expect(stdout).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ \(locked down: \d+ BPF instructions\)/);
  expect(stdout).toContain('GET /      -> hello from a sandboxed daemon');
  expect(stdout).toContain('GET /file  -> // A small HTTP daemon');
  expect(stdout).toMatch(/seccomp-node: blocked system call clone \(nr 56, arch x86_64\) in thread \d+ \(main\)/);
  expect(stdout).toContain('[daemon stderr] seccomp-node: @node, @process would allow clone with some arguments\n');
  expect(stdout).toContain('daemon ended: code=null signal=SIGSYS');
});
