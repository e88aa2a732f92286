'use strict';
/**
 * A closed-loop HTTP/1.1 load generator, written for this benchmark and dependency-free.
 *
 *   node loadgen.js PORT CONNECTIONS WARMUP_MS DURATION_MS [WINDOWS]
 *
 * Opens CONNECTIONS keep-alive TCP connections to 127.0.0.1:PORT; each sends `GET /`,
 * waits for the whole response, and sends the next (no pipelining). It uses raw sockets
 * and a minimal Content-Length parser instead of http.Agent so that the client spends as
 * little CPU per request as possible: on a small machine the client shares the CPUs with
 * the server, and a heavy client would hide the server's costs.
 *
 * After WARMUP_MS it measures WINDOWS (default 1) windows of DURATION_MS each: responses,
 * their latencies, the server's CPU time (GET /__cpu before and after) and the machine's
 * busy time (/proc/stat), so that CPU used by other processes is reported. Between two
 * windows it sends GET /__lockdown, on which a server started with `deferred` applies its
 * policy: the same process is measured before and after. Prints one JSON line: the last
 * window's figures, and all windows under `windows`.
 */
const net = require('node:net');
const { latencyQuantiles } = require('../lib/stats');
const { machineBusyMs } = require('../lib/machine');

const [port, connections, warmupMs, durationMs, windowCount = 1] = process.argv.slice(2).map(Number);
if (!port || !connections || !(durationMs > 0)) {
  process.stderr.write('usage: node loadgen.js PORT CONNECTIONS WARMUP_MS DURATION_MS [WINDOWS]\n');
  process.exit(2);
}
const HOST = '127.0.0.1';
const REQUEST = Buffer.from(`GET / HTTP/1.1\r\nHost: ${HOST}:${port}\r\nConnection: keep-alive\r\n\r\n`);
const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;

let phase = 'warmup'; // warmup → (measure → pause)... → drain
let measured = 0;
let errors = 0;
let non200 = 0;
let latencies = new Float64Array(1 << 18);

function record(ms) {
  if (measured === latencies.length) {
    const bigger = new Float64Array(latencies.length * 2);
    bigger.set(latencies);
    latencies = bigger;
  }
  latencies[measured++] = ms;
}

/**
 * Reads responses off one socket; calls onResponse(status, body) for each complete one.
 * Handles responses split over several chunks and several in one chunk.
 */
function responseReader(onResponse) {
  let pending = null;
  return (chunk) => {
    let buf = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = null;
    for (;;) {
      const end = buf.indexOf(HEADER_END);
      if (end < 0) { pending = buf; return; }
      const head = buf.toString('latin1', 0, end);
      const m = CONTENT_LENGTH.exec(head);
      if (!m) throw new Error(`response without Content-Length: ${JSON.stringify(head.slice(0, 200))}`);
      const total = end + 4 + Number(m[1]);
      if (buf.length < total) { pending = buf; return; }
      onResponse(Number(head.slice(9, 12)), buf.subarray(end + 4, total));
      if (buf.length === total) return;
      buf = buf.subarray(total);
    }
  };
}

/** One request on a fresh connection (used for /__cpu). */
function getOnce(path) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: HOST, port }, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${HOST}:${port}\r\nConnection: close\r\n\r\n`);
    });
    const read = responseReader((status, body) => { socket.destroy(); resolve({ status, body: body.toString() }); });
    socket.on('data', (chunk) => { try { read(chunk); } catch (e) { socket.destroy(); reject(e); } });
    socket.on('error', reject);
    socket.setTimeout(5000, () => { socket.destroy(); reject(new Error(`GET ${path}: timeout`)); });
  });
}

async function serverCpu() {
  const { status, body } = await getOnce('/__cpu');
  if (status !== 200) throw new Error(`/__cpu answered ${status}`);
  const { user, system } = JSON.parse(body);
  return user + system;
}

function startConnection() {
  const socket = net.connect({ host: HOST, port });
  socket.setNoDelay(true);
  let sentAt = 0;
  const send = () => { sentAt = performance.now(); socket.write(REQUEST); };
  const read = responseReader((status) => {
    if (status !== 200) non200++;
    if (phase === 'measure') record(performance.now() - sentAt);
    if (phase === 'drain') { socket.end(); return; }
    send(); // also between windows ('pause'): the load never stops
  });
  socket.on('connect', send);
  socket.on('data', (chunk) => {
    try { read(chunk); } catch (e) { errors++; socket.destroy(); process.stderr.write(`loadgen: ${e.message}\n`); }
  });
  socket.on('error', () => { errors++; });
  return socket;
}

async function measureWindow() {
  measured = 0;
  const cpu0 = await serverCpu();
  const clientCpu0 = process.cpuUsage();
  const busy0 = machineBusyMs();
  phase = 'measure';
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, durationMs));
  phase = 'pause';
  const elapsedMs = performance.now() - t0;
  const clientCpu = process.cpuUsage(clientCpu0);
  const busy1 = machineBusyMs();
  const cpu1 = await serverCpu();
  const q = latencyQuantiles(latencies, measured, [0.5, 0.9, 0.99, 0.999]);
  const result = {
    durationMs: elapsedMs, requests: measured,
    rps: measured / (elapsedMs / 1000),
    latencyMs: { p50: q[0.5], p90: q[0.9], p99: q[0.99], p999: q[0.999], max: measured ? latencies[measured - 1] : NaN },
    serverCpuUsPerRequest: measured ? (cpu1 - cpu0) / measured : NaN,
    serverCpuUtilisation: (cpu1 - cpu0) / 1000 / elapsedMs,
    clientCpuUtilisation: (clientCpu.user + clientCpu.system) / 1000 / elapsedMs,
    machineBusyUtilisation: (busy1 - busy0) / elapsedMs,
  };
  // CPU used by processes other than this client and the server (others' builds, tests...).
  result.foreignCpuUtilisation = Math.max(0, result.machineBusyUtilisation - result.serverCpuUtilisation - result.clientCpuUtilisation);
  return result;
}

async function main() {
  const sockets = Array.from({ length: connections }, startConnection);
  await new Promise((r) => setTimeout(r, warmupMs));
  const windows = [];
  let lockdown = null;
  for (let w = 0; w < windowCount; w++) {
    if (w > 0) {
      const { status, body } = await getOnce('/__lockdown');
      if (status !== 200) throw new Error(`/__lockdown answered ${status}`);
      lockdown = JSON.parse(body);
      await new Promise((r) => setTimeout(r, 200)); // let the connections settle again
    }
    windows.push(await measureWindow());
  }
  phase = 'drain';
  for (const s of sockets) s.destroy();
  const last = windows[windows.length - 1];
  const result = { connections, ...last, errors, non200, lockdown, windows };
  result.foreignCpuUtilisation = Math.max(...windows.map((w) => w.foreignCpuUtilisation));
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

main().catch((e) => { process.stderr.write(`loadgen: ${e.stack || e}\n`); process.exit(1); });
