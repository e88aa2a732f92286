/**
 * The kernel's syscall tables (src/syscall-tables.ts): names resolve whatever libseccomp is
 * installed, libseccomp is handed numbers, and filters for another architecture stay right.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe as group, expect, it } from 'vitest';
import { ARCH_TOKENS, byteOrderOf, nativeArch, type ArchName } from '../src/arch';
import { decodeAction, runFilter } from '../src/bpf/emulator';
import { parseProgram } from '../src/bpf/program';
import { compile } from '../src/compiler';
import { SeccompError } from '../src/errors';
import { expandEntries, groups } from '../src/groups';
import { exportBpf, exportPfc } from '../src/verified-program';
import { binding } from '../src/native';
import type { Policy } from '../src/policy';
import { KERNEL_VERSION } from '../src/syscall-tables';
import { decodeSyscallTable, resolveSyscall, syscallName, syscallNames, syscallNumber, syscallTable } from '../src/syscalls';
import { describe, PACKAGE_ROOT, runChild } from './helpers/child';
import { PROBES } from './helpers/probes';

const NR_UNKNOWN = -1;
/** Calls newer than Debian 12's libseccomp 2.5.4 (whose table ends at futex_requeue, 456). */
const NEWER_THAN_LIBSECCOMP = ['mseal', 'statmount'];

function thrown(fn: () => unknown): SeccompError {
  try { fn(); } catch (error) { return error as SeccompError; }
  throw new Error('expected a throw');
}

group('the tables', () => {
  it('hold the kernel ABI: numbers per architecture, x32 with its bit, ARM private calls', () => {
    expect(syscallNumber('read', 'x86_64')).toBe(0);
    expect(syscallNumber('mseal', 'x86_64')).toBe(462);
    expect(syscallNumber('mseal', 'aarch64')).toBe(462);
    expect(syscallNumber('openat', 'aarch64')).toBe(56);
    expect(syscallNumber('open', 'aarch64')).toBeUndefined();
    expect(syscallNumber('read', 'x32')).toBe(0x40000000);
    expect(syscallNumber('rt_sigaction', 'x32')).toBe(0x40000000 + 512); // x32's own entry, not x86_64's 13
    expect(syscallNumber('socketcall', 'i386')).toBe(102);
    expect(syscallNumber('cacheflush', 'arm')).toBe(0xf0002);
    expect(syscallName(0xf0002, 'arm')).toBe('cacheflush');
    expect(syscallTable('x32')[512]).toBe('rt_sigaction'); // indexed without the x32 bit
    expect(syscallNumber('toString', 'x86_64')).toBeUndefined(); // no prototype leaks
  });

  it('name the kernel they come from, in the generated file and its header', () => {
    const text = fs.readFileSync(path.join(PACKAGE_ROOT, 'src', 'syscall-tables.ts'), 'utf8');
    expect(KERNEL_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(text).toContain(`from the syscall tables of Linux ${KERNEL_VERSION}`);
    expect(fs.readFileSync(path.join(PACKAGE_ROOT, 'scripts', 'syscall-tables.js'), 'utf8')).toContain(`Linux ${KERNEL_VERSION}`);
  });

  // Where the kernel and libseccomp legitimately differ. libseccomp gives the socket and IPC
  // calls of multiplexing architectures pseudo numbers (it adds the direct call and the
  // socketcall/ipc form itself), and 2.5.4 misses map_shadow_stack on x32 although the
  // kernel's table lists it as common. x86_64 and aarch64 have none.
  const MULTIPLEXED = ['socket', 'bind', 'connect', 'listen', 'accept', 'accept4', 'getsockname', 'getpeername',
    'socketpair', 'send', 'sendto', 'recv', 'recvfrom', 'shutdown', 'setsockopt', 'getsockopt', 'sendmsg', 'recvmsg',
    'recvmmsg', 'sendmmsg', 'semop', 'semtimedop', 'semget', 'semctl', 'shmget', 'shmctl', 'shmat', 'shmdt',
    'msgget', 'msgsnd', 'msgrcv', 'msgctl'];
  const EXCEPTIONS: Record<ArchName, string[]> = {
    x86_64: [], aarch64: [], arm: [], riscv64: [], x32: ['map_shadow_stack'],
    i386: MULTIPLEXED, ppc64le: MULTIPLEXED, s390x: MULTIPLEXED,
  };

  it.each(Object.keys(ARCH_TOKENS) as ArchName[])('agree with libseccomp on %s wherever libseccomp knows a name', (arch) => {
    const token = ARCH_TOKENS[arch];
    const disagreements: string[] = [];
    let known = 0;
    for (const name of syscallNames(arch)) {
      const theirs = binding!.resolveSyscall(name, token);
      if (theirs === NR_UNKNOWN) continue; // newer than this libseccomp: the point of the tables
      known++;
      if (theirs !== syscallNumber(name, arch) && !EXCEPTIONS[arch].includes(name)) {
        disagreements.push(`${name}: kernel ${syscallNumber(name, arch)}, libseccomp ${theirs}`);
      }
    }
    // ...and libseccomp knows no call of this architecture that the tables lack.
    const ours = syscallTable(arch);
    binding!.syscallNames(token, 1024).forEach((name, nr) => {
      if (name !== null && ours[nr] !== name) disagreements.push(`${name}: libseccomp ${nr}, kernel ${syscallNumber(name, arch)}`);
    });
    expect(disagreements).toEqual([]);
    expect(known).toBeGreaterThan(250);
  });

  it('cover every name in the built-in groups and profiles', () => {
    const names = Object.keys(groups()).flatMap((g) => expandEntries([g]).map((r) => r.syscall));
    expect(names.filter((name) => !(['x86_64', 'aarch64'] as ArchName[]).some((a) => syscallNumber(name, a) !== undefined))).toEqual([]);
  });
});

group('resolving names', () => {
  it('resolves calls newer than the installed libseccomp', () => {
    for (const name of NEWER_THAN_LIBSECCOMP) {
      expect(binding!.resolveSyscall(name)).toBe(NR_UNKNOWN); // the premise: this libseccomp lacks them
      expect(resolveSyscall(name, nativeArch())).toMatchObject({ kind: 'present', nr: syscallNumber(name, nativeArch()) });
    }
  });

  it('still refuses unknown names with a coded error and a suggestion from the tables', () => {
    const e = thrown(() => resolveSyscall('mseel', 'x86_64'));
    expect(e.code).toBe('ERR_SECCOMP_UNKNOWN_SYSCALL');
    expect(e.message).toMatch(/unknown system call "mseel"; did you mean "mseal"\?/);
    expect(e.details).toMatchObject({ syscall: 'mseel', suggestion: 'mseal' });
    // A name that exists only elsewhere is not an error, and a typo of one is suggested.
    expect(resolveSyscall('open', 'aarch64')).toEqual({ kind: 'elsewhere', arches: ['x86_64', 'i386', 'x32', 'arm', 'ppc64le', 's390x'] });
    expect(thrown(() => resolveSyscall('socketcal', 'aarch64')).details).toMatchObject({ suggestion: 'socketcall' });
  });
});

group('filters on the real kernel', () => {
  // A Node process in a tight policy, then the call itself with harmless arguments (mseal of
  // an empty range; statmount of a NULL request): allowed, the call returns its own error;
  // not allowed, the process dies of SIGSYS and the violation line names the call.
  // Numbers are looked up before the lockdown, which forbids reading more modules.
  const calls = `[probes.rawSyscall('native', numbers.mseal, 0, 0, 0).code, probes.rawSyscall('native', numbers.statmount, 0, 0, 0, 0).code]`;
  const numbers = `const numbers = { mseal: nr('mseal'), statmount: nr('statmount') };`;

  it('allows mseal and statmount when the policy names them', async () => {
    const r = await runChild(`${PROBES} ${numbers}
      seccomp.sandbox.lockdown({ allow: ['@node', ${NEWER_THAN_LIBSECCOMP.map((n) => `'${n}'`).join(', ')}] });
      report(${calls});
    `);
    expect(r.code, describe(r)).toBe(0);
    expect(r.reports[0]).toEqual([null, 'EFAULT']); // mseal of nothing succeeds
  });

  it.each(NEWER_THAN_LIBSECCOMP)('kills the process on %s when the policy does not name it', async (name) => {
    const r = await runChild(`${PROBES} ${numbers}
      seccomp.sandbox.lockdown({ allow: ['@node', ${NEWER_THAN_LIBSECCOMP.filter((n) => n !== name).map((n) => `'${n}'`).join(', ')}] });
      report(${calls});
    `);
    expect(r.signal, describe(r)).toBe('SIGSYS');
    expect(r.reports).toEqual([]);
    expect(r.violation).toMatchObject({ syscall: name, nr: syscallNumber(name, nativeArch()) });
  });
});

group('filters for another architecture', () => {
  const allowed = ['read', 'openat', 'mseal', 'statmount', 'listns', 'futex_wake'];
  const policy: Policy = {
    defaultAction: { errno: 'ENOSYS' },
    rules: [
      ...allowed.map((syscall) => ({ syscall, action: 'allow' as const })),
      { syscall: 'open', action: 'allow' }, // x86_64 only: skipped on aarch64
      { syscall: 'file_getattr', action: { errno: 'EPERM' }, conditions: [{ arg: 4, op: 'eq', value: '0' }] },
    ],
  };
  const verdict = (program: Buffer, arch: ArchName, name: string, args: bigint[] = [0n, 0n, 0n, 0n, 0n, 0n]) =>
    decodeAction(runFilter(program, { nr: syscallNumber(name, arch)!, arch: ARCH_TOKENS[arch], args }));

  it.each([
    ['x86_64', 2], ['x86_64', 1], ['aarch64', 2], ['aarch64', 1],
  ] as [ArchName, 1 | 2][])('%s (layout %i): every call of the table gets the policy\'s verdict', (arch, optimize) => {
    const compiled = compile(policy, { arch, report: false, optimize });
    const program = exportBpf(compiled);
    const expected = (name: string) =>
      allowed.includes(name) || (name === 'open' && arch === 'x86_64') ? 'allow' : name === 'file_getattr' ? 'errno EPERM' : 'errno ENOSYS';
    const wrong = syscallNames(arch).filter((name) => {
      const { action, data } = verdict(program, arch, name);
      const seen = action === 'errno' ? `errno ${data === 1 ? 'EPERM' : data === 38 ? 'ENOSYS' : data}` : action;
      return seen !== expected(name);
    });
    expect(wrong).toEqual([]);
    expect(verdict(program, arch, 'file_getattr', [0n, 0n, 0n, 0n, 1n, 0n])).toMatchObject({ action: 'errno', data: 38 });
  });

  it('hands a foreign filter the calls libseccomp cannot name under stand-ins, renumbered in the export', () => {
    const arch: ArchName = nativeArch() === 'aarch64' ? 'x86_64' : 'aarch64';
    const compiled = compile(policy, { arch, report: false, optimize: 2 });
    const standins = compiled.standins.map((s) => s.syscall).sort();
    expect(standins).toEqual(['file_getattr', 'listns', 'mseal', 'statmount']);
    expect(compiled.spec.optimize).toBe(1); // equality tests only, so the renumbering is exact
    const program = exportBpf(compiled);
    for (const s of compiled.standins) {
      // The stand-in's own number is not in the policy: it gets the default action.
      expect(decodeAction(runFilter(program, { nr: s.standinNr, arch: ARCH_TOKENS[arch], args: [0n, 0n, 0n, 0n, 0n, 0n] })))
        .toMatchObject({ action: 'errno', data: 38 });
    }
    const pfc = exportPfc(compiled);
    expect(pfc).toContain(`filter for syscall "mseal" (462)`);
    expect(pfc).toContain('$syscall == 462');
    for (const s of compiled.standins) expect(pfc).not.toContain(`$syscall == ${s.standinNr}\n`);
    // Natively libseccomp takes the numbers as they are: no stand-ins.
    expect(compile(policy, { arch: nativeArch(), report: false, optimize: 2 }).standins).toEqual([]);
  });

  it.each(['i386', 'ppc64le', 's390x'] as const)('%s: a rule on socket governs the direct call; socketcall is a call of its own', (arch) => {
    // libseccomp would add socketcall(SYS_SOCKET) for such a rule with its first argument
    // overwritten, so `socket: arg0 == AF_UNIX` would allow every family through socketcall.
    const AF_UNIX = 1n;
    const AF_INET = 2n;
    const SYS_SOCKET = 1n;
    const policy: Policy = { defaultAction: 'kill-process', rules: [{ syscall: 'socket', action: 'allow', conditions: [{ arg: 0, op: 'eq', value: '1' }] }] };
    const program = exportBpf(compile(policy, { arch, report: false, optimize: 2 }));
    const instructions = parseProgram(program, byteOrderOf(ARCH_TOKENS[arch])); // s390x's is big-endian
    const verdict = (name: string, args: bigint[]) =>
      decodeAction(runFilter(instructions, { nr: syscallNumber(name, arch)!, arch: ARCH_TOKENS[arch], args })).action;
    expect(verdict('socket', [AF_UNIX, 1n, 0n])).toBe('allow');
    expect(verdict('socket', [AF_INET, 1n, 0n])).toBe('kill-process');
    expect(verdict('socketcall', [SYS_SOCKET, 0x1000n])).toBe('kill-process');
  });

  it('compiles for a big-endian architecture (s390x) too', () => {
    expect(() => exportBpf(compile(policy, { arch: 's390x', report: false, optimize: 2 }))).not.toThrow();
  });
});

group('scripts/syscall-tables.js', () => {
  it('reads each architecture\'s ABI columns from a kernel tree', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-node-kernel-'));
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), text);
    };
    write('Makefile', 'VERSION = 7\nPATCHLEVEL = 1\nSUBLEVEL = 2\nEXTRAVERSION =\nNAME = Test\n');
    write('arch/x86/entry/syscalls/syscall_64.tbl', '# comment\n0\tcommon\tread\tsys_read\n13\t64\trt_sigaction\tsys_rt_sigaction\n512\tx32\trt_sigaction\tcompat_sys_rt_sigaction\n');
    write('arch/x86/entry/syscalls/syscall_32.tbl', '3\ti386\tread\tsys_read\n102\ti386\tsocketcall\tsys_socketcall\n');
    write('scripts/syscall.tbl', '63\tcommon\tread\tsys_read\n79\tstat64\tfstatat64\tsys_fstatat64\n79\t64\tnewfstatat\tsys_newfstatat\n' +
      '258\triscv\triscv_hwprobe\tsys_riscv_hwprobe\n447\tmemfd_secret\tmemfd_secret\tsys_memfd_secret\n');
    write('arch/arm64/kernel/Makefile.syscalls', 'syscall_abis_64 += renameat rlimit memfd_secret\n');
    write('arch/riscv/kernel/Makefile.syscalls', 'syscall_abis_64 += riscv rlimit memfd_secret\n');
    write('arch/arm/tools/syscall.tbl', '3\tcommon\tread\tsys_read\n90\toabi\tmmap\tsys_old_mmap\n');
    write('arch/arm/include/uapi/asm/unistd.h', '#define __ARM_NR_BASE\t\t\t(__NR_SYSCALL_BASE+0x0f0000)\n#define __ARM_NR_cacheflush\t\t(__ARM_NR_BASE+2)\n');
    write('arch/powerpc/kernel/syscalls/syscall.tbl', '3\tcommon\tread\tsys_read\n19\t32\tlseek\tsys_lseek\n19\t64\tlseek\tsys_lseek\n363\tspu\tswitch_endian\tsys_ni_syscall\n');
    write('arch/s390/kernel/syscalls/syscall.tbl', '3\tcommon\tread\tsys_read\n');
    const out = path.join(root, 'tables.ts');
    execFileSync(process.execPath, [path.join(PACKAGE_ROOT, 'scripts', 'syscall-tables.js'), '--kernel', root, '--out', out]);
    const text = fs.readFileSync(out, 'utf8');
    const tables = new Function('exports', text.replace(/export const (\w+)(: [^=]+)? =/g, 'exports.$1 =').replace(/\/\*[\s\S]*?\*\//, ''));
    const exported: { KERNEL_VERSION?: string; SYSCALL_TABLES?: Record<string, string> } = {};
    tables(exported);
    expect(exported.KERNEL_VERSION).toBe('7.1.2');
    const decoded = Object.fromEntries(Object.entries(exported.SYSCALL_TABLES ?? {})
      .map(([arch, text]) => [arch, Object.fromEntries(decodeSyscallTable(text))]));
    expect(decoded).toEqual({
      x86_64: { read: 0, rt_sigaction: 13 },
      x32: { read: 0x40000000, rt_sigaction: 0x40000200 },
      i386: { read: 3, socketcall: 102 },
      aarch64: { read: 63, newfstatat: 79, memfd_secret: 447 },
      arm: { read: 3, cacheflush: 0xf0002 },
      riscv64: { read: 63, newfstatat: 79, riscv_hwprobe: 258, memfd_secret: 447 },
      ppc64le: { read: 3, lseek: 19 },
      s390x: { read: 3 },
    });
    fs.rmSync(root, { recursive: true, force: true });
  });
});
