/**
 * Verified compilation: before a program is loaded or exported, the emulator runs it on
 * calls derived from the policy (src/verify/vectors.ts) and every verdict must equal the
 * reference interpreter's (src/verify/reference.ts). libseccomp has mis-compiled correct
 * policies before (GHSA-4q85-33p6-j5g6); this turns the next such bug, or one of ours,
 * into an error instead of a filter that allows what the policy forbids.
 */
import { archName } from '../arch';
import { decodeAction, prepareCallRunner, type SeccompData } from '../bpf/emulator';
import type { ProgramInput } from '../bpf/program';
import { SeccompError } from '../errors';
import { syscallTable } from '../syscalls';
import { referenceModel, type Target } from './reference';
import { verificationCalls } from './vectors';
import type { Policy } from '../policy';

export { referenceModel, type ReferenceModel, type Target } from './reference';
export { verificationCalls, verificationVectors } from './vectors';

export interface VerificationReport {
  /** Calls on which the program and the reference were compared. */
  vectors: number;
}

function describeValue(value: number): string {
  const { action, data } = decodeAction(value);
  return action === 'errno' ? `errno ${data}` : action;
}

function describeCall(data: SeccompData, name: string | undefined): string {
  const args = (data.args ?? []).map((a) => `0x${a.toString(16)}`).join(', ');
  const arch = archName(data.arch) ?? `arch 0x${(data.arch >>> 0).toString(16)}`;
  return `${name ?? `syscall ${data.nr >>> 0}`}(${args}) [nr ${data.nr >>> 0}, ${arch}]`;
}

/**
 * Throws `ERR_SECCOMP_MISCOMPILED` unless `program` gives every generated call the action
 * `policy` gives it when compiled for `target`.
 */
export function verifyProgram(policy: Policy, target: Target, program: ProgramInput): VerificationReport {
  const model = referenceModel(policy, target);
  const run = prepareCallRunner(program);
  const calls = verificationCalls(model, target.arch);
  // The reference on every call, then the program on every call: measured here, the two
  // passes take half the time of alternating between them call by call (on code V8 has not
  // optimised yet, as at every lockdown).
  const verdicts = new Array<number | number[]>(calls.count);
  for (let i = 0; i < calls.count; i++) verdicts[i] = model.verdictAt(calls.words, calls.offset(i));
  for (let i = 0; i < calls.count; i++) {
    const expected = verdicts[i];
    const actual = run(calls.words, calls.offset(i));
    if (expected === actual) continue;
    const data = calls.data(i);
    const nr = data.nr >>> 0;
    const name = data.arch >>> 0 === model.auditArch ? syscallTable(target.arch)[nr] || undefined : undefined;
    const call = describeCall(data, name);
    const says = Array.isArray(expected)
      ? `the policy's rules give it ${expected.map(describeValue).join(' and ')} at once (overlapping rules the compiler should have refused)`
      : `the policy says ${describeValue(expected)}`;
    throw new SeccompError('ERR_SECCOMP_MISCOMPILED',
      `the compiled filter does not do what the policy says for ${call}: ${says}, the program answers ` +
      `${describeValue(actual)}. Nothing was loaded or exported. This is a bug in libseccomp or in seccomp-node; ` +
      'please report it with the policy. Rewriting the rules for this call (other comparisons) may avoid it',
      { syscall: name, nr, arch: data.arch >>> 0, args: (data.args ?? []).map(String), expected, actual });
  }
  return { vectors: calls.count };
}
