/**
 * Learn mode without running anything: strace logs in, policies out. Each generated policy
 * is compiled and its BPF program run in the emulator, so "allows exactly what was seen"
 * is checked on the filter itself: what the log shows is allowed, its neighbours are not.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARCH_TOKENS } from '../../src/arch';
import { decodeAction, runFilter } from '../../src/bpf/emulator';
import { binding } from '../../src/native';
import { compileFor, exportBpf } from '../../src/verified-program';
import { bindSelfPid } from '../../src/self-pid';
import type { Policy } from '../../src/policy';
import { parsePolicy } from '../../src/policy-file';
import { syscallNumber } from '../../src/syscalls';
import { buildPolicy, emptyObservations, learnFromTrace, observe, parseStrace, readPreviousPolicy } from '../../src/learn';
import { mergeObservations, record } from '../../src/learn/observations';

const C = binding!.constants;
const hex = (n: number) => `0x${n.toString(16)}`;

/** What the compiled policy does with one call: 'allow', 'kill-process', or 'errno EPERM'. */
function verdictOf(policy: Policy, name: string, ...args: (number | bigint)[]): string {
  const program = exportBpf(compileFor(bindSelfPid(policy, 4242), { arch: 'x86_64', report: false }));
  const nr = syscallNumber(name, 'x86_64');
  if (nr === undefined) throw new Error(`no ${name}`);
  const { action, data } = decodeAction(runFilter(program, { nr, arch: ARCH_TOKENS.x86_64, args: args.map((a) => BigInt.asUintN(64, BigInt(a))) }));
  if (action !== 'errno') return action;
  return `errno ${Object.entries(binding!.errnos).find(([, v]) => v === data)?.[0] ?? data}`;
}

const THREAD = 0x3d0f00;
const FORK = 0x1200011;
const O_WRITE_NEW = C.O_WRONLY | C.O_CREAT | C.O_TRUNC;
const AT_FDCWD = 0xffffff9c;

const TRACE = [
  `100  execve(0x7ffc0000, 0x7ffc0100, 0x7ffc0200) = 0`,
  `100  brk(0)                            = 0x5000000`,
  `100  openat(${hex(AT_FDCWD)}, 0x7f0000001000, 0x80000, 0) = 0x3`,
  `100  openat(${hex(AT_FDCWD)}, 0x7f0000002000, ${hex(O_WRITE_NEW | C.O_CLOEXEC)}, 0x1b6) = 0x4`,
  `100  mmap(0, 0x1000, ${hex(C.PROT_READ | C.PROT_EXEC)}, 0x2, 0x3, 0) = 0x7f0000010000`,
  `100  mprotect(0x7f0000010000, 0x1000, ${hex(C.PROT_READ)}) = 0`,
  `100  clone3(0x7ffc0300, 0x58)      = -1 ENOSYS (Function not implemented) (INJECTED)`,
  `101  clone3(0x7ffc0300, 0x58 <unfinished ...>`,
  `100  getpid()                        = 0x64`,
  `101  <... clone3 resumed>)           = -1 ENOSYS (Function not implemented) (INJECTED)`,
  `100  clone(${hex(THREAD)}, 0x7f0000020000, 0x7f0000021000, 0x7f0000021000, 0x7f0000022000 <unfinished ...>`,
  `101  set_robust_list(0x7f0000021010, 0x18 <unfinished ...>`,
  `100  <... clone resumed>)              = 0x65`,
  `101  <... set_robust_list resumed>)    = 0`,
  `100  ioctl(0x1, ${hex(C.TCGETS)}, 0x7ffc0400) = -1 ENOTTY (Inappropriate ioctl for device)`,
  `100  socket(${hex(C.AF_INET)}, ${hex(C.SOCK_STREAM | C.SOCK_NONBLOCK | C.SOCK_CLOEXEC)}, 0) = 0x5`,
  `100  rt_sigaction(${hex(C.SIGINT)}, 0x7ffc0500, 0, 0x8) = 0`,
  `100  prctl(${hex(C.PR_SET_NAME)}, 0x7ffc0600, 0, 0, 0) = 0`,
  `101  restart_syscall(<... resuming interrupted futex ...>) = 0`,
  `100  syscall_0x3e7(0x1)               = -1 ENOSYS (Function not implemented)`,
  `101  exit(0)                           = ?`,
  `101  +++ exited with 0 +++`,
  `100  exit_group(0)                     = ?`,
  `100  +++ exited with 0 +++`,
].join('\n');

describe('parseStrace and observe', () => {
  it('reads calls, arguments, injected answers and notes; skips the starting execve', () => {
    const trace = parseStrace(TRACE);
    expect(trace.pids).toEqual(new Set([100, 101]));
    const clone = trace.calls.find((c) => c.name === 'clone')!;
    expect(clone.args[0]).toBe(BigInt(THREAD));
    expect(trace.calls.find((c) => c.name === 'clone3')!.injected).toBe(true);
    expect(trace.calls.find((c) => c.name === 'restart_syscall')!.args).toEqual([undefined]);
    expect(trace.unparsed).toEqual([]);

    const o = observe(trace, { arch: 'x86_64', skipFirstExecveOf: 100 });
    expect(o.syscalls.has('execve')).toBe(false);
    expect(o.notes.join()).toMatch(/execve that starts the program/);
    // injected, also when strace printed the call in two parts
    expect(o.syscalls.get('clone3')).toMatchObject({ count: 0, injected: 2 });
    expect([...o.syscalls.get('openat')!.classes.keys()].sort()).toEqual(['0', String(O_WRITE_NEW)].sort());
    expect([...o.syscalls.get('clone')!.classes.keys()]).toEqual(['thread']);
    expect([...o.syscalls.get('socket')!.classes.keys()]).toEqual([`${C.AF_INET}/${C.SOCK_STREAM}`]);
    expect(o.syscalls.get('brk')!.any).toBe(true);
    expect(o.unknown.get('syscall_0x3e7')).toBe(1);
    expect(o.threads).toBe(2);
  });
});

describe('the learned policy', () => {
  const learned = learnFromTrace(TRACE, { command: ['demo', '--flag'], groups: [] });
  const p = learned.policy;

  it('is a commented policy file that parses to itself', () => {
    expect(learned.text).toMatch(/^# Learned by seccomp-node learn/);
    expect(learned.text).toMatch(/^# run: demo --flag {2}\(/m);
    expect(learned.text).toContain('# Use: seccomp-node run --policy THIS_FILE -- demo --flag');
    expect(learned.text).toContain('openat: arg2 & O_ACCMODE|O_CREAT|O_TRUNC == O_RDONLY || arg2 & O_ACCMODE|O_CREAT|O_TRUNC == O_WRONLY|O_CREAT|O_TRUNC  # 2 calls');
    expect(learned.text).toContain('ioctl: arg1 == TCGETS; return ENOTTY  # 1 call');
    expect(learned.text).toContain('clone3: return ENOSYS  # 2 calls while learning');
    expect(learned.text).toMatch(/names libseccomp does not know on x86_64: syscall_0x3e7/);
    expect(parsePolicy(learned.text)).toEqual(p);
  });

  it('allows exactly the classes seen, as the compiled filter shows', () => {
    expect(verdictOf(p, 'brk', 0)).toBe('allow');
    expect(verdictOf(p, 'execve', 0)).toBe('kill-process');
    expect(verdictOf(p, 'ptrace', 0)).toBe('kill-process');
    // open modes
    expect(verdictOf(p, 'openat', AT_FDCWD, 0, C.O_RDONLY | C.O_CLOEXEC)).toBe('allow');
    expect(verdictOf(p, 'openat', AT_FDCWD, 0, O_WRITE_NEW)).toBe('allow');
    expect(verdictOf(p, 'openat', AT_FDCWD, 0, C.O_RDWR)).toBe('kill-process');
    expect(verdictOf(p, 'openat', AT_FDCWD, 0, C.O_WRONLY | C.O_APPEND)).toBe('kill-process');
    // threads, not processes
    expect(verdictOf(p, 'clone', THREAD)).toBe('allow');
    expect(verdictOf(p, 'clone', FORK)).toBe('kill-process');
    expect(verdictOf(p, 'clone', THREAD | C.CLONE_NEWUSER)).toBe('kill-process');
    expect(verdictOf(p, 'clone3', 0)).toBe('errno ENOSYS');
    expect(verdictOf(p, 'io_uring_setup', 8, 0)).toBe('errno ENOSYS');
    // ioctl: the request seen; others are "not a terminal"
    expect(verdictOf(p, 'ioctl', 1, C.TCGETS)).toBe('allow');
    expect(verdictOf(p, 'ioctl', 0, C.TIOCSTI)).toBe('errno ENOTTY');
    // socket: the family and type seen; other types killed, other families unsupported
    expect(verdictOf(p, 'socket', C.AF_INET, C.SOCK_STREAM | C.SOCK_CLOEXEC)).toBe('allow');
    expect(verdictOf(p, 'socket', C.AF_INET, C.SOCK_RAW)).toBe('kill-process');
    expect(verdictOf(p, 'socket', C.AF_NETLINK, C.SOCK_DGRAM)).toBe('errno EAFNOSUPPORT');
    // memory: executable mappings were seen for mmap, not for mprotect
    expect(verdictOf(p, 'mmap', 0, 4096, C.PROT_READ | C.PROT_EXEC)).toBe('allow');
    expect(verdictOf(p, 'mmap', 0, 4096, C.PROT_READ)).toBe('kill-process');
    expect(verdictOf(p, 'mprotect', 0, 4096, C.PROT_READ)).toBe('allow');
    expect(verdictOf(p, 'mprotect', 0, 4096, C.PROT_READ | C.PROT_EXEC)).toBe('kill-process');
    // signals: replacing the SIGSYS handler fails, as under @node
    expect(verdictOf(p, 'rt_sigaction', C.SIGINT, 0x1000)).toBe('allow');
    expect(verdictOf(p, 'rt_sigaction', C.SIGSYS, 0)).toBe('kill-process');
    expect(verdictOf(p, 'rt_sigaction', C.SIGSYS, 0x1000)).toBe('errno EPERM');
    // prctl: the option seen; others EPERM
    expect(verdictOf(p, 'prctl', C.PR_SET_NAME)).toBe('allow');
    expect(verdictOf(p, 'prctl', C.PR_SET_DUMPABLE, 1)).toBe('errno EPERM');
  });

  it('with the @node baseline, @node is a line and only what it lacks is listed', () => {
    const withNode = learnFromTrace(TRACE, { command: ['node', 'x.js'] });
    expect(withNode.groups).toEqual(['@node']);
    expect(withNode.text).toMatch(/^@node$/m);
    expect(withNode.text).not.toMatch(/^brk:/m);
    expect(withNode.text).toMatch(/^openat: /m);
    expect(withNode.text).toMatch(/^socket: /m);
    expect(verdictOf(withNode.policy, 'sched_yield')).toBe('allow');
    expect(verdictOf(withNode.policy, 'clone', FORK)).toBe('kill-process');
  });
});

describe('groups', () => {
  it('a group is written as @group only when it is a subset of what was seen', () => {
    const o = emptyObservations('x86_64');
    for (const name of ['kill', 'tkill', 'tgkill', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo', 'pidfd_send_signal']) record(o, name, []);
    const all = buildPolicy(o, { mode: 'exec', runs: ['test'], groups: [] });
    expect(all.groups).toEqual(['@signal']);
    expect(all.text).toMatch(/^# @signal: everything it allows was seen \(6 calls\)\n@signal$/m);
    expect(all.text).not.toMatch(/^kill:/m);
    o.syscalls.delete('pidfd_send_signal');
    const most = buildPolicy(o, { mode: 'exec', runs: ['test'], groups: [] });
    expect(most.groups).toEqual([]);
    expect(most.text).toMatch(/^# --- from @signal \(5 of its 6 calls were seen\)/m);
    expect(most.text).toMatch(/^kill: 1 {2}# 1 call$/m);
  });

  it('conditional group rules count only when every class they allow was seen', () => {
    const o = emptyObservations('x86_64');
    const calls = ['connect', 'getsockname', 'getpeername', 'getsockopt', 'setsockopt', 'shutdown', 'sendto', 'sendmsg', 'sendmmsg',
      'recvfrom', 'recvmsg', 'recvmmsg'];
    for (const name of calls) record(o, name, []);
    record(o, 'socketpair', [BigInt(C.AF_UNIX)]);
    for (const family of [C.AF_UNIX, C.AF_INET, C.AF_INET6]) {
      record(o, 'socket', [BigInt(family), BigInt(C.SOCK_STREAM)]);
    }
    expect(buildPolicy(o, { mode: 'exec', runs: ['t'], groups: [] }).groups).toEqual([]);
    for (const family of [C.AF_UNIX, C.AF_INET, C.AF_INET6]) record(o, 'socket', [BigInt(family), BigInt(C.SOCK_DGRAM)]);
    const net = buildPolicy(o, { mode: 'exec', runs: ['t'], groups: [] });
    expect(net.groups).toEqual(['@net-client']);
    // a netlink socket: @net-client would refuse it (EAFNOSUPPORT), so it is not used
    record(o, 'socket', [BigInt(C.AF_NETLINK), BigInt(C.SOCK_RAW)]);
    const netlink = buildPolicy(o, { mode: 'exec', runs: ['t'], groups: [] });
    expect(netlink.groups).toEqual([]);
    expect(verdictOf(netlink.policy, 'socket', C.AF_NETLINK, C.SOCK_RAW)).toBe('allow');
  });

  it('a group asked for that would refuse an observed call is written without that call', () => {
    const o = emptyObservations('x86_64');
    record(o, 'read', []);
    record(o, 'ioctl', [0n, BigInt(C.TIOCSPGRP)]); // not among @node's requests
    const r = buildPolicy(o, { mode: 'exec', runs: ['t'], groups: ['@node'] });
    expect(r.partialGroups).toEqual({ '@node': ['ioctl'] });
    expect(r.text).toMatch(/# @node, asked for, except ioctl/);
    expect(r.text).toMatch(/^ioctl: arg1 == TIOCSPGRP; return ENOTTY {2}# 1 call$/m);
    expect(verdictOf(r.policy, 'ioctl', 0, C.TIOCSPGRP)).toBe('allow');
    expect(verdictOf(r.policy, 'ioctl', 0, C.TCGETS)).toBe('errno ENOTTY');
    expect(verdictOf(r.policy, 'futex', 0)).toBe('allow'); // the rest of @node
    expect(() => buildPolicy(o, { mode: 'exec', runs: ['t'], groups: ['@nope'] })).toThrow(/unknown group "@nope"/);
  });

  it('in-process policies also let the process end', () => {
    const o = emptyObservations('x86_64');
    record(o, 'read', []);
    const r = buildPolicy(o, { mode: 'process', runs: ['t'], groups: [] });
    expect(r.text).toMatch(/^exit_group: 1$/m);
    expect(r.text).toContain('# Use: sandbox.lockdown({ policy: THIS_FILE })');
  });
});

describe('--merge', () => {
  it('reads a learned policy back, adds a run, keeps hand-written rules and groups', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-learn-'));
    const file = path.join(dir, 'app.policy');
    const first = learnFromTrace(TRACE, { command: ['demo'], groups: [] });
    fs.writeFileSync(file, `${first.text}\n# added by hand\nptrace: return EPERM\n@dns\n`);
    const previous = readPreviousPolicy(file, 'x86_64');
    expect(previous.groups).toEqual(['@dns']);
    expect(previous.kept).toEqual([{ syscall: 'ptrace', action: { errno: 'EPERM' } }]);
    expect(previous.runs).toHaveLength(1);
    expect([...previous.observations.syscalls.get('ioctl')!.classes.keys()]).toEqual([String(C.TCGETS)]);

    const second = [
      `200  execve(0x7ffc0000, 0x7ffc0100, 0x7ffc0200) = 0`,
      `200  ioctl(0x1, ${hex(C.TIOCGWINSZ)}, 0x7ffc0400) = 0`,
      `200  clone(${hex(FORK)}, 0, 0, 0, 0) = 0xc9`,
      `200  wait4(0xc9, 0, 0, 0) = 0xc9`,
    ].join('\n');
    const merged = learnFromTrace(second, { command: ['demo', 'again'], merge: file, groups: [] });
    expect(merged.text.match(/^# run: /gm)).toHaveLength(2);
    expect(merged.text).toMatch(/^ioctl: arg1 == TCGETS \|\| arg1 == TIOCGWINSZ; return ENOTTY {2}# 1 call, also earlier runs$/m);
    expect(merged.text.match(/^clone3: return ENOSYS/gm)).toHaveLength(1);
    expect(merged.text).toMatch(/^@dns$/m);
    expect(merged.text).toMatch(/kept from app\.policy[\s\S]*^ptrace: return EPERM$/m);
    const p = merged.policy;
    expect(verdictOf(p, 'ioctl', 1, C.TCGETS)).toBe('allow');
    expect(verdictOf(p, 'ioctl', 1, C.TIOCGWINSZ)).toBe('allow');
    expect(verdictOf(p, 'clone', THREAD)).toBe('allow');
    expect(verdictOf(p, 'clone', FORK)).toBe('allow');
    expect(verdictOf(p, 'wait4', 0)).toBe('allow');
    expect(verdictOf(p, 'openat', AT_FDCWD, 0, O_WRITE_NEW)).toBe('allow');
    expect(verdictOf(p, 'ptrace', 0)).toBe('errno EPERM');
    expect(verdictOf(p, 'execve', 0)).toBe('kill-process');
  });

  it('mergeObservations adds counts and joins classes', () => {
    const a = emptyObservations('x86_64');
    const b = emptyObservations('x86_64');
    record(a, 'openat', [0n, 0n, 0n]);
    record(b, 'openat', [0n, 0n, 0n]);
    record(b, 'openat', [0n, 0n, BigInt(O_WRITE_NEW)]);
    const m = mergeObservations(a, b);
    expect(m.syscalls.get('openat')!.count).toBe(3);
    expect(m.syscalls.get('openat')!.classes.get('0')!.count).toBe(2);
  });
});
