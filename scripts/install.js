#!/usr/bin/env node
// npm "install" hook. seccomp is Linux-only: elsewhere there is nothing to build, and
// installing must still succeed (the package then reports isSupported() === false).
// On Linux, node-gyp-build uses a matching prebuild from prebuilds/ or builds from source.
'use strict';
const { spawnSync } = require('node:child_process');

if (process.platform !== 'linux') {
  console.log(`seccomp-node: ${process.platform} has no seccomp; skipping the native build`);
  process.exit(0);
}
const bin = require.resolve('node-gyp-build/bin.js');
const result = spawnSync(process.execPath, [bin], { stdio: 'inherit' });
process.exit(result.status ?? 1);
