'use strict';
/**
 * The cost of lockdown itself, in a fresh process:
 *
 *   node lockdown-cost.js POLICY      (default | default-compiled | daemon400 | docker)
 *
 * `default` is lockdown() without options, which loads the program the package's build
 * compiled (src/default-program.ts); `default-compiled` is the same profile compiled and
 * verified at load (`{ optimize: 2 }`, the default layout, is another option).
 *
 * 1. times require() of the package and the construction of the policy;
 * 2. times the first lockdown() of the process (compile, BPF generation, kernel load), and
 *    its phases: the compiler, libseccomp, verification against the policy's reference
 *    interpreter, and the load itself (with lockdown's own preparations);
 * 3. then, with the filter in place, times warm rebuilds (compile + BPF generation +
 *    verification, no load), warm verification alone, and counts BPF instructions for
 *    both libseccomp layouts.
 * Prints one JSON line.
 */
const path = require('node:path');

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const policyName = process.argv[2] || 'default';

let t = process.hrtime.bigint();
const seccomp = require(path.resolve(__dirname, '..', '..'));
const requireMs = ms(t);

t = process.hrtime.bigint();
let filter;
let lockdownOptions;
if (policyName === 'default') {
  lockdownOptions = {};
} else if (policyName === 'default-compiled') {
  lockdownOptions = { optimize: 2 };
} else {
  const policies = require('../lib/policies');
  filter = policyName === 'daemon400' ? policies.daemonPolicy(400).filter : policies.dockerLikePolicy().filter;
  lockdownOptions = { policy: filter };
}
const buildPolicyMs = ms(t);

t = process.hrtime.bigint();
let record = null;
let lockdownMs = null;
let refused = null;
let phases = null;
try {
  ({ record } = seccomp.sandbox.lockdown(lockdownOptions));
  lockdownMs = ms(t);
  phases = require(path.resolve(__dirname, '..', '..', 'lib', 'loader')).lastLoadTimings ?? null;
} catch (error) {
  // e.g. ERR_SECCOMP_IO_URING_BLOCKED: the package refuses a policy without io_uring_enter
  // in a Node that has io_uring rings open (Node 22 and later), as that Node would abort.
  if (!error || !error.code) throw error;
  refused = { code: error.code, message: String(error.message).split('\n')[0] };
}

if (!filter) filter = require('../lib/policies').defaultProfile().filter;
const rules = filter.toPolicy().rules.length;
const layouts = {};
for (const optimize of [1, 2]) {
  const times = [];
  let instructions = 0;
  for (let i = 0; i < 7; i++) {
    t = process.hrtime.bigint();
    instructions = filter.exportBpf({ optimize, pid: process.pid }).length / 8; // binds @node's $pid, as lockdown does
    times.push(ms(t));
  }
  times.sort((a, b) => a - b);
  layouts[optimize] = { instructions, warmBuildMs: times[3] };
}

// Verification alone, warm, on the tree layout's program (what lockdown() loads).
const { compileFor, buildVerified } = require(path.resolve(__dirname, '..', '..', 'lib', 'verified-program'));
const { bindSelfPid } = require(path.resolve(__dirname, '..', '..', 'lib', 'self-pid'));
const compiled = compileFor(bindSelfPid(filter.toPolicy(), process.pid), { report: false, optimize: 2 });
const verifyTimes = [];
let verifiedCalls = 0;
for (let i = 0; i < 7; i++) {
  const built = buildVerified(compiled);
  verifyTimes.push(built.verifyMs);
  verifiedCalls = built.verifiedCalls;
}
verifyTimes.sort((a, b) => a - b);

// Written synchronously and exiting at once: under a policy without io_uring (Docker's),
// The event loop of Node 22 and later would abort on its next io_uring_enter, before an async write ends.
require('node:fs').writeSync(1, JSON.stringify({
  policy: policyName, node: process.version, rules, requireMs, buildPolicyMs, lockdownMs, phases,
  loadedInstructions: record ? record.instructions : null, refused, layouts,
  verifiedCalls: record ? record.verifiedCalls : verifiedCalls, warmVerifyMs: verifyTimes[3],
}) + '\n');
process.exit(0);
