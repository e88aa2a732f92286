'use strict';
/**
 * fs-heavy work on libuv's thread pool: CONCURRENCY async loops, each repeatedly doing
 * fs.promises.readFile() and fs.promises.stat() on one of 64 small files (4 KiB).
 *
 *   node fs-work.js MODE DIR WARMUP_MS DURATION_MS
 *
 * Creates its files in a fresh directory under DIR, warms up (which also starts the pool
 * threads), applies MODE (see apply-policy.js), measures for DURATION_MS and removes the
 * directory. Prints one JSON line: operations (one readFile + one stat) per second, CPU
 * time per operation, and the CPU other processes used meanwhile.
 */
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const path = require('node:path');
const { applyPolicy } = require('./apply-policy');
const { machineBusyMs } = require('../lib/machine');

const [mode, dir, warmupMs, durationMs] = [process.argv[2], process.argv[3], Number(process.argv[4]), Number(process.argv[5])];
const FILES = 64;
const CONCURRENCY = 16;

async function main() {
  const work = fs.mkdtempSync(path.join(dir, 'fs-'));
  const files = [];
  for (let i = 0; i < FILES; i++) {
    const file = path.join(work, `f${i}.txt`);
    fs.writeFileSync(file, Buffer.alloc(4096, i));
    files.push(file);
  }
  let running = true;
  let ops = 0;
  let bytes = 0;
  const loop = async (k) => {
    let i = k;
    while (running) {
      const file = files[i % FILES];
      const data = await fsp.readFile(file);
      const st = await fsp.stat(file);
      bytes += data.length + (st.size > 0 ? 0 : 1);
      ops++;
      i += CONCURRENCY;
    }
  };
  const loops = Array.from({ length: CONCURRENCY }, (_, k) => loop(k));
  await new Promise((r) => setTimeout(r, warmupMs));
  const applied = applyPolicy(mode);
  const ops0 = ops;
  const cpu0 = process.cpuUsage();
  const busy0 = machineBusyMs();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, durationMs));
  const elapsedMs = performance.now() - t0;
  const done = ops - ops0;
  const cpu = process.cpuUsage(cpu0);
  const busy1 = machineBusyMs();
  running = false;
  await Promise.all(loops);
  fs.rmSync(work, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({
    node: process.version, ...applied, ops: done, durationMs: elapsedMs, opsPerSec: done / (elapsedMs / 1000),
    cpuUsPerOp: (cpu.user + cpu.system) / done, cpuUtilisation: (cpu.user + cpu.system) / 1000 / elapsedMs,
    bytes,
    // CPU used by other processes meanwhile (others' builds and tests on a shared machine)
    foreignCpuUtilisation: Math.max(0, (busy1 - busy0) / elapsedMs - (cpu.user + cpu.system) / 1000 / elapsedMs),
  }) + '\n');
}

main().catch((e) => { process.stderr.write(`fs-work: ${e.stack || e}\n`); process.exit(1); });
