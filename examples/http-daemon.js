// A small HTTP daemon that locks itself down after startup.
//
//   node examples/http-daemon.js        (or: npm run demo, which drives it)
//
// GET /          -> a greeting, served under the filter
// GET /file      -> reads this file from disk (fs on the thread pool)
// GET /exec      -> tries to run `id`: the filter stops it and the process dies by SIGSYS
'use strict';
const http = require('node:http');
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const { sandbox } = require('..');

const server = http.createServer((req, res) => {
  if (req.url === '/file') {
    fs.readFile(__filename, 'utf8', (err, text) => res.end(err ? `error: ${err.code}\n` : `${text.split('\n')[0]}\n`));
  } else if (req.url === '/exec') {
    res.end(execFileSync('id', { encoding: 'utf8' })); // never returns: process creation is forbidden
  } else {
    res.end('hello from a sandboxed daemon\n');
  }
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  // Startup is done: config read, port bound. From here on, the default daemon profile.
  const { record } = sandbox.lockdown();
  const { port } = server.address();
  console.log(`listening on http://127.0.0.1:${port} (locked down: ${record.instructions} BPF instructions)`);
});
