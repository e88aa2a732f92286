'use strict';
/**
 * Start cost of a child: `node spawn-cost.js PER_MODE` starts /bin/true PER_MODE times in each
 * mode, the modes interleaved start by start, and prints one JSON line with every start's
 * time, from the call to the child's end (spawn: 'exit'; execFile: its callback). The
 * sandboxed modes start through the launcher under `allow: []` (plus @exec-start, which
 * every program needs); their policy is compiled by the warm-up starts, as a service that
 * starts a helper per request compiles it once.
 */
const path = require('node:path');
const cp = require('node:child_process');
const { performance } = require('node:perf_hooks');

const ROOT = path.resolve(__dirname, '..', '..');
const { sandbox } = require(ROOT);
const PER_MODE = Number(process.argv[2]) || 50;
const WARMUP = 3;

const MODES = {
  'child_process.spawn': (done) => cp.spawn('/bin/true', [], { stdio: 'ignore' }).on('exit', done),
  'sandbox.spawn': (done) => sandbox.spawn('/bin/true', [], { allow: [], stdio: 'ignore' }).on('exit', done),
  'child_process.execFile': (done) => cp.execFile('/bin/true', [], done),
  'sandbox.execFile': (done) => sandbox.execFile('/bin/true', [], { allow: [] }, done),
};

const once = (start) => new Promise((resolve) => {
  const t0 = performance.now();
  start(() => resolve(performance.now() - t0));
});

(async () => {
  for (const start of Object.values(MODES)) for (let i = 0; i < WARMUP; i++) await once(start);
  const times = Object.fromEntries(Object.keys(MODES).map((m) => [m, []]));
  for (let i = 0; i < PER_MODE; i++) {
    for (const [mode, start] of Object.entries(MODES)) times[mode].push(await once(start));
  }
  const supervised = sandbox.spawn('/bin/true', [], { allow: [] });
  await new Promise((ok) => supervised.on('exit', ok));
  process.stdout.write(`${JSON.stringify({ node: process.version, perMode: PER_MODE, times })}\n`);
})();
