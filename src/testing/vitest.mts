/**
 * `seccomp-node/vitest`: matchers for results of runSandboxed(). Importing this module
 * registers them; list it in `test.setupFiles` or import it at the top of a test file.
 *
 * ```ts
 * await expect(runSandboxed(fn, { allow: ['@node'] })).toBeBlockedBySeccomp('openat');
 * await expect(runSandboxed(fn, { allow: ['@node', '@fs-read'] })).toExitCleanly();
 * await expect(runSandboxed(fn, { fail: { openat: 'EIO' } })).toFailWithErrno('EIO');
 * await expect(runSandboxed(fn, { args: [2, 3] })).toReturnInSandbox(5);
 * ```
 *
 * Every matcher accepts a result or a promise of one, and is asynchronous: await it.
 */
import { expect } from 'vitest';
import { checkBlocked, checkExitedCleanly, checkFailedWithErrno, checkReturned, type CheckResult } from './index.js';

interface MatcherContext { equals(a: unknown, b: unknown): boolean; isNot: boolean }

function verdict(check: CheckResult) {
  return { pass: check.pass, message: () => check.message };
}

/** The matchers, for `expect.extend(matchers)` in another jest-compatible runner. */
export const matchers = {
  async toBeBlockedBySeccomp(received: unknown, syscall?: string) {
    return verdict(checkBlocked(await received, syscall));
  },
  async toExitCleanly(received: unknown) {
    return verdict(checkExitedCleanly(await received));
  },
  async toFailWithErrno(received: unknown, errno: string) {
    return verdict(checkFailedWithErrno(await received, errno));
  },
  async toReturnInSandbox(this: MatcherContext, received: unknown, ...expected: unknown[]) {
    const equals = (a: unknown, b: unknown) => this.equals(a, b);
    return verdict(checkReturned(await received, expected.length ? expected[0] : undefined, equals));
  },
};

expect.extend(matchers);

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars, @typescript-eslint/no-explicit-any
  interface Matchers<T = any> {
    /** Killed by seccomp (SIGSYS), on `syscall` when given. */
    toBeBlockedBySeccomp(syscall?: string): Promise<void>;
    /** Exit status 0, no signal, no timeout, nothing thrown. */
    toExitCleanly(): Promise<void>;
    /** The function threw (or failed uncaught with) an error whose code is `errno`. */
    toFailWithErrno(errno: string): Promise<void>;
    /** The function returned (equal to `expected`, when given). */
    toReturnInSandbox(expected?: unknown): Promise<void>;
  }
}
