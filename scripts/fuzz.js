#!/usr/bin/env node
'use strict';
/**
 * npm run fuzz: random policies (scripts/fuzz/policies.js) compiled for real (the compiler,
 * then libseccomp), each checked twice against the reference interpreter of the policy:
 * by verification itself (boundary calls derived from the policy) and on random calls.
 *
 *   node scripts/fuzz.js [cases] [seed]      default 100000 cases, seed 1, two workers
 *   FUZZ_WORKERS=n                            worker processes (default: 2)
 *
 * A case is one policy. Outcomes: verified (compiled, and the program agreed with the
 * reference on every call; some after the loader rebuilt a syscall libseccomp got wrong in
 * another shape, counted apart), refused with a coded SeccompError (conflicting rules, a rule
 * too large...), a mismatch (ERR_SECCOMP_MISCOMPILED, or a random call on which the
 * program and the reference disagree), or an uncoded error. The run fails unless the last
 * two are 0. Uses the compiled package in lib/ (npm run build first).
 */
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const RANDOM_CALLS = 24;

/** Checks one case; returns its outcome and the number of calls compared. */
function checkCase(lib, seed) {
  const { randomPolicy, randomArgs, prng } = require('./fuzz/policies');
  const { policy, options } = randomPolicy(seed, 1);
  let compiled;
  let program;
  try {
    compiled = lib.compile(policy, options);
    program = lib.buildVerified(compiled);
  } catch (error) {
    if (!(error instanceof lib.SeccompError)) return { outcome: 'uncoded', detail: String(error && error.stack || error) };
    if (error.code === 'ERR_SECCOMP_MISCOMPILED') return { outcome: 'mismatch', detail: error.message };
    if (error.code === 'ERR_SECCOMP_NATIVE') return { outcome: 'uncoded', detail: error.message };
    return { outcome: 'refused', code: error.code };
  }
  const model = lib.referenceModel(policy, { arch: options.arch, report: compiled.spec.report });
  const run = lib.prepareFilter(program.instructions);
  const r = prng(seed ^ 0x5bd1e995);
  const numbers = [...new Set(model.rules.map((rule) => rule.nr))];
  const narrow = options.arch === 'i386' || options.arch === 'arm';
  for (let i = 0; i < RANDOM_CALLS && numbers.length; i++) {
    const args = randomArgs(r, policy).map((a) => (narrow ? a & 0xffffffffn : a));
    const data = { nr: r.pick(numbers), arch: model.auditArch, args };
    const expected = model.verdict(data);
    const actual = run(data);
    if (expected !== actual) {
      return { outcome: 'mismatch', detail: `random call nr ${data.nr} args ${args.map((a) => '0x' + a.toString(16)).join(',')}: ` +
        `reference ${JSON.stringify(expected)}, program ${actual >>> 0}` };
    }
  }
  return { outcome: 'verified', calls: program.verifiedCalls + Math.min(RANDOM_CALLS, numbers.length ? RANDOM_CALLS : 0), reshaped: program.reshaped.length > 0 };
}

function loadLib() {
  const lib = path.join(ROOT, 'lib');
  return {
    compile: require(path.join(lib, 'compiler')).compile,
    buildVerified: require(path.join(lib, 'verified-program')).buildVerified,
    referenceModel: require(path.join(lib, 'verify')).referenceModel,
    prepareFilter: require(path.join(lib, 'bpf', 'emulator')).prepareFilter,
    SeccompError: require(path.join(lib, 'errors')).SeccompError,
  };
}

/**
 * Runs cases [from, to) on a worker thread. The case under way is published in shared
 * memory, so that the main thread can name it if libseccomp never returns from it.
 */
function worker({ from, to, seed, current }) {
  const lib = loadLib();
  const progress = new Int32Array(current);
  const tally = { cases: 0, verified: 0, reshaped: 0, refused: {}, mismatches: [], uncoded: [], calls: 0 };
  for (let i = from; i < to; i++) {
    const caseSeed = (seed * 1000003 + i) >>> 0;
    Atomics.store(progress, 0, i);
    const result = checkCase(lib, caseSeed);
    tally.cases++;
    if (result.outcome === 'verified') { tally.verified++; tally.calls += result.calls; if (result.reshaped) tally.reshaped++; }
    else if (result.outcome === 'refused') tally.refused[result.code] = (tally.refused[result.code] || 0) + 1;
    else tally[result.outcome === 'mismatch' ? 'mismatches' : 'uncoded'].push({ seed: caseSeed, detail: result.detail });
    Atomics.store(progress, 1, tally.cases);
  }
  return tally;
}

/** Runs `cases` cases from `seed` on `workers` threads; resolves to the merged tally. */
async function fuzz(cases, seed, workers, { onProgress = () => {}, stallMs = 60000 } = {}) {
  const { Worker } = require('node:worker_threads');
  const per = Math.ceil(cases / workers);
  const slots = [];
  const runs = Array.from({ length: workers }, (_, w) => {
    const current = new SharedArrayBuffer(8);
    const job = { from: w * per, to: Math.min(cases, (w + 1) * per), seed, current };
    slots.push({ progress: new Int32Array(current), seen: -1, since: Date.now(), job });
    return new Promise((resolve, reject) => {
      const thread = new Worker(__filename, { workerData: job });
      thread.on('message', resolve);
      thread.on('error', reject);
    });
  });
  // libseccomp has been seen never to return from seccomp_rule_add on some trees.
  const watchdog = setInterval(() => {
    let done = 0;
    for (const slot of slots) {
      const finished = Atomics.load(slot.progress, 1);
      done += finished;
      if (finished !== slot.seen) { slot.seen = finished; slot.since = Date.now(); }
      else if (finished < slot.job.to - slot.job.from && Date.now() - slot.since > stallMs) {
        const i = Atomics.load(slot.progress, 0);
        // The stuck thread is inside libseccomp and cannot be stopped: say which case, then go.
        require('node:fs').writeSync(1, `\nfuzz: case ${i} (seed ${(seed * 1000003 + i) >>> 0}) has not finished in ${stallMs / 1000} s: a hang\n`);
        process.kill(process.pid, 'SIGKILL');
      }
    }
    onProgress(done);
  }, 1000);
  try {
    const tallies = await Promise.all(runs);
    const total = { cases: 0, verified: 0, reshaped: 0, refused: {}, mismatches: [], uncoded: [], calls: 0 };
    for (const t of tallies) {
      total.cases += t.cases; total.verified += t.verified; total.calls += t.calls; total.reshaped += t.reshaped;
      total.mismatches.push(...t.mismatches); total.uncoded.push(...t.uncoded);
      for (const [code, n] of Object.entries(t.refused)) total.refused[code] = (total.refused[code] || 0) + n;
    }
    return total;
  } finally {
    clearInterval(watchdog);
  }
}

async function main() {
  const cases = Number(process.argv[2] || 100000);
  const seed = Number(process.argv[3] || 1);
  const workers = Math.max(1, Number(process.env.FUZZ_WORKERS || 2));
  const started = Date.now();
  const total = await fuzz(cases, seed, workers, {
    onProgress: (done) => process.stderr.write(`\r${done} / ${cases} cases, ${((Date.now() - started) / 1000).toFixed(0)} s`),
  });
  const refused = Object.values(total.refused).reduce((a, b) => a + b, 0);
  process.stderr.write('\n');
  console.log(`fuzz: ${total.cases} cases (seed ${seed}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`  verified: ${total.verified} policies compiled and agreeing with the reference on ${total.calls} calls` +
    ` (${total.reshaped} after a syscall was rebuilt in its second shape)`);
  console.log(`  refused with a coded error: ${refused} ${JSON.stringify(total.refused)}`);
  console.log(`  mismatches: ${total.mismatches.length}`);
  console.log(`  uncoded errors: ${total.uncoded.length}`);
  for (const f of [...total.mismatches, ...total.uncoded].slice(0, 5)) console.log(`    seed ${f.seed}: ${f.detail}`);
  process.exitCode = total.mismatches.length || total.uncoded.length ? 1 : 0;
}

const threads = require('node:worker_threads');
if (!threads.isMainThread) threads.parentPort.postMessage(worker(threads.workerData));
else if (require.main === module) main().catch((error) => { console.error(error); process.exitCode = 1; });

module.exports = { checkCase, fuzz };
