'use strict';
/**
 * One start of a daemon that locks down, timed from the inside:
 *
 *   node startup-phases.js
 *
 * Node's own start (until this script runs, from performance.timeOrigin), require() of the
 * package, and the first lockdown() with its phases as the loader records them: building
 * the policy, the compiler, libseccomp, verification, the Landlock layer and the load.
 * Prints one JSON line. The harness times whole processes separately (bench/run.js,
 * "startup"); this run only says where the time inside goes.
 */
const path = require('node:path');

const bootMs = performance.now();
const root = path.resolve(__dirname, '..', '..');
let t = performance.now();
const seccomp = require(root);
const requireMs = performance.now() - t;
const modulesAfterRequire = Object.keys(require.cache).filter((f) => f.startsWith(path.join(root, 'lib'))).length;
t = performance.now();
const { record } = seccomp.sandbox.lockdown();
const lockdownMs = performance.now() - t;
const phases = require(path.join(root, 'lib', 'loader')).lastLoadTimings ?? null;
const modulesAfterLockdown = Object.keys(require.cache).filter((f) => f.startsWith(path.join(root, 'lib'))).length;
require('node:fs').writeSync(1, JSON.stringify({
  node: process.version, bootMs, requireMs, lockdownMs, phases, modulesAfterRequire, modulesAfterLockdown,
  instructions: record.instructions, verifiedCalls: record.verifiedCalls, prebuilt: record.prebuilt,
}) + '\n');
