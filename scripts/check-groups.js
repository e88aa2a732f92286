#!/usr/bin/env node
// Checks the built-in groups against what a Node runtime really does: runs the workloads of
// scripts/group-workloads.js under strace, and gives every system call seen (every thread
// and child process) to the BPF program of the groups that workload is meant to need, with
// the emulator. A call the groups would kill is a group that misses something; an errno
// answer is fine only where the groups mean it (probes that fall back, listed in README).
//
//   node scripts/check-groups.js            the running Node
//   node scripts/check-groups.js 22 24 26   those majors (installed by scripts/node.js), and
//                                           for each, the calls the one before never made
//
// Needs strace, the package built (npm run build), and ptrace rights (root, or Yama's
// ptrace_scope 0/1: strace attaches to its own grandchild here). Exits 1 when a call
// would be killed.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const WORKLOADS = path.join(__dirname, 'group-workloads.js');
const { WORKLOAD_GROUPS } = require(WORKLOADS);

/**
 * Calls the groups answer with an errno on purpose: libc, libuv or Node probe and fall back.
 * rt_sigaction on SIGSYS: errno 0 pretends glibc's signal() reset worked (libuv's child does
 * it before exec) without replacing the report's handler; EPERM refuses a new handler.
 */
const INTENDED_ERRNOS = {
  clone3: ['ENOSYS'], io_uring_setup: ['ENOSYS'], openat2: ['ENOSYS'], socket: ['EAFNOSUPPORT'],
  ioctl: ['ENOTTY'], prctl: ['EPERM'], rt_sigaction: ['EPERM', '0'], seccomp: ['EINVAL'],
};

function lib() {
  const pkg = require(ROOT);
  return {
    ...pkg,
    parseStrace: require(path.join(ROOT, 'lib', 'learn', 'strace')).parseStrace,
    straceOptions: require(path.join(ROOT, 'lib', 'learn', 'strace')).straceOptions,
    tracker: require(path.join(ROOT, 'lib', 'learn', 'trackers')).tracker,
    binding: require(path.join(ROOT, 'lib', 'native')).binding,
    nativeArch: require(path.join(ROOT, 'lib', 'arch')).nativeArch,
  };
}

/** Runs `node group-workloads.js NAME` and returns strace's log of what it did. */
async function traceWorkload(node, name, { timeoutMs = 120_000 } = {}) {
  const { straceOptions } = lib();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-node-check-'));
  const traceFile = path.join(dir, 'trace');
  try {
    if (name === 'startup') {
      const r = spawnSync('strace', [...straceOptions(), '-o', traceFile, '--', node, WORKLOADS, name],
        { encoding: 'utf8', timeout: timeoutMs, input: '' });
      if (r.status !== 0) throw new Error(`${name} on ${node}: strace ended with ${r.signal ?? r.status}: ${r.stderr}`);
      return fs.readFileSync(traceFile, 'utf8');
    }
    const files = path.join(dir, 'files');
    fs.mkdirSync(files);
    const child = spawn(node, [WORKLOADS, name, files], { stdio: ['pipe', 'pipe', 'pipe'], cwd: ROOT });
    let out = '';
    let err = '';
    const ended = new Promise((ok) => child.on('close', (code, signal) => ok({ code, signal })));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
    await new Promise((ok, fail) => {
      child.stdout.setEncoding('utf8').on('data', (d) => { out += d; if (out.includes('ready\n')) ok(); });
      ended.then(({ code, signal }) => fail(new Error(`${name} on ${node} ended (${signal ?? code}) before it was ready: ${err}`)));
    });
    const strace = spawn('strace', [...straceOptions(true), '-o', traceFile, '-p', String(child.pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let straceErr = '';
    const straceEnded = new Promise((ok) => strace.on('close', ok));
    await new Promise((ok, fail) => {
      strace.stderr.setEncoding('utf8').on('data', (d) => { straceErr += d; if (/Process \d+ attached/.test(straceErr)) ok(); });
      straceEnded.then(() => fail(new Error(`strace could not attach: ${straceErr}`)));
    });
    child.stdin.end('go\n');
    const how = await ended;
    clearTimeout(timer);
    await straceEnded;
    if (how.code !== 0 || !out.includes('done\n')) throw new Error(`${name} on ${node} ended with ${how.signal ?? how.code}: ${err}`);
    return fs.readFileSync(traceFile, 'utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What the groups of `name` do with each call in `traceText`: one entry per distinct call
 * (name and, for calls whose arguments the groups check, the class), with its verdict.
 */
function verdicts(traceText, name) {
  const { parseStrace, tracker, binding, nativeArch, Filter, runFilter, decodeAction, ARCH_TOKENS, errnos } = lib();
  const arch = nativeArch();
  const trace = parseStrace(traceText);
  const root = trace.calls[0]?.pid;
  // $pid (@node's own-process signals) is the traced process, as it would be under lockdown.
  const program = Filter.fromPolicy(policyOf(name)).exportBpf({ pid: root ?? process.pid });
  const errnoName = new Map(Object.entries(errnos).map(([n, v]) => [v, n]));
  const seen = new Map();
  let skippedExec = name !== 'startup';
  for (const call of trace.calls) {
    if (!skippedExec && call.pid === root && call.name === 'execve') { skippedExec = true; continue; }
    const nr = binding.resolveSyscall(call.name.replace(/^syscall_/, ''));
    const t = tracker(call.name);
    const cls = t?.classify(call.args);
    const key = cls === undefined ? call.name : `${call.name}: ${t.expression(cls)}`;
    if (seen.has(key)) { seen.get(key).count++; continue; }
    let verdict = 'unknown to libseccomp';
    if (nr >= 0) {
      const { action, data } = decodeAction(runFilter(program, { nr, arch: ARCH_TOKENS[arch], args: call.args.map((a) => a ?? 0n) }));
      verdict = action === 'errno' ? `errno ${errnoName.get(data) ?? data}` : action;
    }
    seen.set(key, { key, syscall: call.name, verdict, count: 1 });
  }
  return [...seen.values()].sort((a, b) => a.key.localeCompare(b.key));
}

function policyOf(name) {
  const { checkPolicy } = lib();
  const { expandEntries } = require(path.join(ROOT, 'lib', 'groups'));
  return checkPolicy({ defaultAction: 'kill-process', rules: expandEntries(WORKLOAD_GROUPS[name]) });
}

/** Calls the workload's groups would kill, or answer with an errno they do not mean to. */
function problems(list) {
  return list.filter((v) => v.verdict !== 'allow' && !(INTENDED_ERRNOS[v.syscall] ?? []).some((e) => v.verdict === `errno ${e}`));
}

async function checkRuntime(node) {
  const results = {};
  for (const name of Object.keys(WORKLOAD_GROUPS)) results[name] = verdicts(await traceWorkload(node, name), name);
  return results;
}

function nodeFor(major) {
  const r = spawnSync(process.execPath, [path.join(__dirname, 'node.js'), major, '--path'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`no Node ${major}`);
  return r.stdout.trim();
}

async function main() {
  const majors = process.argv.slice(2);
  const nodes = majors.length ? majors.map((m) => ({ label: `Node ${m}`, path: nodeFor(m) })) : [{ label: `Node ${process.versions.node.split('.')[0]}`, path: process.execPath }];
  let failed = false;
  let previous;
  for (const node of nodes) {
    const version = spawnSync(node.path, ['--version'], { encoding: 'utf8' }).stdout.trim();
    const results = await checkRuntime(node.path);
    console.log(`\n${node.label} (${version})`);
    for (const [name, list] of Object.entries(results)) {
      const bad = problems(list);
      const errnoAnswers = list.filter((v) => v.verdict.startsWith('errno'));
      console.log(`  ${name} (${WORKLOAD_GROUPS[name].join(' ')}): ${list.length} distinct calls, ` +
        `${bad.length ? `${bad.length} NOT COVERED` : 'all covered'}`);
      for (const v of errnoAnswers) if (!bad.includes(v)) console.log(`    ${v.verdict.padEnd(20)} ${v.key} (intended)`);
      for (const v of bad) console.log(`    ${v.verdict.padEnd(20)} ${v.key}  x${v.count}`);
      if (bad.some((v) => v.verdict !== 'allow')) failed = true;
      if (previous) {
        const before = new Set(previous.results[name].map((v) => v.key));
        const added = list.filter((v) => !before.has(v.key));
        const gone = previous.results[name].filter((v) => !list.some((w) => w.key === v.key));
        if (added.length) console.log(`    new since ${previous.label}: ${added.map((v) => `${v.key} [${v.verdict}]`).join('; ')}`);
        if (gone.length) console.log(`    not seen since ${previous.label}: ${gone.map((v) => v.key).join('; ')}`);
      }
    }
    previous = { label: node.label, results };
  }
  process.exitCode = failed ? 1 : 0;
}

module.exports = { traceWorkload, verdicts, problems, INTENDED_ERRNOS, WORKLOAD_GROUPS };
if (require.main === module) {
  main().catch((error) => {
    console.error(`check-groups: ${error.stack}`);
    process.exit(2);
  });
}
