'use strict';
/**
 * The cost of Landlock on opening files: a synchronous loop on the main thread, each
 * iteration openSync + closeSync of a file five directories deep, and one statSync (stat is
 * not checked by Landlock, so it shows what an unchecked call does meanwhile).
 *
 *   node landlock-fs.js MODE DIR ITERATIONS
 *
 * MODE: none (no lockdown), seccomp (lockdown({ isolate: false }): the filter, no Landlock),
 * landlock-N (lockdown({ fs: { read: [the tree, N other directories] } }): N extra path rules).
 * Prints one JSON line: CPU and wall ns per iteration, measured after the lockdown.
 */
const fs = require('node:fs');
const path = require('node:path');

const [mode, dir, iterations] = [process.argv[2], process.argv[3], Number(process.argv[4])];

function main() {
  const { sandbox } = require(path.resolve(__dirname, '..', '..'));
  const work = fs.mkdtempSync(path.join(dir, 'landlock-'));
  const deep = path.join(work, 'a', 'b', 'c', 'd', 'e');
  fs.mkdirSync(deep, { recursive: true });
  const file = path.join(deep, 'file.txt');
  fs.writeFileSync(file, 'x');
  const others = Array.from({ length: 100 }, (_, i) => path.join(work, `other${i}`));
  for (const o of others) fs.mkdirSync(o);
  const loop = (n) => { for (let i = 0; i < n; i++) { fs.closeSync(fs.openSync(file, 'r')); fs.statSync(file); } };
  loop(2000); // warm up the JIT before any policy
  let rules = 0;
  if (mode === 'seccomp') sandbox.lockdown({ isolate: false });
  else if (mode.startsWith('landlock-')) {
    rules = Number(mode.slice('landlock-'.length));
    sandbox.lockdown({ fs: { read: [path.join(work, 'a'), ...others.slice(0, rules)] } });
  } else if (mode !== 'none') throw new Error(`unknown mode ${mode}`);
  loop(2000);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  loop(iterations);
  const wallNs = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(JSON.stringify({
    node: process.version, mode, rules, iterations,
    cpuNsPerIteration: ((cpu.user + cpu.system) * 1000) / iterations, wallNsPerIteration: wallNs / iterations,
  }) + '\n');
  // The tree is left for the harness to remove: this process may no longer delete it.
}

main();
