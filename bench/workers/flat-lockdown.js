'use strict';
/**
 * A control for the start-up section, not a way to lock down: the default lockdown's steps
 * written out in one file, with none of the package's modules, so that the section can tell
 * what the steps themselves cost from what the package's structure costs (its modules, and
 * its general code for every other kind of lockdown).
 *
 *   node -e "require('bench/workers/flat-lockdown.js')(ADDON)"
 *
 * ADDON is the .node file the package would load (bench/run.js finds it as src/addon-path.ts
 * does); it is loaded as Node loads any addon.
 *
 * The steps, as src/sandbox.ts and src/loader.ts take them for `lockdown()` without options
 * and the program built into the package: the support check (libseccomp, /proc/self/status),
 * the build's data read and checked against the addon's constants, the timezone, the io_uring
 * rings (SQPOLL refused) and the filters already in force, the Landlock ABI, the child
 * processes (for signal scoping) and the threads' filters, the default isolation layer on
 * every thread, then the program with the violation report. Nothing is compiled or verified:
 * neither does the real default lockdown, whose program the build compiled and verified.
 * Throws where a step finds what would make the real lockdown refuse or compile instead.
 */
const fs = require('node:fs');
const path = require('node:path');

const lib = path.join(__dirname, '..', '..', 'lib');
const statusField = (text, field) => Number(new RegExp(`^${field}:\\s*(\\d+)`, 'm').exec(text)?.[1] ?? 0);

module.exports = function flatLockdown(addon) {
  const m = { exports: {} };
  process.dlopen(m, addon);
  const binding = m.exports;

  const info = binding.libraryInfo();
  if (!info.available || (info.apiLevel ?? 0) < 3) throw new Error(`unsupported: ${info.reason}`);
  if (!/^Seccomp:/m.test(fs.readFileSync('/proc/self/status', 'utf8'))) throw new Error('no seccomp');

  const file = JSON.parse(fs.readFileSync(path.join(lib, 'default-program.json'), 'utf8'));
  for (const table of ['constants', 'errnos']) {
    const built = file.fingerprint[table];
    const here = binding[table];
    if (Object.keys(built).length !== Object.keys(here).length || Object.keys(built).some((k) => built[k] !== here[k])) {
      throw new Error('the build data is for another platform');
    }
  }
  const data = file.program;
  if (data.pidSites.length > 0 || data.ambiguousPids.includes(process.pid)) throw new Error('the program needs per-pid work');
  const program = Buffer.from(data.program, 'base64');

  new Date().getTimezoneOffset();

  const rings = [];
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try { if (fs.readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:[io_uring]') rings.push(fd); } catch { /* closed */ }
  }
  for (const fd of rings) {
    const thread = /^SqThread:\s*(-?\d+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
    if (thread && Number(thread[1]) !== -1) throw new Error('SQPOLL ring');
  }
  if (statusField(fs.readFileSync('/proc/self/status', 'utf8'), 'Seccomp_filters') !== 0) throw new Error('filters in force');

  const abi = binding.landlockAbi().abi;
  const tids = fs.readdirSync('/proc/self/task');
  let children = 0;
  for (const tid of tids) {
    try { children += fs.readFileSync(`/proc/self/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).length; } catch { /* ended */ }
  }
  const counts = new Set();
  for (const tid of tids) {
    try { counts.add(statusField(fs.readFileSync(`/proc/self/task/${tid}/status`, 'utf8'), 'Seccomp_filters')); } catch { /* ended */ }
  }
  if (counts.size > 1) throw new Error('threads differ');
  // The default isolation on ABI 6 and later: signals and abstract Unix sockets scoped (none
  // of the file system or network handled), on every thread.
  if (abi >= 6) {
    const SCOPE_ABSTRACT_UNIX_SOCKET = 1;
    const SCOPE_SIGNAL = 2;
    binding.applyLandlock({ handledFs: 0, handledNet: 0, scoped: SCOPE_ABSTRACT_UNIX_SOCKET | (children > 0 ? 0 : SCOPE_SIGNAL),
      paths: [], ports: [], threads: 'every', timeoutMs: 5000 });
  }

  binding.loadProgram(program, { tsync: true, report: true, syscallNames: data.syscallNames, syscallHints: data.syscallHints });
};
