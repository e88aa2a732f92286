// A program to learn a policy from: an HTTP server that serves a few requests from a client
// in the same process, then exits.
//
//   seccomp-node learn --out server.policy -- node examples/learn-server.js
//   seccomp-node run --policy server.policy -- node examples/learn-server.js
//   seccomp-node run --policy server.policy -- node examples/learn-server.js --log out.log
//
// The last one is killed by SIGSYS: writing a file is something the learning run never did.
'use strict';
const http = require('node:http');
const fs = require('node:fs');

const server = http.createServer((req, res) => {
  if (req.url === '/file') fs.readFile(__filename, (err, data) => res.end(err ? 'error' : `${data.length} bytes`));
  else res.end(`hello ${req.url}`);
});

const get = (port, path) => new Promise((resolve, reject) => {
  http.get({ host: '127.0.0.1', port, path }, (res) => {
    let body = '';
    res.on('data', (d) => { body += d; });
    res.on('end', () => resolve(body));
  }).on('error', reject);
});

server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  const answers = [];
  for (const path of ['/', '/file', '/a', '/file', '/b']) answers.push(await get(port, path));
  const log = process.argv.indexOf('--log');
  if (log > 0) fs.writeFileSync(process.argv[log + 1], `${answers.join('\n')}\n`);
  console.log(answers.join(', '));
  server.close();
});
