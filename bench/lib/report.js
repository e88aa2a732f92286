'use strict';
/**
 * Writes the results: JSON (everything, raw runs included), Markdown (summary tables,
 * targets, layout comparison) and an SVG plot of per-syscall overhead against policy size.
 * The SVG is drawn here, by hand: no plotting dependency.
 */
const fs = require('node:fs');
const path = require('node:path');

const TARGET_HTTP_COST = 0.01; // the default profile costs under 1% of HTTP throughput
const TARGET_ARG_NS = 30; // and under 30 ns per argument-checked syscall

// ---------------------------------------------------------------------------------------
// formatting

const num = (v, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
const signed = (v, digits = 1) => (Number.isFinite(v) ? `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}` : 'n/a');
/** "12.3 [11.0 – 13.1]" */
const spread = (s, digits = 1) => (s && s.n ? `${num(s.median, digits)} [${num(s.min, digits)} – ${num(s.max, digits)}]` : 'n/a');
const signedSpread = (s, digits = 1) => (s && s.n ? `${signed(s.median, digits)} [${signed(s.min, digits)}, ${signed(s.max, digits)}]` : 'n/a');
/** A ratio summary as a percentage change: "+0.4% [−1.2, +2.0]". */
const pct = (s, digits = 1) => (s && s.n
  ? `${signed((s.median - 1) * 100, digits)}% [${signed((s.min - 1) * 100, digits)}, ${signed((s.max - 1) * 100, digits)}]` : 'n/a');
/** A summary of fractions as percentages: "12.0% [9.5 – 14.1]". */
const share = (s) => (s && s.n ? `${num(s.median * 100)}% [${num(s.min * 100)} – ${num(s.max * 100)}]` : 'n/a');
const kilo = (v) => (Number.isFinite(v) ? `${(v / 1000).toFixed(1)}k` : 'n/a');
const layoutName = (l) => (l === 1 ? 'linear (1)' : 'tree (2)');
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const ok = (cond) => (cond === undefined ? 'not measured' : cond ? '**met**' : '**not met**');

// ---------------------------------------------------------------------------------------
// targets and layout verdicts (computed from the data, reported as is)

function targets(results) {
  const out = { http: [], syscall: [] };
  const http = results.http && !results.http.failed ? results.http : null;
  if (http) {
    for (const s of http.summaries.filter((x) => x.mode === 'default')) {
      const w = s.withinRpsRatio ?? s.rpsRatio;
      const wc = s.withinCpuRatio ?? s.cpuRatio;
      out.http.push({
        node: s.node,
        // primary: the same process before/after lockdown, normalised by the unfiltered server's drift
        throughputCost: 1 - w.median, throughputSpread: [1 - w.max, 1 - w.min],
        cpuPerRequestCost: wc.median - 1, cpuSpread: [wc.min - 1, wc.max - 1],
        // secondary: against a separate unfiltered process
        acrossThroughputCost: 1 - s.rpsRatio.median, acrossCpuCost: s.cpuRatio.median - 1,
        runs: w.n,
        met: 1 - w.min < TARGET_HTTP_COST ? true : 1 - w.max >= TARGET_HTTP_COST ? false : null,
        metByCpu: wc.max - 1 < TARGET_HTTP_COST ? true : wc.min - 1 >= TARGET_HTTP_COST ? false : null,
        model: modelFor(http, s),
        placebo: (() => {
          const p = http.summaries.find((x) => x.node === s.node && x.mode === 'placebo');
          return p?.withinCpuRatio ? { cpu: p.withinCpuRatio, rps: p.withinRpsRatio } : null;
        })(),
      });
    }
  }
  const sys = results.syscall && !results.syscall.failed ? results.syscall : null;
  if (sys) {
    for (const c of sys.configs) {
      for (const [kind, b] of Object.entries(c.results)) {
        if (!kind.startsWith('b')) continue;
        out.syscall.push({ policy: c.policy, rules: c.rules, layout: c.layout, kind, call: b.call, overheadNs: b.overheadNs.median,
          executed: b.executed, spread: [b.overheadNs.min, b.overheadNs.max], met: b.overheadNs.median < TARGET_ARG_NS });
      }
    }
  }
  return out;
}

/** The syscall-mix model for the default profile on one Node: ns per request and share of the unfiltered CPU per request. */
function modelFor(http, s) {
  const mix = (http.syscallMix ?? []).find((m) => m && m.node === s.node);
  const none = http.summaries.find((x) => x.node === s.node && x.mode === 'none');
  if (!mix?.model || !none) return null;
  return { ...mix.model, syscallsPerRequest: mix.syscallsPerRequest, uncachedPerRequest: mix.uncachedPerRequest,
    cpuNsPerRequest: none.cpuUsPerRequest.median * 1000, share: mix.model.nsPerRequest / (none.cpuUsPerRequest.median * 1000) };
}

function layoutComparison(sys) {
  const rows = [];
  const byPolicy = new Map();
  for (const c of sys.configs) byPolicy.set(c.policy, { ...(byPolicy.get(c.policy) ?? {}), [c.layout]: c });
  for (const [policy, pair] of byPolicy) {
    if (!pair[1] || !pair[2]) continue;
    for (const kind of Object.keys(pair[2].results)) {
      const lin = pair[1].results[kind];
      const tree = pair[2].results[kind];
      rows.push({ policy, rules: pair[2].rules, kind, call: tree.call, linearNs: lin.overheadNs.median, treeNs: tree.overheadNs.median,
        linearExecuted: lin.executed, treeExecuted: tree.executed, cached: tree.cached && lin.cached,
        linearInstructions: pair[1].instructions, treeInstructions: pair[2].instructions });
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------
// Markdown

function markdown(results, svgName) {
  const L = [];
  const m = results.meta;
  L.push('# seccomp-node benchmark results', '');
  L.push(`Generated by \`npm run bench\` (bench/run.js) on ${m.date}${m.quick ? ' — **quick smoke run (BENCH_QUICK=1): too short to quote**' : ''}` +
    `${m.commit ? `, commit ${m.commit}` : ''}. Every figure is a median over repeated runs, with [min – max] across the runs; ` +
    'each filtered run is compared with the unfiltered run of the same round. See bench/README.md for what each number means.', '');
  if (m.unsupported) {
    L.push(`Nothing was measured: ${m.unsupported}.`, '');
    return L.join('\n');
  }
  L.push('## Machine', '');
  L.push(table(['', ''], [
    ['CPU', `${m.host.cpuModel} × ${m.host.cpus}`], ['memory', `${m.host.memoryGiB} GiB`], ['kernel', `${m.kernel} (${m.arch})`],
    ['libseccomp', m.libseccomp], ['BPF JIT (net.core.bpf_jit_enable)', m.bpfJit], ['clocksource', m.clocksource], ['spec_store_bypass', m.specStoreBypass ?? 'unknown'],
    ['Node', (m.nodes ?? []).map((n) => `${n.label} (${n.version})`).join(', ')],
    ['seccomp filters already on the harness', String(m.harnessSeccompFilters)],
    ['load average at start / end', `${m.loadAverageAtStart.map((x) => x.toFixed(2)).join(' ')} / ${(m.loadAverageAtEnd ?? []).map((x) => x.toFixed(2)).join(' ')}`],
    ['run time', `${m.durationS ?? '?'} s`],
  ]), '');

  // targets
  const t = targets(results);
  L.push('## Targets', '');
  if (t.http.length) {
    /** met / not met when the whole spread is on one side of the target, else "not resolved". */
    const verdict = (cost, [lo, hi], n) => (n < 3 ? `**not resolved** (only ${n} undisturbed run${n === 1 ? '' : 's'})`
      : hi < TARGET_HTTP_COST ? '**met**' : lo >= TARGET_HTTP_COST ? '**not met**'
        : `**not resolved** (the median is ${cost < TARGET_HTTP_COST ? 'under' : 'over'} 1%, but the runs span it)`);
    for (const h of t.http) {
      L.push(`- Default profile under 1% of HTTP throughput — ${h.node}: measured throughput ${verdict(h.throughputCost, h.throughputSpread, h.runs)}: ` +
        `${signed(-h.throughputCost * 100)}% (runs ${signed(-h.throughputSpread[1] * 100)}% to ${signed(-h.throughputSpread[0] * 100)}%); ` +
        `server CPU per request ${verdict(h.cpuPerRequestCost, h.cpuSpread, h.runs)}: ${signed(h.cpuPerRequestCost * 100)}% ` +
        `(runs ${signed(h.cpuSpread[0] * 100)}% to ${signed(h.cpuSpread[1] * 100)}%) — same process before/after lockdown, normalised by ` +
        'the unfiltered server\'s drift (against a separate unfiltered process: throughput ' +
        `${signed(-h.acrossThroughputCost * 100)}%, CPU per request ${signed(h.acrossCpuCost * 100)}%).` +
        (h.placebo ? ` For scale, the placebo (the same steps, no filter loaded) moved CPU per request by ${pct(h.placebo.cpu)} ` +
          `and throughput by ${pct(h.placebo.rps)}.` : '') +
        (h.model ? ` Model: ${ok(h.model.share < TARGET_HTTP_COST)}, ${num(h.model.nsPerRequest)} ns per request = ` +
          `${num(h.model.share * 100, 2)}% of the server's ${num(h.model.cpuNsPerRequest / 1000, 2)} µs CPU per request ` +
          `(${num(h.model.syscallsPerRequest, 2)} system calls per request counted with strace — an upper bound, as the count runs a little ` +
          `longer than the requests counted — ${num(h.model.uncachedPerRequest, 3)} of them running the filter; per-call costs from section 1).` : ''));
    }
  } else L.push('- Default profile under 1% of HTTP throughput: not measured.');
  const sysDefault = t.syscall.filter((s) => s.policy === 'default profile');
  const sysBig = t.syscall.filter((s) => /synthetic/.test(s.policy));
  if (sysDefault.length) {
    for (const s of sysDefault) {
      L.push(`- Under ${TARGET_ARG_NS} ns per argument-checked syscall — default profile, ${layoutName(s.layout)} layout, \`${s.call}\`: ` +
        `${ok(s.met)} (${signed(s.overheadNs)} ns; runs ${signed(s.spread[0])} to ${signed(s.spread[1])} ns; ${s.executed} BPF instructions run).`);
    }
    const worst = sysBig.reduce((w, s) => (!w || s.overheadNs > w.overheadNs ? s : w), null);
    const failing = sysBig.filter((s) => !s.met);
    if (worst) {
      L.push(`- Synthetic policies, \`${worst.call}\`: ${failing.length ? `over ${TARGET_ARG_NS} ns in ${failing.map((s) => `${s.rules} rules/${layoutName(s.layout)}`).join(', ')}` : `under ${TARGET_ARG_NS} ns at every size and layout`}; ` +
        `worst ${signed(worst.overheadNs)} ns (${worst.rules} rules, ${layoutName(worst.layout)}).`);
    }
  } else L.push('- Under 30 ns per argument-checked syscall: not measured.');
  const st = results.startup && !results.startup.failed ? results.startup : null;
  if (st) {
    for (const s of st.summaries) {
      L.push(`- Start-up, ${s.node}: \`node\` + require + default \`lockdown()\` at most ${st.targets.lockdownRatio}x a bare \`node -e 0\` — ` +
        `${ok(s.targets.lockdownRatio.met)} (${num(s.lockdownRatio.median, 3)}x; runs ${num(s.lockdownRatio.min, 3)}x to ${num(s.lockdownRatio.max, 3)}x); ` +
        `require under ${st.targets.requireMs} ms — ${ok(s.targets.requireMs.met)} (${spread(s.inside.requireMs)} ms).`);
    }
  } else L.push('- Start-up (1.15x a bare Node, require under 10 ms): not measured.');
  L.push('');

  // 1. syscalls
  const sys = results.syscall;
  L.push('## 1. Per-syscall overhead (native loop)', '');
  if (!sys || sys.failed) L.push(sys ? `Failed: ${sys.failed}` : 'Not run.', '');
  else {
    L.push(`\`bench/native/syscall-loop.c\` calls one system call ${sys.iterations.toLocaleString('en')} times per batch through syscall(2), ` +
      `${sys.batches} batches per process, ${sys.rounds} processes per configuration, interleaved with unfiltered baseline processes. ` +
      'Times are the thread\'s CPU time per call (so time lost to other processes on a shared machine is left out); the overhead is the ' +
      'difference from the baseline process of the same round. "BPF insns run" is the number of filter instructions the call executes ' +
      '(bench/lib/bpf.js interprets the exported program); "cached" means the verdict is a constant ALLOW that the kernel\'s seccomp ' +
      'action cache (Linux 5.11+) serves without running the filter.', '');
    L.push(`![per-syscall overhead against policy size](${svgName})`, '');
    L.push('Baseline (no filter):', '');
    L.push(table(['call', 'ns/call', 'wall ns/call'], Object.values(sys.baseline).map((b) => [`\`${b.call}\``, spread(b.ns), spread(b.wallNs)])), '');
    const rows = [];
    for (const c of sys.configs) {
      Object.entries(c.results).forEach(([kind, r], i) => {
        rows.push([i === 0 ? `${c.policy}` : '', i === 0 ? layoutName(c.layout) : '', i === 0 ? String(c.rules) : '',
          i === 0 ? String(c.instructions) : '', `(${kind}) \`${r.call}\``, spread(r.ns), signedSpread(r.overheadNs), pct(r.ratio),
          String(r.executed), r.cached ? 'yes' : 'no']);
      });
    }
    L.push(table(['policy', 'layout', 'rules', 'BPF insns', 'call', 'ns/call', 'overhead ns', 'vs baseline', 'BPF insns run', 'cached'], rows), '');
    L.push('(a) allowed unconditionally, (b) allowed by an argument condition, (b2) the same on a syscall whose other values fall to a ' +
      'catch-all errno rule (the default profile\'s prctl: its `ne` conditions compile to many masked comparisons), ' +
      '(c) denied with an errno (the baseline runs the real call, ' +
      'which fails or returns at once, so (c) compares the filter\'s errno path with a near-empty system call). Synthetic policies: ' +
      'write, exit_group, clock_gettime and the three measured rules, then filler — two unconditional allows of other system calls for ' +
      'each conditional allow (ioctl, prctl, setsockopt... with one argument value each).', '');
  }

  // 2. HTTP
  const http = results.http;
  L.push('## 2. HTTP daemon', '');
  if (!http || http.failed) L.push(http ? `Failed: ${http.failed}` : 'Not run.', '');
  else {
    L.push('A Node HTTP server (bench/workers/http-server.js; 12-byte body, keep-alive) on 127.0.0.1; load from ' +
      `${http.loadGenerator} in another process: ${http.connections} connections, ${http.warmupMs} ms warm-up, then two measured ` +
      `windows of ${http.windowMs} ms on the same server process — before and after the policy is applied (GET /__lockdown calls ` +
      `lockdown() in the server) — ${http.rounds} rounds, configurations interleaved. "server CPU" is the server's CPU time per ` +
      'request (from process.cpuUsage()); "foreign CPU" is the CPU used by other processes on the machine during the windows, in ' +
      `CPUs (the higher of the two windows). A run with more than ${http.foreignLimit} was repeated once (the less disturbed attempt ` +
      'kept), and configurations short of undisturbed runs got make-up runs at the end, within a time budget; runs still above the ' +
      'limit are dropped from the summaries (unless all were) ' +
      'and not used as baselines — "runs used (dropped)". Every run is in the JSON.', '');
    L.push('**After lockdown, against the unfiltered server of the same round** (what a user sees; includes the several-percent ' +
      'differences between any two Node processes):', '');
    const rows = http.summaries.map((s) => [s.node, s.mode, s.instructions ? String(s.instructions) : '—', `${kilo(s.rps.median)} [${kilo(s.rps.min)} – ${kilo(s.rps.max)}]`,
      s.mode === 'none' ? '—' : pct(s.rpsRatio), spread(s.p99Ms, 2), s.mode === 'none' ? '—' : pct(s.p99Ratio), spread(s.cpuUsPerRequest, 2),
      s.mode === 'none' ? '—' : pct(s.cpuRatio), `${num(s.foreignCpuUtilisation.median, 2)}`, `${s.runsUsed} (${s.runsDropped})`, String(s.errors)]);
    L.push(table(['Node', 'policy', 'BPF insns', 'req/s', 'Δ req/s', 'p99 ms', 'Δ p99', 'server CPU µs/req', 'Δ CPU/req', 'foreign CPU', 'runs used (dropped)', 'errors'], rows), '');
    L.push('**Same process, after vs before lockdown**, divided by the same ratio of the unfiltered server in the same round (the ' +
      '`none` row shows that ratio itself: the drift between the two windows without any filter). This removes the differences ' +
      'between processes and is the estimate the 1% target is judged on:', '');
    L.push(table(['Node', 'policy', 'Δ req/s', 'Δ server CPU/req', 'Δ p99'], http.summaries.filter((s) => s.withinRpsRatio).map((s) => [
      s.node, s.mode === 'none' ? 'none (drift, no filter)' : s.mode, pct(s.withinRpsRatio), pct(s.withinCpuRatio), pct(s.withinP99Ratio)])), '');
    const mixes = (http.syscallMix ?? []).filter(Boolean);
    if (mixes.length) {
      L.push('**System calls per request** under the default profile (strace -f -c on the server during a 1.5 s window; ' +
        '"filter" = the call runs the BPF program, "cache" = served by the kernel\'s action cache):', '');
      for (const mix of mixes) {
        const top = Object.entries(mix.perRequest).sort((a, b) => b[1].calls - a[1].calls).filter(([, c]) => c.calls >= 0.001);
        L.push(`- ${mix.node}: ${num(mix.syscallsPerRequest, 2)} per request — ` +
          top.map(([n, c]) => `${n} ${num(c.calls, 3)}${c.cached === false ? ' (filter)' : ''}`).join(', ') +
          (mix.model ? `. Model: ${num(mix.model.nsPerRequest)} ns/request (${mix.model.basis}).` : '.'));
      }
      L.push('');
    }
    const dk = m.dockerLike ?? {};
    L.push('Policies: `none`; `seccomp-only` = `sandbox.lockdown({ isolate: false })` (the filter, no Landlock); ' +
      '`default` = `sandbox.lockdown()` (binary tree, and a Landlock domain for isolation); `landlock` = the default profile with ' +
      'Landlock rules (files read beneath the repository only, TCP bind to ephemeral ports only, no TCP connect); ' +
      `\`docker\` = a Docker-default-like policy (${dk.source ?? 'see bench/lib/policies.js'}; default action EPERM), loaded by ` +
      `${dk.appliedBy ?? 'lockdown()'}, as a container runtime does — so only the first table applies to it; \`placebo\` = the ` +
      'same steps as `default` except that nothing is loaded (the default profile\'s BPF is built and thrown away): a control ' +
      'showing how much the method moves with no filter at all. BPF insns are as loaded (lockdown() adds the violation reporter\'s rules).', '');
  }

  // 3. fs
  const fsr = results.fs;
  L.push('## 3. fs on the thread pool', '');
  if (!fsr || fsr.failed) L.push(fsr ? `Failed: ${fsr.failed}` : 'Not run.', '');
  else {
    L.push(`${fsr.operation}; ${fsr.warmupMs} ms warm-up, ${fsr.durationMs} ms measured, ${fsr.rounds} rounds. CPU is the whole process ` +
      '(main thread and pool threads) per operation. Policies and foreign CPU as for HTTP.', '');
    L.push(table(['Node', 'policy', 'BPF insns', 'ops/s', 'Δ ops/s', 'CPU µs/op', 'Δ CPU/op', 'foreign CPU', 'runs used (dropped)'], fsr.summaries.map((s) => [s.node, s.mode,
      s.instructions ? String(s.instructions) : '—', `${kilo(s.opsPerSec.median)} [${kilo(s.opsPerSec.min)} – ${kilo(s.opsPerSec.max)}]`,
      s.mode === 'none' ? '—' : pct(s.opsRatio), spread(s.cpuUsPerOp), s.mode === 'none' ? '—' : pct(s.cpuRatio),
      num(s.foreignCpuUtilisation.median, 2), `${s.runsUsed} (${s.runsDropped})`])), '');
  }

  // Landlock
  const ll = results.landlock;
  L.push('## 5. Landlock on opening files', '');
  if (!ll || ll.failed) L.push(ll ? `Failed: ${ll.failed}` : 'Not run.', '');
  else {
    L.push(`${ll.operation}; ${ll.iterations} iterations per run, ${ll.rounds} rounds, configurations interleaved. \`none\`: no lockdown; ` +
      '`seccomp`: the default profile without Landlock (`isolate: false`); `landlock-N`: the default profile with file system ' +
      'rules (the file\'s tree and N other directories). Ratios are against the run of the same round.', '');
    L.push(table(['Node', 'configuration', 'extra rules', 'CPU ns/iteration', 'vs none', 'vs seccomp only'], ll.summaries.map((s) => [
      s.node, s.mode, String(s.rules), spread(s.cpuNs), s.mode === 'none' ? '—' : pct(s.vsNone), s.mode === 'seccomp' || s.mode === 'none' ? '—' : pct(s.vsSeccomp)])), '');
  }

  // 6. starting sandboxed children
  const la = results.launch;
  L.push('## 6. Starting sandboxed children', '');
  if (!la || la.failed) L.push(la ? `Failed: ${la.failed}` : 'Not run.', '');
  else {
    L.push(`${la.program} under \`${la.policy}\`, ${la.perMode} starts per mode per round, modes interleaved start by start, ` +
      `${la.rounds} rounds; each start is timed from the call to the child's end. Ratios are per round (sandboxed over plain). ` +
      'Target: a sandboxed spawn at most 1.3 times a plain one.', '');
    L.push(table(['Node', 'spawn ms plain / sandboxed', 'ratio', 'target', 'execFile ms plain / sandboxed', 'ratio'], la.summaries.map((s) => [
      s.node, `${spread(s.spawnMs.plain, 2)} / ${spread(s.spawnMs.sandboxed, 2)}`, spread(s.spawnRatio, 2), ok(s.spawnRatio.median <= 1.3),
      `${spread(s.execFileMs.plain, 2)} / ${spread(s.execFileMs.sandboxed, 2)}`, spread(s.execFileRatio, 2)])), '');
    const r = la.run;
    L.push(`\`seccomp-node run --policy P -- /bin/true\` against \`node -e 0\`, ${la.runStarts} processes each per round, interleaved. ` +
      'Target: at most one Node startup plus 10 ms.', '');
    L.push(table(['node -e 0 ms', 'run ms', 'run − startup ms', 'target', 'run --exec ms', 'run --exec − startup ms', 'floor − startup ms'], [[
      spread(r.nodeStartupMs), spread(r.runMs), spread(r.runOverStartupMs), ok(r.runOverStartupMs.median <= 10), spread(r.runExecMs),
      spread(r.runExecOverStartupMs), r.floorOverStartupMs ? spread(r.floorOverStartupMs) : '—']]), '');
    L.push('`floor` is a control, not a way to run: `node -e` loading the addon and spawning the program with `child_process`, ' +
      'none of the package\'s JavaScript and no sandbox. No supervised run can start faster.', '');
  }

  // 7. learn
  const le = results.learn;
  L.push('## 7. learn: seccomp user notification against strace', '');
  if (!le || le.failed) L.push(le ? `Failed: ${le.failed}` : 'Not run.', '');
  else {
    L.push(`Workload: ${le.workload}; ${le.rounds} rounds, modes interleaved; each learn run through \`seccomp-node learn\` as users ` +
      'run it, once on the workload and once on `node -e 0`, so that what both have (the command line\'s start, compiling, ' +
      'writing the policy) cancels out. Calls the workload adds: ' +
      `${Object.entries(le.workloadCalls).map(([m, c]) => `${m} ${c}`).join(', ')}.`, '');
    L.push(table(['mode', 'ms'], Object.entries(le.ms).map(([m, v]) => [m, spread(v, 0)])), '');
    L.push(table(['observer', 'cost of observing the workload, ms', 'per call, µs'], Object.keys(le.overheadMs).map((m) => [m,
      spread(le.overheadMs[m], 0), spread(le.perCallUs[m], 1)])), '');
    if (le.straceOverSeccomp) L.push(`strace costs ${spread(le.straceOverSeccomp, 1)} times what seccomp user notification costs.`, '');
  }

  // 4. lockdown
  const ld = results.lockdown;
  L.push('## 4. Cost of lockdown itself', '');
  if (!ld || ld.failed) L.push(ld ? `Failed: ${ld.failed}` : 'Not run.', '');
  else {
    L.push(`Each row: ${ld.rounds} fresh processes. "lockdown()" is the first lockdown of the process (compile, BPF generation, kernel load, ` +
      '/proc snapshot); "rebuild" is a later compile + BPF generation without loading; "policy" is building the Filter in JS. ' +
      `The kernel accepts at most ${ld.maxInstructions} instructions per filter.`, '');
    L.push(table(['Node', 'policy', 'rules', 'BPF insns linear / tree / loaded', 'lockdown() ms', 'rebuild ms (tree)', 'rebuild ms (linear)', 'policy ms', 'require() ms'],
      ld.summaries.map((s) => [s.node, s.policy, String(s.rules), `${s.instructions.linear} / ${s.instructions.tree} / ${s.loadedInstructions ?? '—'}`,
        s.refused ? `refused (${s.refused})` : spread(s.lockdownMs), spread(s.warmBuildMs.tree), spread(s.warmBuildMs.linear), s.policy === 'default' ? '— (inside lockdown())' : spread(s.buildPolicyMs),
        spread(s.requireMs)])), '');
    L.push('**Phases of the first lockdown()** (same fresh processes): the compiler, libseccomp, verification (the program ' +
      'checked against the policy\'s reference interpreter on the listed number of calls), and the load with lockdown\'s own ' +
      'preparations. "verify share" is verification\'s part of the whole, per run; "verify warm" is verification alone in the ' +
      'same process afterwards. Targets: verification under 5 ms for the default profile, lockdown() under 30 ms.', '');
    const loaded = ld.summaries.filter((s) => !s.refused && s.phases);
    L.push(table(['Node', 'policy', 'compile ms', 'libseccomp ms', 'verify ms', 'load ms', 'verify share', 'verify warm ms', 'calls verified'],
      loaded.map((s) => [s.node, s.policy, spread(s.phases.compileMs), spread(s.phases.buildMs), spread(s.phases.verifyMs), spread(s.phases.loadMs),
        share(s.verifyShare), spread(s.warmVerifyMs, 2), String(s.verifiedCalls)])), '');
  }

  // 6. start-up
  const su = results.startup;
  L.push('## 6. Start-up: a whole Node process', '');
  if (!su || su.failed) L.push(su ? `Failed: ${su.failed}` : 'Not run.', '');
  else {
    // Paths as the repository names them: the package's root is ROOT, files in it relative to it.
    const ROOT = path.resolve(__dirname, '..', '..');
    const shown = (code) => code.replace(/"([^"]*)"/g, (_, p) => (p === ROOT ? 'ROOT' : p.startsWith(`${ROOT}/`) ? path.relative(ROOT, p) : p));
    L.push(`Wall time of whole processes, from spawn to exit: ${Object.entries(su.modes).map(([m, code]) => `\`${m}\` = \`node -e ${shown(code)}\``).join(', ')}; ` +
      `${su.rounds} rounds, the modes rotated each round. Ratios are against the bare start of the same round. "Inside" comes from ` +
      'separate runs of workers/startup-phases.js (same rounds): Node\'s own start until the script runs, require(), and the phases ' +
      'of the first lockdown() as the loader records them.', '');
    L.push(table(['Node', 'bare ms', 'require ms', 'require + lockdown ms', 'lockdown / bare', 'require / bare', 'floor ms', 'floor / bare',
      'flat ms', 'flat / bare', 'lockdown / flat', 'load average'],
      su.summaries.map((s) => [s.node, spread(s.ms.bare), spread(s.ms.require), spread(s.ms.lockdown), spread(s.lockdownRatio, 3), spread(s.requireRatio, 3),
        s.ms.floor ? spread(s.ms.floor) : '—', s.floorRatio ? spread(s.floorRatio, 3) : '—',
        s.ms.flat ? spread(s.ms.flat) : '—', s.flatRatio ? spread(s.flatRatio, 3) : '—', s.overFlatRatio ? spread(s.overFlatRatio, 3) : '—',
        spread(s.loadAverage, 2)])), '');
    L.push('`floor` and `flat` are controls, not ways to lock down. `floor`: the addon, lockdown\'s priming and the kernel load of the ' +
      'built default program, with none of the package\'s JavaScript (no checks, no Landlock layer); no lockdown can start faster. ' +
      '`flat` (workers/flat-lockdown.js): every step of the default lockdown, its checks and its Landlock layer included, written ' +
      'out in one file with none of the package\'s modules. From `floor` to `flat` is what the steps cost; from `flat` to ' +
      '`lockdown`, what the package\'s structure costs: its modules, and its code for every other kind of lockdown ' +
      '(`lockdown / flat`, within each round).', '');
    L.push(table(['Node', 'boot ms', 'require ms', 'lockdown ms', 'policy', 'compile', 'libseccomp', 'verify', 'Landlock', 'load', 'modules (require / lockdown)', 'calls verified'],
      su.summaries.map((s) => [s.node, spread(s.inside.bootMs), spread(s.inside.requireMs), spread(s.inside.lockdownMs),
        ...['policyMs', 'compileMs', 'buildMs', 'verifyMs', 'landlockMs', 'loadMs'].map((k) => spread(s.inside.phases[k])),
        `${s.inside.modulesAfterRequire} / ${s.inside.modulesAfterLockdown}`, String(s.inside.verifiedCalls)])), '');
  }

  // layout
  if (sys && !sys.failed) {
    L.push('## libseccomp layout: optimize 1 (linear) vs 2 (binary tree)', '');
    const rows = layoutComparison(sys);
    L.push(table(['policy', 'rules', 'call', 'overhead ns linear / tree', 'BPF insns run linear / tree', 'program size linear / tree'],
      rows.map((r) => [r.policy, String(r.rules), `(${r.kind}) \`${r.call}\`${r.cached ? ' (cached)' : ''}`, `${signed(r.linearNs)} / ${signed(r.treeNs)}`,
        `${r.linearExecuted} / ${r.treeExecuted}`, `${r.linearInstructions} / ${r.treeInstructions}`])), '');
    const uncached = rows.filter((r) => !r.cached);
    const tie = (x) => Math.abs(x.treeNs - x.linearNs) < 1;
    const treeWins = uncached.filter((x) => !tie(x) && x.treeNs < x.linearNs).length;
    const linearWins = uncached.filter((x) => !tie(x) && x.treeNs > x.linearNs).length;
    L.push(`For calls the kernel cannot cache, the tree layout was faster in ${treeWins} of ${uncached.length} cases, ` +
      `within 1 ns in ${uncached.length - treeWins - linearWins} and slower in ${linearWins}. ` +
      'Calls allowed unconditionally never run the filter on Linux 5.11+, whichever the layout; the tree costs a somewhat larger ' +
      'program (see "program size"), far from the kernel\'s 4096-instruction limit.', '');
  }

  if (results.notes.length) {
    L.push('## Notes', '', ...results.notes.map((n) => `- ${n}`), '');
  }
  return L.join('\n');
}

// ---------------------------------------------------------------------------------------
// SVG

function niceStep(range, ticks) {
  const raw = range / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const f of [1, 2, 5, 10]) if (f * mag >= raw) return f * mag;
  return 10 * mag;
}

function svgPlot(sys) {
  const W = 900;
  const H = 500;
  const M = { left: 64, right: 300, top: 48, bottom: 56 };
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const synthetic = sys.configs.filter((c) => c.synthetic);
  const sizes = [...new Set(synthetic.map((c) => c.rules))].sort((a, b) => a - b);
  const extra = sys.configs.filter((c) => c.policy === 'default profile');
  const allX = [...sizes, ...extra.map((c) => c.rules)];
  const xmin = Math.min(...allX) / 1.6;
  const xmax = Math.max(...allX) * 1.4;
  const x = (v) => M.left + ((Math.log10(v) - Math.log10(xmin)) / (Math.log10(xmax) - Math.log10(xmin))) * pw;
  const values = [...synthetic, ...extra].flatMap((c) => Object.values(c.results).flatMap((r) => [r.overheadNs.min, r.overheadNs.max]))
    .filter(Number.isFinite);
  let ymin = Math.min(0, ...values);
  let ymax = Math.max(TARGET_ARG_NS * 1.2, ...values);
  const step = niceStep(ymax - ymin, 6);
  ymin = Math.floor(ymin / step) * step;
  ymax = Math.ceil(ymax / step) * step;
  const y = (v) => M.top + ph - ((v - ymin) / (ymax - ymin)) * ph;
  const COLORS = { a: '#5b7083', b: '#d9730d', b2: '#8e44ad', c: '#2f8f46' };
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${M.left}" y="22" font-size="15" font-weight="bold">seccomp filter overhead per system call vs policy size</text>`);
  out.push(`<text x="${M.left}" y="38" fill="#555">median of ${sys.rounds} runs, bars: min–max; CPU ns per call over the unfiltered baseline (libseccomp ${esc(sys.libseccomp ?? '')})</text>`);
  // grid and axes
  for (let v = ymin; v <= ymax + 1e-9; v += step) {
    out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="${v === 0 ? '#888' : '#e3e3e3'}"/>`);
    out.push(`<text x="${M.left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${+v.toFixed(6)}</text>`);
  }
  for (const s of [...new Set([...sizes, ...extra.map((c) => c.rules)])].sort((a, b) => a - b)) {
    out.push(`<line x1="${x(s).toFixed(1)}" x2="${x(s).toFixed(1)}" y1="${M.top}" y2="${M.top + ph}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${x(s).toFixed(1)}" y="${M.top + ph + 18}" text-anchor="middle">${s}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 14}" text-anchor="middle">rules in the policy (log scale)</text>`);
  out.push(`<text transform="translate(18 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">overhead, ns per call</text>`);
  // target
  if (TARGET_ARG_NS <= ymax) {
    out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${y(TARGET_ARG_NS).toFixed(1)}" y2="${y(TARGET_ARG_NS).toFixed(1)}" stroke="#c0392b" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${M.left + 6}" y="${(y(TARGET_ARG_NS) - 5).toFixed(1)}" fill="#c0392b">target for argument-checked calls: ${TARGET_ARG_NS} ns</text>`);
  }
  const jitter = { a: -6, b: 0, b2: 3, c: 6 };
  const lay = { 1: -2, 2: 2 };
  // synthetic series
  for (const kind of ['a', 'b', 'c']) {
    for (const layout of [1, 2]) {
      const pts = synthetic.filter((c) => c.layout === layout).sort((p, q) => p.rules - q.rules)
        .map((c) => ({ px: x(c.rules) + jitter[kind] + lay[layout], s: c.results[kind].overheadNs }));
      const dash = layout === 1 ? ' stroke-dasharray="5 3"' : '';
      out.push(`<polyline fill="none" stroke="${COLORS[kind]}" stroke-width="2"${dash} points="${pts.map((p) => `${p.px.toFixed(1)},${y(p.s.median).toFixed(1)}`).join(' ')}"/>`);
      for (const p of pts) {
        out.push(`<line x1="${p.px.toFixed(1)}" x2="${p.px.toFixed(1)}" y1="${y(p.s.min).toFixed(1)}" y2="${y(p.s.max).toFixed(1)}" stroke="${COLORS[kind]}" stroke-width="1.2"/>`);
        out.push(`<circle cx="${p.px.toFixed(1)}" cy="${y(p.s.median).toFixed(1)}" r="3.5" fill="${layout === 2 ? COLORS[kind] : '#fff'}" stroke="${COLORS[kind]}" stroke-width="1.5"/>`);
      }
    }
  }
  // default profile points
  for (const c of extra) {
    for (const kind of Object.keys(c.results)) {
      const s = c.results[kind].overheadNs;
      const px = x(c.rules) + jitter[kind] + lay[c.layout];
      const py = y(s.median);
      out.push(`<line x1="${px.toFixed(1)}" x2="${px.toFixed(1)}" y1="${y(s.min).toFixed(1)}" y2="${y(s.max).toFixed(1)}" stroke="${COLORS[kind]}" stroke-width="1.2"/>`);
      out.push(`<path d="M ${px.toFixed(1)} ${(py - 5).toFixed(1)} L ${(px + 5).toFixed(1)} ${py.toFixed(1)} L ${px.toFixed(1)} ${(py + 5).toFixed(1)} L ${(px - 5).toFixed(1)} ${py.toFixed(1)} Z" ` +
        `fill="${c.layout === 2 ? COLORS[kind] : '#fff'}" stroke="${COLORS[kind]}" stroke-width="1.5"/>`);
    }
  }
  // legend
  const lx = M.left + pw + 16;
  let ly = M.top + 8;
  const synthCalls = synthetic[0] ? synthetic[0].results : {};
  const defCalls = extra[0] ? extra[0].results : {};
  const labels = { a: 'allowed unconditionally', b: 'allowed by argument condition', b2: 'same, next to a catch-all errno rule', c: 'denied with errno' };
  for (const kind of ['a', 'b', 'b2', 'c']) {
    if (!synthCalls[kind] && !defCalls[kind]) continue;
    out.push(`<rect x="${lx}" y="${ly - 9}" width="12" height="12" fill="${COLORS[kind]}"/>`);
    out.push(`<text x="${lx + 18}" y="${ly + 1}">(${kind}) ${labels[kind]}</text>`);
    let line = ly + 16;
    if (synthCalls[kind]) { out.push(`<text x="${lx + 18}" y="${line}" fill="#555" font-size="11">synthetic: ${esc(synthCalls[kind].call)}</text>`); line += 14; }
    if (defCalls[kind]) { out.push(`<text x="${lx + 18}" y="${line}" fill="#555" font-size="11">default profile: ${esc(defCalls[kind].call)}</text>`); line += 14; }
    ly = line + 8;
  }
  ly += 4;
  out.push(`<line x1="${lx}" x2="${lx + 26}" y1="${ly - 4}" y2="${ly - 4}" stroke="#333" stroke-width="2"/><circle cx="${lx + 13}" cy="${ly - 4}" r="3.5" fill="#333"/>`);
  out.push(`<text x="${lx + 32}" y="${ly}">binary tree (optimize 2)</text>`);
  ly += 20;
  out.push(`<line x1="${lx}" x2="${lx + 26}" y1="${ly - 4}" y2="${ly - 4}" stroke="#333" stroke-width="2" stroke-dasharray="5 3"/><circle cx="${lx + 13}" cy="${ly - 4}" r="3.5" fill="#fff" stroke="#333" stroke-width="1.5"/>`);
  out.push(`<text x="${lx + 32}" y="${ly}">linear (optimize 1)</text>`);
  ly += 20;
  out.push(`<path d="M ${lx + 13} ${ly - 9} L ${lx + 18} ${ly - 4} L ${lx + 13} ${ly + 1} L ${lx + 8} ${ly - 4} Z" fill="#333"/>`);
  out.push(`<text x="${lx + 32}" y="${ly}">default daemon profile</text>`);
  ly += 16;
  out.push(`<text x="${lx + 32}" y="${ly}" fill="#555" font-size="11">(filled: tree, hollow: linear)</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------

/** Writes BASE.json, BASE.md and the SVG into `dir`; returns the paths written. */
function writeReports(results, dir, base) {
  fs.mkdirSync(dir, { recursive: true });
  const svgName = base === 'latest' ? 'syscall-overhead.svg' : `${base}-syscall-overhead.svg`;
  const written = [];
  const sys = results.syscall;
  if (sys && !sys.failed) {
    sys.libseccomp = results.meta?.libseccomp;
    fs.writeFileSync(path.join(dir, svgName), svgPlot(sys));
    written.push(path.join(dir, svgName));
  }
  results.targets = targets(results);
  // Five significant digits are more than these measurements carry.
  const round = (key, value) => (typeof value === 'number' && !Number.isInteger(value) ? +value.toPrecision(5) : value);
  fs.writeFileSync(path.join(dir, `${base}.json`), JSON.stringify(results, round, 1) + '\n');
  written.push(path.join(dir, `${base}.json`));
  fs.writeFileSync(path.join(dir, `${base}.md`), markdown(results, svgName) + '\n');
  written.push(path.join(dir, `${base}.md`));
  return written;
}

module.exports = { writeReports, svgPlot, markdown, TARGET_ARG_NS, TARGET_HTTP_COST };
