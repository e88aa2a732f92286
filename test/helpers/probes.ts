/**
 * The test-only native probes (test/native/probes.cc), for code that runs in a child:
 * `PROBES` is a snippet that defines `probes` (the addon), `nr(name)` (the native number, from
 * the kernel's tables, so calls newer than libseccomp have one) and
 * `raw(name, ...args)` (a raw system call), the way native code in a locked-down process
 * would make them.
 */
import * as path from 'node:path';

/** The probes addon, built by test/global-setup.ts. */
export const PROBES_ADDON = path.resolve(__dirname, '..', 'native', 'build', 'Release', 'seccomp_node_probes.node');

export const PROBES = `
  const probes = require(${JSON.stringify(PROBES_ADDON)});
  const nr = (name) => require(${JSON.stringify(path.resolve(__dirname, '..', '..', 'lib', 'syscalls'))})
    .syscallNumber(name, require(${JSON.stringify(path.resolve(__dirname, '..', '..', 'lib', 'arch'))}).nativeArch());
  const raw = (name, ...args) => probes.rawSyscall('native', nr(name), ...args);
`;
