'use strict';
/**
 * The daemon under test: a Node HTTP server on 127.0.0.1 answering every request with a
 * short body.
 *
 *   node http-server.js MODE [deferred]
 *
 * MODE is a configuration of apply-policy.js. Without `deferred` it is applied right after
 * listen(), as a daemon would; with `deferred`, when `GET /__lockdown` arrives, so that the
 * load generator can measure the same process before and after. Prints one JSON line
 * { port, ... } when ready. GET /__cpu answers with this process's CPU time (µs), for
 * CPU-per-request figures. Ends on SIGTERM/SIGINT or when its stdin closes, and after 10
 * minutes at most.
 */
const http = require('node:http');
const { applyPolicy } = require('./apply-policy');

const mode = process.argv[2] || 'none';
const deferred = process.argv[3] === 'deferred';
const BODY = 'hello world\n';
let applied = null;

function json(res, value) {
  const body = JSON.stringify(value);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const server = http.createServer((req, res) => {
  if (req.url === '/__cpu') {
    const { user, system } = process.cpuUsage();
    json(res, { user, system });
    return;
  }
  if (req.url === '/__lockdown') {
    if (!applied) applied = applyPolicy(mode);
    json(res, applied);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
  res.end(BODY);
});
server.keepAliveTimeout = 30000;

server.listen(0, '127.0.0.1', () => {
  if (!deferred) applied = applyPolicy(mode);
  const { port } = server.address();
  process.stdout.write(JSON.stringify({ port, node: process.version, deferred, ...(applied ?? { mode }) }) + '\n');
});
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
setTimeout(stop, 10 * 60 * 1000).unref();
