/**
 * A short run of `npm run fuzz` on the source: random policies compiled for real and
 * compared with the reference interpreter, by verification and on random calls. The full
 * run (10^5 cases) is scripts/fuzz.js.
 */
import { expect, it } from 'vitest';
import { prepareFilter } from '../../src/bpf/emulator';
import { compile } from '../../src/compiler';
import { SeccompError } from '../../src/errors';
import { buildVerified } from '../../src/verified-program';
import { referenceModel } from '../../src/verify';
import { prng, randomArgs, randomPolicy } from '../../scripts/fuzz/policies';

const CASES = 1500;
const RANDOM_CALLS = 24;

it(`${CASES} random policies: every compiled program agrees with the reference; refusals are coded`, () => {
  const outcomes: Record<string, number> = {};
  const failures: string[] = [];
  for (let i = 0; i < CASES; i++) {
    const seed = 0x51ed + i;
    const { policy, options } = randomPolicy(seed);
    let program;
    let report = false;
    try {
      const compiled = compile(policy, options);
      report = compiled.spec.report;
      program = buildVerified(compiled);
    } catch (error) {
      const code = error instanceof SeccompError ? error.code : 'uncoded';
      outcomes[code] = (outcomes[code] ?? 0) + 1;
      if (code === 'uncoded' || code === 'ERR_SECCOMP_MISCOMPILED' || code === 'ERR_SECCOMP_NATIVE') {
        failures.push(`seed ${seed}: ${(error as Error).message}`);
      }
      continue;
    }
    outcomes.verified = (outcomes.verified ?? 0) + 1;
    const model = referenceModel(policy, { arch: options.arch, report });
    const run = prepareFilter(program.instructions);
    const r = prng(seed ^ 0x5bd1e995);
    const numbers = [...new Set(model.rules.map((rule) => rule.nr))];
    const narrow = options.arch === 'i386' || options.arch === 'arm';
    for (let k = 0; k < RANDOM_CALLS && numbers.length > 0; k++) {
      const args = randomArgs(r, policy).map((a) => (narrow ? a & 0xffffffffn : a));
      const data = { nr: r.pick(numbers), arch: model.auditArch, args };
      const expected = model.verdict(data);
      if (expected !== run(data)) failures.push(`seed ${seed}: nr ${data.nr} args ${args.join(',')}: reference ${String(expected)}, program ${run(data)}`);
    }
  }
  expect(failures).toEqual([]);
  // Most generated policies compile: the fuzzer tests programs, not only refusals.
  expect(outcomes.verified).toBeGreaterThan(CASES * 0.8);
});
