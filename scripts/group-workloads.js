#!/usr/bin/env node
// The workloads the built-in groups were drawn from, run by scripts/check-groups.js under
// strace on each Node version. Each is a small, real use of one part of the runtime.
//
//   node scripts/group-workloads.js daemon|spawner DIR   sets up (its files in DIR), applies the workload's groups
//      with lockdown({ defaultAction: 'log' }) (so the groups' errno answers are real, and
//      nothing is killed), prints "ready", waits for a line on stdin (strace attaches
//      meanwhile), runs, prints "done"
//   node scripts/group-workloads.js startup          Node's own startup and a little work,
//      for tracing from exec
//
// Everything stays on this machine: servers listen on 127.0.0.1 or a Unix socket in a
// temporary directory, the DNS "server" is a local UDP socket, and every wait is bounded.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** Groups (and extra calls) each workload is meant to need, after its lockdown point. */
const WORKLOAD_GROUPS = {
  // the default daemon profile (policies/profiles/daemon.policy)
  daemon: ['@node', '@fs-read', '@fs-write', '@net-server', '@dns', '@signal'],
  // a daemon that starts helpers (as in test/spawn.test.ts); a forked child's IPC channel
  // needs recvmsg and sendmsg
  spawner: ['@node', '@process', '@exec-start', '@fs-read', 'recvmsg', 'sendmsg'],
  // from execve: what seccomp-node run and sandbox.spawn need for a Node program
  startup: ['@exec-start', '@node'],
};

const within = (ms, what, promise) => Promise.race([promise, new Promise((_, reject) => {
  setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms).unref();
})]);

async function http(tmp) {
  const httpModule = require('node:http');
  const server = httpModule.createServer((req, res) => {
    if (req.url === '/file') fs.createReadStream(path.join(tmp, 'data.txt')).pipe(res);
    else res.end(`hello ${req.url}`);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  const get = (agent, url) => new Promise((ok, fail) => {
    httpModule.get({ host: '127.0.0.1', port, path: url, agent }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; }).on('end', () => ok(body));
    }).on('error', fail);
  });
  const keepAlive = new httpModule.Agent({ keepAlive: true, maxSockets: 4 });
  for (let round = 0; round < 5; round++) {
    await Promise.all(Array.from({ length: 20 }, (_, i) => get(i % 2 ? keepAlive : false, i % 5 ? `/r${i}` : '/file')));
  }
  keepAlive.destroy();
  await new Promise((ok) => server.close(ok));
}

async function fsOnThePool(tmp) {
  const fsp = fs.promises;
  const dir = path.join(tmp, 'pool');
  await fsp.mkdir(dir);
  await Promise.all(Array.from({ length: 16 }, async (_, i) => {
    const file = path.join(dir, `f${i}`);
    await fsp.writeFile(file, 'x'.repeat(4096));
    await fsp.appendFile(file, 'y');
    await fsp.stat(file);
    await fsp.readFile(file);
    await fsp.rename(file, `${file}.moved`);
  }));
  await fsp.readdir(dir);
  const watcher = fs.watch(dir);
  const changed = new Promise((ok) => watcher.once('change', ok));
  await fsp.writeFile(path.join(dir, 'watched'), 'w');
  await within(10_000, 'fs.watch', changed);
  watcher.close();
  await fsp.rm(dir, { recursive: true });
}

async function crypto() {
  const c = require('node:crypto');
  const { promisify } = require('node:util');
  c.randomBytes(32);
  c.randomUUID();
  await promisify(c.randomBytes)(64);
  await promisify(c.pbkdf2)('secret', 'salt', 1000, 32, 'sha256');
  await promisify(c.scrypt)('secret', 'salt', 32);
  c.createHash('sha256').update('x').digest('hex');
  const key = c.randomBytes(16);
  const iv = c.randomBytes(12);
  c.createCipheriv('aes-128-gcm', key, iv).update('text');
  await promisify(c.generateKeyPair)('ec', { namedCurve: 'P-256' });
  await c.webcrypto.subtle.digest('SHA-256', Buffer.from('x'));
  require('node:tls').createSecureContext();
}

async function zlib() {
  const z = require('node:zlib');
  const { promisify } = require('node:util');
  const data = Buffer.from('compress me '.repeat(2000));
  z.gunzipSync(z.gzipSync(data));
  await promisify(z.gunzip)(await promisify(z.gzip)(data));
  await promisify(z.brotliDecompress)(await promisify(z.brotliCompress)(data));
}

async function worker() {
  const { Worker } = require('node:worker_threads');
  const w = new Worker('require("node:worker_threads").parentPort.postMessage(require("node:crypto").createHash("sha1").update("w").digest("hex"))', { eval: true });
  await within(30_000, 'Worker', new Promise((ok, fail) => w.once('message', ok).once('error', fail)));
  await w.terminate();
}

async function dns() {
  const d = require('node:dns');
  const dgram = require('node:dgram');
  await d.promises.lookup('localhost');
  // c-ares: a query to a local UDP "server" that never answers
  const quiet = dgram.createSocket('udp4');
  await new Promise((ok) => quiet.bind(0, '127.0.0.1', ok));
  const resolver = new d.promises.Resolver({ timeout: 200, tries: 1 });
  resolver.setServers([`127.0.0.1:${quiet.address().port}`]);
  await resolver.resolve4('example.invalid').catch(() => {});
  quiet.close();
}

async function sockets(tmp) {
  const net = require('node:net');
  const dgram = require('node:dgram');
  const unix = path.join(tmp, 'sock');
  const server = net.createServer((s) => s.end('unix'));
  await new Promise((ok) => server.listen(unix, ok));
  await new Promise((ok, fail) => net.connect(unix).on('data', ok).on('error', fail));
  await new Promise((ok) => server.close(ok));
  const a = dgram.createSocket('udp4');
  const b = dgram.createSocket('udp4');
  await new Promise((ok) => b.bind(0, '127.0.0.1', ok));
  const got = new Promise((ok) => b.once('message', ok));
  a.send('ping', b.address().port, '127.0.0.1');
  await within(10_000, 'UDP', got);
  a.close();
  b.close();
}

async function daemon(tmp) {
  await http(tmp);
  await fsOnThePool(tmp);
  await crypto();
  await zlib();
  await worker();
  await dns();
  await sockets(tmp);
  await new Promise((ok) => setTimeout(ok, 20));
  process.kill(process.pid, 0);
}

async function spawner(tmp) {
  const cp = require('node:child_process');
  const ended = (child) => within(30_000, 'child process', new Promise((ok) => child.on('close', ok)));
  await ended(cp.spawn('/bin/true'));
  await new Promise((ok, fail) => cp.execFile('/bin/sh', ['-c', 'echo hi'], (error, out) => (error ? fail(error) : ok(out))));
  cp.spawnSync('/bin/true');
  const forked = cp.fork(path.join(tmp, 'child.js'));
  await within(30_000, 'fork', new Promise((ok) => forked.once('message', ok)));
  await ended(forked);
}

async function startup() {
  fs.readFileSync(__filename);
  await new Promise((ok) => setTimeout(ok, 10));
  await new Promise((ok) => setImmediate(ok));
}

async function main() {
  const name = process.argv[2];
  if (!WORKLOAD_GROUPS[name]) throw new Error(`unknown workload ${name}; one of ${Object.keys(WORKLOAD_GROUPS).join(', ')}`);
  if (name === 'startup') return startup();
  // A directory of its own, made and removed by the caller: the spawner's groups may not
  // write files, and the clean-up is no part of any workload.
  const tmp = process.argv[3];
  if (!tmp || !fs.statSync(tmp).isDirectory()) throw new Error('give a directory for the workload\'s files');
  fs.writeFileSync(path.join(tmp, 'data.txt'), 'data\n'.repeat(1000));
  fs.writeFileSync(path.join(tmp, 'child.js'), 'process.send("hi", () => process.disconnect())');
  const { sandbox } = require(path.resolve(__dirname, '..'));
  // 'log' instead of a kill: every call the groups do not allow still runs (and strace sees
  // it), while the groups' errno answers (clone3, io_uring_setup...) are given as in use.
  sandbox.lockdown({ allow: WORKLOAD_GROUPS[name], defaultAction: 'log', report: false });
  process.stdout.write('ready\n');
  await within(30_000, 'the go line', new Promise((ok) => process.stdin.once('data', ok)));
  process.stdin.pause();
  await (name === 'daemon' ? daemon(tmp) : spawner(tmp));
  process.stdout.write('done\n');
}

module.exports = { WORKLOAD_GROUPS };
if (require.main === module) {
  main().then(() => process.exit(0), (error) => {
    process.stderr.write(`group-workloads: ${error.stack}\n`);
    process.exit(1);
  });
}
