/**
 * Learn leaves out what seccomp-node itself does: status()'s /proc reads while in-process
 * learning watches (bracketed by the library's marker calls, src/own-calls.ts), and
 * libseccomp's strict-mode probe (answered with EINVAL, never allowed). From logs first,
 * then on real programs under strace, with the learned policies loaded in children and
 * checked both ways.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ARCH_TOKENS } from '../../src/arch';
import { decodeAction, runFilter } from '../../src/bpf/emulator';
import { learnCommand, learnFromTrace, readPreviousPolicy } from '../../src/learn';
import { compileFor, exportBpf } from '../../src/verified-program';
import { binding } from '../../src/native';
import type { Policy } from '../../src/policy';
import { bindSelfPid } from '../../src/self-pid';
import { syscallNumber } from '../../src/syscalls';
import { findStrace } from '../../src/learn/strace';
import { describe as describeChild, PACKAGE_ROOT, runChild } from '../helpers/child';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'seccomp-node.js');
const AT_FDCWD = '0xffffff9c';
const O_DIRECTORY_READ = `0x${(binding!.constants.O_DIRECTORY | binding!.constants.O_CLOEXEC).toString(16)}`;
let dir = '';

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-learn-own-'));
});

/** What the compiled policy does with one call on x86_64: 'allow', 'kill-process', 'errno 22'... */
function verdictOf(policy: Policy, name: string, ...args: bigint[]): string {
  const program = exportBpf(compileFor(bindSelfPid(policy, 4242), { arch: 'x86_64', report: false }));
  const { action, data } = decodeAction(runFilter(program, { nr: syscallNumber(name, 'x86_64')!, arch: ARCH_TOKENS.x86_64, args }));
  return action === 'errno' ? `errno ${data}` : action;
}

const EINVAL = binding!.errnos.EINVAL;

/** The findings in a learned policy's "# Review:" header, each joined back into one line. */
function reviewOf(text: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('# Review:'));
  if (start < 0) return [];
  const found: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('#     ')) found[found.length - 1] += ` ${line.slice('#     '.length)}`;
    else if (line.startsWith('#   ')) found.push(line.slice('#   '.length));
    else break;
  }
  return found;
}

describe('from strace logs', () => {
  // Thread 100 calls status() (its reads between the markers); thread 101 lists a directory itself.
  const TRACE = [
    `100  close(0x7fffffff)                 = -1 EBADF (Bad file descriptor)`,
    `100  openat(${AT_FDCWD}, "/proc/self/status", O_RDONLY|O_CLOEXEC) = 23`,
    `101  openat(${AT_FDCWD}, "/srv/data", O_RDONLY|O_CLOEXEC|O_DIRECTORY) = 24`,
    `100  read(0x17, 0x7f0000001000, 0x1000) = 0x400`,
    `100  openat(${AT_FDCWD}, "/proc/self/fd", O_RDONLY|O_CLOEXEC|O_DIRECTORY) = 25`,
    `100  getdents64(0x19, 0x7f0000002000, 0x8000) = 0x60`,
    `101  getdents64(0x18, 0x7f0000003000, 0x8000) = 0x60`,
    `100  readlink(0x7f0000004000, 0x7f0000005000, 0xfff) = 0x10`,
    `100  close(0x7ffffffe)                 = -1 EBADF (Bad file descriptor)`,
    `100  seccomp(0, 0x1, 0)                = -1 EINVAL (Invalid argument)`,
    `100  seccomp(0x2, 0, 0x7ffe35d6c45c)   = 0`,
    `100  write(0x1, 0x7f0000006000, 0x5)   = 5`,
  ].join('\n');

  it('calls between a thread\'s markers are left out; the same calls by another thread are kept', () => {
    const r = learnFromTrace(TRACE, { mode: 'process', groups: [] });
    const o = r.observations;
    expect(o.syscalls.has('readlink')).toBe(false);
    expect(o.syscalls.get('getdents64')?.count).toBe(1); // thread 101's
    expect(o.syscalls.get('openat')?.count).toBe(1);
    expect(o.syscalls.has('close')).toBe(false); // the markers themselves
    expect(o.syscalls.get('read')).toBeUndefined();
    expect(r.text).toMatch(/^getdents64: 1/m);
    expect(r.text).not.toMatch(/^readlink: /m);
  });

  it('libseccomp\'s strict-mode probe is answered with EINVAL, never allowed; with @node, @node answers it', () => {
    const strict = learnFromTrace(TRACE, { mode: 'exec', groups: [] });
    expect(strict.text).toMatch(/^seccomp: arg0 == SECCOMP_SET_MODE_STRICT => errno EINVAL {2}# 1 call$/m);
    expect(verdictOf(strict.policy, 'seccomp', 0n, 1n, 0n)).toBe(`errno ${EINVAL}`);
    expect(verdictOf(strict.policy, 'seccomp', 0n, 0n, 0n)).toBe(`errno ${EINVAL}`); // strict mode is never entered
    expect(verdictOf(strict.policy, 'seccomp', 2n, 0n, 0x7ffe35d6c45cn)).toBe('allow'); // what was really used
    const withNode = learnFromTrace(TRACE, { mode: 'exec', groups: ['@node'] });
    expect(withNode.partialGroups).toEqual({}); // @node whole: its rule refuses nothing the program did
    expect(withNode.text).not.toContain('SECCOMP_SET_MODE_STRICT');
    expect(withNode.text.split('\n').filter((l) => /^[a-z_0-9]+: /.test(l)).length).toBeLessThan(10);
  });

  it('a merged run keeps the answer to the probe, once', () => {
    const first = learnFromTrace(TRACE, { mode: 'exec', groups: [] });
    const file = path.join(dir, 'probe.policy');
    fs.writeFileSync(file, first.text);
    expect(readPreviousPolicy(file, 'x86_64').kept).toEqual([]);
    const merged = learnFromTrace('200  write(0x1, 0x7f0000006000, 0x5) = 5\n', { mode: 'exec', groups: [], merge: file });
    expect(merged.text.match(/SECCOMP_SET_MODE_STRICT => errno EINVAL/g)).toHaveLength(1);
  });
});

describe('on real programs', () => {
  beforeAll(() => { findStrace(); });

  it('in-process: status() during learning adds nothing, still works after the lockdown, and what the program never did is killed', async () => {
    const learnModule = JSON.stringify(path.join(PACKAGE_ROOT, 'lib', 'learn'));
    const body = (afterwards: string) => `
      const fs = require('fs');
      const { learn } = require(${learnModule});
      const own = /^(openat|readlink|getdents64|open): /m;
      const first = await learn.start();
      for (let i = 0; i < 3; i++) seccomp.sandbox.status();
      const quiet = await first.stop();
      // the same reads made by the program itself are learned
      const second = await learn.start();
      fs.readdirSync('/proc/self/fd').forEach((fd) => { try { fs.readlinkSync('/proc/self/fd/' + fd); } catch {} });
      const busy = await second.stop();
      report({ quiet: own.test(quiet.text), partial: quiet.partialGroups, busy: ['getdents64', 'readlink'].map((n) => new RegExp('^' + n + ': ', 'm').test(busy.text)) });
      seccomp.sandbox.lockdown({ policy: quiet.policy });
      report(seccomp.sandbox.status().locked);
      ${afterwards}`;
    const ok = await runChild(body(''));
    expect(ok.code, describeChild(ok)).toBe(0);
    expect(ok.reports).toEqual([{ quiet: false, partial: {}, busy: [true, true] }, true]);
    const forbidden = await runChild(body("fs.readdirSync('/proc/self/fd');"));
    expect(forbidden.signal, describeChild(forbidden)).toBe('SIGSYS');
    expect(forbidden.violation?.syscall).toMatch(/^(openat|getdents64)$/);
  });

  it('in-process: the runtime\'s one-time reads (glibc\'s overcommit setting, abseil\'s CPU probes) are made before strace watches, not learned', async () => {
    // A lockdown under a learned policy makes them before its filter (a compiled program allows
    // none of them), so they never happen under it. Here they are provoked inside the window:
    // learning must see nothing of them, because start() made them already.
    const learnModule = JSON.stringify(path.join(PACKAGE_ROOT, 'lib', 'learn'));
    const r = await runChild(`
      const { learn } = require(${learnModule});
      const addon = require(seccomp.sandbox.status().addon);
      const session = await learn.start();
      addon.primeLibc();
      addon.primeRuntime();
      const { text } = await session.stop();
      report(text.split('\\n').filter((line) => /^(openat|open|read): /.test(line)));`);
    expect(r.code, describeChild(r)).toBe(0);
    expect(r.reports).toEqual([[]]);
  });

  it('exec: a Node program using seccomp-node gets @node whole, and runs again under the learned policy', async () => {
    const program = path.join(dir, 'uses-seccomp-node.js');
    fs.writeFileSync(program, `
      const { sandbox } = require(${JSON.stringify(PACKAGE_ROOT)});
      console.log(sandbox.isSupported());
      if (process.argv[2] === 'mkdir') require('fs').mkdirSync(__dirname + '/never');`);
    const r = await learnCommand(process.execPath, [program], { cwd: dir });
    expect(r.exit).toMatchObject({ code: 0 });
    expect(r.observations.probes.get('seccomp')).toBe(1); // the probe was seen, and set aside
    expect(r.partialGroups).toEqual({});
    expect(r.groups).toContain('@node');
    expect(r.text).not.toMatch(/^seccomp: .*SECCOMP_SET_MODE_STRICT/m);
    const policy = path.join(dir, 'uses-seccomp-node.policy');
    fs.writeFileSync(policy, r.text);
    const again = spawnSync(process.execPath, [BIN, 'run', '--policy', policy, '--', process.execPath, program], { cwd: dir, encoding: 'utf8', input: '' });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe('true');
    // The header's review lists exactly what `seccomp-node check` says about the file.
    const check = spawnSync(process.execPath, [BIN, 'check', policy], { cwd: dir, encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    const checked = [...check.stderr.matchAll(/: ((?:warning|note): .*)$/gm)].map((m) => m[1]);
    expect(checked.length).toBeGreaterThan(0);
    expect(reviewOf(r.text)).toEqual([...new Set(checked)]);
    const mkdir = spawnSync(process.execPath, [BIN, 'run', '--policy', policy, '--', process.execPath, program, 'mkdir'], { cwd: dir, encoding: 'utf8', input: '' });
    expect(mkdir.signal).toBe('SIGSYS');
    expect(fs.existsSync(path.join(dir, 'never'))).toBe(false);
  });
});
