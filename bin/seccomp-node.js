#!/usr/bin/env node
'use strict';
const status = require('../lib/cli/index.js').main(process.argv.slice(2));
if (typeof status === 'number') process.exitCode = status;
else status.then((code) => { process.exitCode = code; });
