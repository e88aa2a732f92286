// Runs examples/http-daemon.js, sends it a few requests, then asks it to exec a program
// and shows how the filter stops that: the report on stderr, death by SIGSYS.
'use strict';
const { spawn } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');

const get = (port, p) => new Promise((resolve, reject) => {
  http.get({ host: '127.0.0.1', port, path: p }, (res) => {
    let body = '';
    res.on('data', (d) => { body += d; });
    res.on('end', () => resolve(body));
  }).on('error', reject);
});

const daemon = spawn(process.execPath, [path.join(__dirname, 'http-daemon.js')], { stdio: ['ignore', 'pipe', 'pipe'] });
// Each line of the daemon's stderr, marked (the report is two lines, often in one chunk).
daemon.stderr.on('data', (d) => {
  for (const line of String(d).split('\n').filter(Boolean)) process.stdout.write(`[daemon stderr] ${line}\n`);
});
const ended = new Promise((resolve) => daemon.on('exit', (code, signal) => resolve({ code, signal })));

daemon.stdout.once('data', async (line) => {
  process.stdout.write(`[daemon] ${line}`);
  const port = Number(/:(\d+)/.exec(String(line))[1]);
  console.log('GET /      ->', (await get(port, '/')).trim());
  console.log('GET /file  ->', (await get(port, '/file')).trim());
  console.log('GET /exec  -> (the daemon tries to run `id`)');
  await get(port, '/exec').catch((err) => console.log(`             connection ended: ${err.code}`));
  const { code, signal } = await ended;
  console.log(`daemon ended: code=${code} signal=${signal}`);
  process.exitCode = signal === 'SIGSYS' ? 0 : 1;
});
