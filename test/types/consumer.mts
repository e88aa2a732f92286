// An ES module consumer: the ESM entry, the vitest matchers (ESM only) and the other subpaths.
import { sandbox, type SandboxStatus } from 'seccomp-node';
import { runSandboxed } from 'seccomp-node/testing';
import { matchers } from 'seccomp-node/vitest';
import 'seccomp-node/lockdown';
import { expect } from 'vitest';

const status: SandboxStatus = sandbox.status();
const names: string[] = Object.keys(matchers);

export async function blocked(): Promise<void> {
  await expect(runSandboxed(() => 0, { allow: ['@node'] })).toBeBlockedBySeccomp('openat');
  // @ts-expect-error the matcher takes a syscall name
  await expect(runSandboxed(() => 0)).toBeBlockedBySeccomp(42);
}

export { status, names };
