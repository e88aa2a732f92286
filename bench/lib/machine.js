'use strict';
/** Busy CPU time of the whole machine so far, in ms (from /proc/stat), to see foreign load. */
const fs = require('node:fs');

function machineBusyMs() {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // all time minus idle, iowait, guest and guest_nice (already counted in user/nice)
    const busy = f.reduce((a, b) => a + b, 0) - f[3] - (f[4] || 0) - (f[8] || 0) - (f[9] || 0);
    return (busy * 1000) / 100; // /proc/stat counts in USER_HZ, which is 100 on Linux
  } catch {
    return NaN;
  }
}

module.exports = { machineBusyMs };
