#!/usr/bin/env node
// Proves the prebuild works on its own: builds this machine's with scripts/prebuilds.js, then
// runs the suite with PREBUILDS_ONLY=1 so the addon lookup (src/addon-path.ts, node-gyp-build's
// order) ignores build/Release.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const run = (cmd, args, env = {}) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env: { ...process.env, ...env } });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run(process.execPath, ['scripts/prebuilds.js', '--arch', process.arch]);
const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
const files = fs.readdirSync(dir);
console.log(`seccomp-node: prebuilds/${path.basename(dir)}: ${files.join(', ')}`);
run(process.execPath, ['node_modules/vitest/vitest.mjs', 'run'], { PREBUILDS_ONLY: '1' });
