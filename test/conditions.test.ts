/**
 * Argument conditions on a real kernel filter. Raw system calls let the test put whatever
 * it likes in the upper half of a register, as a libc (or an attacker) might.
 */
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { describe, runChild } from './helpers/child';
import { PROBES_ADDON } from './helpers/probes';

const NATIVE = JSON.stringify(path.resolve(__dirname, '..', 'lib', 'native'));
const ADDON = JSON.stringify(PROBES_ADDON);
const GARBAGE = '(0xdeadbeefn << 32n)';

it('int arguments match on their low 32 bits whatever the upper half holds; 64-bit ones on all bits', async () => {
  const r = await runChild(`
    const { binding } = require(${NATIVE});
    const probes = require(${ADDON});
    const nr = (n) => binding.resolveSyscall(n);
    const raw = (name, ...args) => probes.rawSyscall('native', nr(name), ...args).code;
    const { Filter, arg, arg64 } = seccomp;
    // Default allow: the rules only turn matching calls into EPERM, so nothing else changes.
    new Filter({ defaultAction: 'allow' })
      .errno('close', 'EPERM', arg(0).eq(-100))          // int fd: AT_FDCWD-like value
      .errno('dup', 'EPERM', arg(0).gt(1000))            // int: unsigned 32-bit range
      .errno('lseek', 'EPERM', arg(1).eq(5))             // off_t: 64-bit
      .errno('fcntl', 'EPERM', arg(0).eq(900), arg(1).ne(1)) // int cmd on fd 900: all but F_GETFD
      .load();
    report({
      closeZeroExtended: raw('close', 0xffffff9cn),
      closeSignExtended: raw('close', 0xffffffffffffff9cn),
      closeGarbage: raw('close', ${GARBAGE} | 0xffffff9cn),
      closeOther: raw('close', ${GARBAGE} | 0xffffff9dn),
      dupAbove: raw('dup', ${GARBAGE} | 2000n),
      dupBelow: raw('dup', ${GARBAGE} | 900n),
      lseekExact: raw('lseek', 900, 5n, 0),
      lseekUpperBits: raw('lseek', 900, (1n << 32n) | 5n, 0),
      fcntlGetfd: raw('fcntl', 900, ${GARBAGE} | 1n),
      fcntlGetfl: raw('fcntl', 900, ${GARBAGE} | 3n),
    });
  `);
  expect(r.code, describe(r)).toBe(0);
  expect(r.reports[0]).toEqual({
    closeZeroExtended: 'EPERM', closeSignExtended: 'EPERM', closeGarbage: 'EPERM', closeOther: 'EBADF',
    dupAbove: 'EPERM', dupBelow: 'EBADF',
    lseekExact: 'EPERM', lseekUpperBits: 'EBADF',
    fcntlGetfd: 'EBADF', fcntlGetfl: 'EPERM',
  });
});

it('masked-eq and several conditions in one rule (AND) and several rules (OR)', async () => {
  const r = await runChild(`
    const { binding } = require(${NATIVE});
    const probes = require(${ADDON});
    const raw = (name, ...args) => probes.rawSyscall('native', binding.resolveSyscall(name), ...args).code;
    const { Filter, arg, constants: k } = seccomp;
    new Filter({ defaultAction: 'allow' })
      .errno('socket', 'EACCES', arg(0).eq(k.AF_INET), arg(1).masked(0xf).eq(k.SOCK_RAW))
      .errno('socket', 'EACCES', arg(0).eq(k.AF_PACKET))
      .load();
    report({
      inetRaw: raw('socket', k.AF_INET, k.SOCK_RAW | k.SOCK_CLOEXEC, 1),
      inetStream: raw('socket', k.AF_INET, k.SOCK_STREAM, 0),
      packet: raw('socket', k.AF_PACKET, k.SOCK_DGRAM, 0),
    });
  `);
  expect(r.code, describe(r)).toBe(0);
  expect(r.reports[0]).toEqual({ inetRaw: 'EACCES', inetStream: null, packet: 'EACCES' });
});
