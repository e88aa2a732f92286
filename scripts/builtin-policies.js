#!/usr/bin/env node
'use strict';
/**
 * Parses the built-in groups and profiles (policies/) into lib/builtin-policies.json, which
 * the package loads instead of running the policy parser at every start
 * (src/builtin-policies.ts). Run by `npm run build` after tsc, and by the test suite's
 * global setup. The policy files stay the source of truth: the file is an artefact of the
 * build in lib/, never committed, and test/builtin-policies.test.ts fails when it and a
 * fresh parse differ.
 *
 * With them goes the default lockdown's program, compiled and verified from those definitions
 * into lib/default-program.json (src/default-program.ts), so that `lockdown()` need not
 * compile it at every start.
 *
 * Without the native addon (not built yet, or not Linux) there are no constants to parse
 * with: the files are removed, and the package parses the policies at run time. Where
 * libseccomp cannot compile (too old, missing), no program is written, and lockdown
 * compiles at run time.
 */
const fs = require('node:fs');
const path = require('node:path');

const lib = path.resolve(__dirname, '..', 'lib');
const { BUILTIN_DATA_FILE, parseBuiltins } = require(path.join(lib, 'builtin-policies.js'));
const { DEFAULT_PROGRAM_FILE, buildDefaultProgram, defaultProgramFile } = require(path.join(lib, 'default-program.js'));
const { binding, loadError } = require(path.join(lib, 'native.js'));

/** Written whole or not at all: a reader never sees half a file. */
function writeWhole(file, value) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value) + '\n');
  fs.renameSync(tmp, file);
}

fs.rmSync(BUILTIN_DATA_FILE, { force: true });
fs.rmSync(DEFAULT_PROGRAM_FILE, { force: true });
if (!binding) {
  process.stderr.write(`builtin-policies: not written (${loadError}); the policies are parsed at run time\n`);
  process.exit(0);
}
const data = parseBuiltins();
const { lockdownPolicy } = require(path.join(lib, 'sandbox.js'));
const { checkSupport } = require(path.join(lib, 'loader.js'));
if (checkSupport().supported) {
  // The policy files are parsed here (the data file is gone), exactly as `data` was made.
  writeWhole(DEFAULT_PROGRAM_FILE, defaultProgramFile(buildDefaultProgram(lockdownPolicy({}).policy)));
} else {
  process.stderr.write(`builtin-policies: no default program (${checkSupport().reason}); lockdown compiles it at run time\n`);
}
writeWhole(BUILTIN_DATA_FILE, data);
