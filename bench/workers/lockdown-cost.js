'use strict';
/**
 * The cost of lockdown itself, in a fresh process:
 *
 *   node lockdown-cost.js POLICY      (default | daemon400 | docker)
 *
 * 1. times require() of the package and the construction of the policy;
 * 2. times the first lockdown() of the process (compile, BPF generation, kernel load);
 * 3. then, with the filter in place, times warm rebuilds (compile + BPF generation,
 *    no load) and counts BPF instructions for both libseccomp layouts.
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
try {
  ({ record } = seccomp.sandbox.lockdown(lockdownOptions));
  lockdownMs = ms(t);
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

// Written synchronously and exiting at once: under a policy without io_uring (Docker's),
// The event loop of Node 22 and later would abort on its next io_uring_enter, before an async write ends.
require('node:fs').writeSync(1, JSON.stringify({
  policy: policyName, node: process.version, rules, requireMs, buildPolicyMs, lockdownMs,
  loadedInstructions: record ? record.instructions : null, refused, layouts,
}) + '\n');
process.exit(0);
