// Fault injection: does a small Node program survive system calls that fail?
//
//   node examples/chaos-demo.js          runs the program below four times, each time with one
//                                        system call failing, and prints what happened
//   node examples/chaos-demo.js app      just runs the program
//
// The same from the command line:
//   seccomp-node chaos --each --timeout 10000 --fail write=EIO --fail openat=EIO \
//     --fail connect=ECONNREFUSED --fail getrandom=EIO -- node examples/chaos-demo.js app
'use strict';

function app() {
  const fs = require('node:fs');
  const net = require('node:net');
  const crypto = require('node:crypto');
  // Reads its configuration, falling back to defaults.
  let config;
  try {
    config = `${fs.readFileSync(__filename, 'utf8').length} bytes of configuration`;
  } catch (error) {
    config = `defaults (could not read the configuration: ${error.code})`;
  }
  console.log(`config: ${config}`);
  console.log(`request id: ${crypto.randomBytes(8).toString('hex')}`);
  // Talks to a server (here its own): a refused connection is reported, with exit status 1.
  const server = net.createServer((socket) => socket.end('pong')).listen(0, '127.0.0.1', () => {
    const client = net.connect(server.address().port, '127.0.0.1');
    client.on('data', (data) => { console.log(`server said: ${data}`); server.close(); });
    client.on('error', (error) => {
      console.log(`server unreachable: ${error.code}`);
      server.close();
      process.exitCode = 1;
    });
  });
}

if (process.argv[2] === 'app') {
  app();
} else {
  // seccomp-node/testing in an installed package
  const { runChaos, addFaultArgument } = require('../lib/testing');
  const faults = ['write=EIO', 'openat=EIO', 'connect=ECONNREFUSED', 'getrandom=EIO'];
  const rows = [];
  // "Hung" can only be decided by a clock. The program needs well under a second to finish
  // (about one on two loaded cores), so ten seconds leave a margin a busy machine does not use
  // up: only a program that really never ends is called hung.
  const timeoutMs = 10_000;
  for (const fault of faults) {
    const r = runChaos(process.execPath, [__filename, 'app'], { fail: addFaultArgument({}, fault), timeoutMs, stdio: 'pipe' });
    rows.push([fault, r.description]);
    const output = `${r.stdout}${r.stderr}`.trim().split('\n').filter(Boolean);
    console.log(`--fail ${fault}: the program ${r.description}`);
    for (const line of output.slice(0, 4)) console.log(`    | ${line}`);
    if (output.length > 4) console.log(`    | ... (${output.length - 4} more lines)`);
  }
  console.log('\nsummary');
  const width = Math.max(...rows.map(([f]) => f.length));
  for (const [fault, description] of rows) console.log(`  ${fault.padEnd(width)}  ${description}`);
}
