/**
 * The exec pin: exec-time loads (seccomp-node run, sandbox.spawn) allow the one execve that
 * starts the program by its path's address, and that allowance stays in the program's
 * filter. The address must be one the program cannot know: a fresh read-only mapping at a
 * random address holding only the exec's path, argv and envp, never the launcher's heap,
 * whose layout a program can learn or, with ASLR off, predict.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe as group, expect, it } from 'vitest';
import { describe, PACKAGE_ROOT, runChild } from './helpers/child';
import { unsanitizedEnv } from './helpers/unsanitized-env';
import { PROBES_ADDON } from './helpers/probes';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'seccomp-node.js');
let dir = '';
let policy = '';

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-exec-pin-'));
  policy = path.join(dir, 'target.policy');
  fs.writeFileSync(policy, '@node\n@exec-start\n');
});

group('the exec image', () => {
  it('is a read-only mapping of its own at a fresh address, holding the path; the previous one is gone', async () => {
    const r = await runChild(`
      const fs = require('fs');
      const { binding } = require(${JSON.stringify(path.join(PACKAGE_ROOT, 'lib', 'native'))});
      const mappingOf = (address) => fs.readFileSync('/proc/self/maps', 'utf8').split('\\n').filter(Boolean).map((line) => {
        const [range, perms, , , , name = ''] = line.trim().split(/\\s+/);
        const [start, end] = range.split('-').map((h) => BigInt('0x' + h));
        return { start, end, perms, name };
      }).find((m) => m.start <= address && address < m.end);
      const describe = (address) => {
        const m = mappingOf(address);
        if (!m) return { address: address.toString(16), mapped: false };
        // what is stored at the address (read through /proc/self/mem)
        const bytes = Buffer.alloc(32);
        const fd = fs.openSync('/proc/self/mem', 'r');
        fs.readSync(fd, bytes, 0, 32, address);
        fs.closeSync(fd);
        return { address: address.toString(16), mapped: true, perms: m.perms, name: m.name,
          pages: Number((m.end - m.start) / 4096n), path: bytes.subarray(0, bytes.indexOf(0)).toString() };
      };
      const first = binding.prepareExec('/bin/echo', ['echo', 'one'], ['A=1'], []);
      const before = describe(first);
      const second = binding.prepareExec('/bin/true', ['true'], [], []);
      report({ first: before, second: describe(second), firstAfter: describe(first) });
    `);
    expect(r.code, describe(r)).toBe(0);
    const { first, second, firstAfter } = r.reports[0] as Record<string, Record<string, unknown>>;
    // not the heap, not shared with anything else: an anonymous mapping of a page or two
    expect(first).toMatchObject({ mapped: true, perms: 'r--p', name: '', path: '/bin/echo' });
    expect(first.pages).toBeLessThanOrEqual(2);
    expect(second).toMatchObject({ mapped: true, perms: 'r--p', name: '', path: '/bin/true' });
    expect(second.address).not.toBe(first.address);
    expect(firstAfter).toMatchObject({ mapped: false });
  });
});

/**
 * Starts `seccomp-node run` with ASLR off under strace; returns the address the pinned execve
 * used. Without test:asan's preload: the target maps fixed addresses, which ASan's shadow
 * memory may hold.
 */
function startWithAslrOff(script: string, env: NodeJS.ProcessEnv) {
  const trace = path.join(dir, `trace-${Math.random().toString(16).slice(2)}`);
  const r = spawnSync('setarch', [os.machine(), '-R', 'strace', '-f', '-qq', '-e', 'trace=execve', '-e', 'raw=execve', '-o', trace,
    process.execPath, BIN, 'run', '--policy', policy, '--', process.execPath, '-e', script], { encoding: 'utf8', env: { ...unsanitizedEnv(), ...env } });
  // the last successful execve of the launcher is the pinned one; the target's own comes after it
  const execs = fs.readFileSync(trace, 'utf8').split('\n').filter((l) => /execve\(0x[0-9a-f]+,.*\) = 0$/.test(l));
  const pinned = /execve\((0x[0-9a-f]+),/.exec(execs[execs.length - 1] ?? '')?.[1];
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, pinned, trace: fs.readFileSync(trace, 'utf8') };
}

group('a program started under a policy cannot reuse the pinned execve', () => {
  // The target is handed, in PINNED, the address pinned when the same command started
  // before with ASLR off: everything about the launcher's layout that a program could
  // learn or predict. It maps that address, writes /bin/echo there and execs it.
  const TARGET = `
    const probes = require(${JSON.stringify(PROBES_ADDON)});
    const pinned = BigInt(process.env.PINNED);
    if (pinned === 0n) process.exit(0);
    console.log(JSON.stringify(probes.execAt(pinned, '/bin/echo', ['echo', 'escaped'])));
  `.replace(/\n\s*/g, ' ');
  const DUMMY = `0x${'0'.repeat(12)}`; // the same length as an address, for identical starts

  it('with ASLR off, every start pins a different address, and the one of a previous start kills', () => {
    const first = startWithAslrOff(TARGET, { PINNED: DUMMY });
    expect(first.status, first.stderr).toBe(0);
    expect(first.pinned).toMatch(/^0x[0-9a-f]+$/);
    const seen = [first.pinned];
    let previous = first.pinned!;
    for (let i = 0; i < 3; i++) {
      const next = startWithAslrOff(TARGET, { PINNED: `0x${previous.slice(2).padStart(12, '0')}` });
      expect(next.stdout).not.toContain('escaped');
      expect(next.signal, next.stderr).toBe('SIGSYS');
      // it died at that execve, from the address it was handed (no other call failed)
      const attempt = next.trace.split('\n').find((l) => l.includes(`execve(${previous},`));
      expect(attempt, next.trace).toBeDefined();
      expect(attempt).not.toMatch(/ = 0$/);
      expect(next.trace).toMatch(/^\d+\s+\+\+\+ killed by SIGSYS \+\+\+$/m);
      expect(seen).not.toContain(next.pinned);
      seen.push(next.pinned);
      previous = next.pinned!;
    }
  });

  it('the probe itself execs from any address it maps, without a filter', () => {
    const r = spawnSync(process.execPath, ['-e', `
      const probes = require(${JSON.stringify(PROBES_ADDON)});
      probes.execAt(0x5a5a5a5a5000n, '/bin/echo', ['echo', 'escaped']); // above ASan's shadow, for test:asan
    `], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('escaped\n');
  });
});
