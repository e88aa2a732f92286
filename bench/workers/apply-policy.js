'use strict';
/**
 * Applies one of the benchmark configurations to the current process (irreversibly):
 *   none            no filter
 *   default         sandbox.lockdown(), the default daemon profile (binary tree)
 *   default-linear  the same profile with libseccomp's linear layout (optimize: 1)
 *   daemon400       the default profile plus filler rules, 400 rules in all
 *   docker          a policy like Docker's default profile (errno EPERM by default)
 *   allow-all       a minimal filter (default allow, one errno rule): the cost of any filter
 *   placebo         builds the default profile's BPF without loading it (a control)
 *   seccomp-only    the default profile without Landlock (isolate: false)
 *   landlock        the default profile with Landlock rules: files read only beneath the
 *                   repository, TCP bind only to ephemeral ports, no TCP connect
 * Returns what was loaded and how long lockdown() took.
 */
const path = require('node:path');

function applyPolicy(mode) {
  const { sandbox } = require(path.resolve(__dirname, '..', '..'));
  let options;
  if (mode === 'none') return { mode, instructions: 0, lockdownMs: 0 };
  if (mode === 'placebo') {
    // the JS and libseccomp work of lockdown() without loading anything (a control)
    const t0 = process.hrtime.bigint();
    const instructions = require('../lib/policies').defaultProfile().filter.exportBpf({ pid: process.pid }).length / 8;
    return { mode, instructions: 0, builtInstructions: instructions, lockdownMs: Number(process.hrtime.bigint() - t0) / 1e6 };
  }
  if (mode === 'allow-all') {
    // the smallest filter: everything allowed (and served by the action cache) but one call
    const { Filter } = require(path.resolve(__dirname, '..', '..'));
    options = { policy: new Filter({ defaultAction: 'allow' }).errno('acct', 'EPERM') };
  }
  if (mode === 'default') options = {};
  else if (mode === 'seccomp-only') options = { isolate: false };
  else if (mode === 'landlock') options = { fs: { read: [path.resolve(__dirname, '..', '..')] }, net: { bind: [0] } };
  else if (mode === 'default-linear') options = { optimize: 1 };
  else if (!options) {
    const policies = require('../lib/policies');
    if (mode === 'daemon400') options = { policy: policies.daemonPolicy(400).filter };
    else if (mode === 'docker') options = { policy: policies.dockerLikePolicy().filter };
    else throw new Error(`unknown mode ${mode}`);
  }
  const t0 = process.hrtime.bigint();
  const { record } = sandbox.lockdown(options);
  const lockdownMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return { mode, instructions: record.instructions, lockdownMs };
}

module.exports = { applyPolicy };
