// A CommonJS-style consumer of the published types (compiled by test/package.test.ts against
// lib/ under node16, node10 and bundler resolution; node16 also checks every .d.ts it
// reaches). Each @ts-expect-error must stay an error: if the types decayed to `any`, tsc
// would report the directive as unused.
import { Filter, SeccompError, arg, sandbox, type LockdownOptions, type Policy } from 'seccomp-node';
import { runSandboxed, type SandboxedResult } from 'seccomp-node/testing';
import 'seccomp-node/lockdown';

const options: LockdownOptions = { allow: ['@node', 'read', { syscall: 'write', conditions: [] }], optimize: 2 };
// @ts-expect-error optimize is 1 or 2
const wrong: LockdownOptions = { optimize: 3 };

const policy: Policy = new Filter({ defaultAction: 'kill-process' }).allow('read').errno('openat', 'EACCES', arg(0).eq(1)).toPolicy();
const code: string = new SeccompError('ERR_SECCOMP_UNKNOWN_SYSCALL', 'x').code;
// @ts-expect-error codes are a closed union
const badCode = new SeccompError('ERR_NOT_A_CODE', 'x');

async function check(): Promise<boolean> {
  const result: SandboxedResult = await runSandboxed(() => 1 + 1, { allow: ['@node'] });
  return result.outcome === 'returned' && sandbox.isSupported();
}

export { options, wrong, policy, code, badCode, check };
