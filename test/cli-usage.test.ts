/**
 * The command line as a newcomer meets it, run as a separate process: group names without
 * the @, output into a pipe that closes early, Node's architecture names, what explain says
 * decided a call, the io_uring_enter finding, and exit statuses that tell a policy error
 * (1) from a command called wrongly or a file that cannot be read or written (2).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runFilter } from '../src/bpf/emulator';
import { Filter } from '../src/filter';
import { toOciProfile } from '../src/oci';
import { parsePolicy } from '../src/policy-file';
import { PACKAGE_ROOT } from './helpers/child';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'seccomp-node.js');
let dir = '';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'buffer', input: '' });
  return { status: r.status, signal: r.signal, stdout: r.stdout, out: r.stdout.toString(), err: r.stderr.toString() };
}

/** The command with its stdout's reader gone before it writes a byte: every write meets EPIPE. */
function cliIntoClosedPipe(...args: string[]): Promise<{ status: number | null; signal: NodeJS.Signals | null; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    // Closed right after the fork, long before the child's Node has started: no write can
    // reach a reader, whatever the machine's load.
    child.stdout.destroy();
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, err }));
  });
}

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-cli-usage-'));
  write('app.policy', ['# a small daemon', '@node', '@net-client', 'read: 1', 'write: arg0 == 1 || arg0 == 2', 'ptrace: return EPERM'].join('\n'));
  write('rings.policy', 'io_uring_setup: 1\nio_uring_enter: 1\n');
  write('broken.policy', 'read: 1\nwrite: arg0 === 1\n');
  write('sections.policy', '[arch aarch64]\nfsync: 1\n[arch *]\nread: 1\n');
});

describe('groups', () => {
  it('takes a group without its @, and shows each rule with its conditions and where it is written', () => {
    const r = cli('groups', 'net-client');
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/^@net-client: TCP, UDP/);
    expect(r.out).toMatch(/^ {2}socket: arg0 == 2 && arg1 & 0xf == 1 +# policies\/groups\/net-client\.policy:\d+$/m);
    expect(r.out).toMatch(/^ {2}socket: arg0 != 1 && arg0 != 2 && arg0 != 10 => errno EAFNOSUPPORT +# /m);
    expect(r.out).toMatch(/^ {2}connect: 1 +# /m);
    expect(cli('groups', '@net-client').out).toBe(r.out);
  });

  it('an unknown group is a usage error with a suggestion, not a crash', () => {
    const r = cli('groups', 'netclient');
    expect(r.status).toBe(2);
    expect(r.err).toContain('unknown group "netclient"; did you mean "@net-client"?');
    expect(r.err).not.toContain('TypeError');
  });
});

describe('output into a pipe whose reader has gone (seccomp-node groups | head)', () => {
  for (const args of [['groups'], ['dump', 'app.policy'], ['compile', '--format', 'json', '--pid', '1', 'app.policy'],
    ['explain', '--trace', 'app.policy', 'read'], ['check', 'app.policy'], ['--help']]) {
    it(`${args.join(' ')}: ends with its own status and no stack trace`, async () => {
      const r = await cliIntoClosedPipe(...args);
      expect(r.err).not.toMatch(/EPIPE|Unhandled|at .*\(node:/);
      expect(r.signal).toBe(null);
      expect(r.status).toBe(0);
    });
  }
});

describe('architectures by Node\'s names (process.arch)', () => {
  it('--arch arm64 and --arch x64 are aarch64 and x86_64', () => {
    const arm = cli('compile', '--arch', 'arm64', '--pid', '1', 'app.policy');
    expect(arm.status, arm.err).toBe(0);
    expect(arm.stdout.equals(cli('compile', '--arch', 'aarch64', '--pid', '1', 'app.policy').stdout)).toBe(true);
    // fsync is 82 on aarch64 and 74 on x86_64: the [arch aarch64] section applies to arm64 only
    expect(runFilter(cli('compile', '--arch', 'arm64', 'sections.policy').stdout, { nr: 82, arch: 0xc00000b7 })).toBe(0x7fff0000);
    expect(runFilter(cli('compile', '--arch', 'x64', 'sections.policy').stdout, { nr: 74, arch: 0xc000003e })).toBe(0x80000000);
    expect(cli('groups', '--arch', 'x64', 'signal').status).toBe(0);
    const explained = cli('explain', '--arch', 'arm64', 'app.policy', 'write', '1');
    expect(explained.out).toContain('write(1) on aarch64 (nr 64): ALLOW');
  });

  it('other tools\' names are suggested, as a usage error', () => {
    const r = cli('compile', '--arch', 'amd64', 'app.policy');
    expect(r.status).toBe(2);
    expect(r.err).toContain('unknown architecture "amd64"; did you mean "x86_64"?');
    expect(r.err).toContain('x86_64 (x64)');
  });

  it('the API takes them too: exportBpf, OCI export and import, policy files', () => {
    const filter = Filter.fromPolicy(parsePolicy('read: 1\nwrite: arg0 == 1\n'));
    expect(filter.exportBpf({ arch: 'arm64' }).equals(filter.exportBpf({ arch: 'aarch64' }))).toBe(true);
    expect(filter.exportBpf({ arch: 'x64' }).equals(filter.exportBpf({ arch: 'x86_64' }))).toBe(true);
    expect(toOciProfile(filter.toPolicy(), { arches: ['arm64', 'x64'] }).profile.architectures).toEqual(['SCMP_ARCH_AARCH64', 'SCMP_ARCH_X86_64']);
    expect(parsePolicy('[arch aarch64]\nfsync: 1\n', { arch: 'arm64' }).rules).toEqual([{ syscall: 'fsync', action: 'allow' }]);
    expect(parsePolicy('[arch arm64]\nfsync: 1\n[arch x64]\nread: 1\n', { arch: 'aarch64' }).rules).toEqual([{ syscall: 'fsync', action: 'allow' }]);
  });
});

describe('explain', () => {
  it('names the rule that decided, with its file and line (and the group file\'s line)', () => {
    const write1 = cli('explain', 'app.policy', 'write', '7');
    expect(write1.out).toContain('write(7) on x86_64 (nr 1): ALLOW');
    expect(write1.out).toMatch(/decided by app\.policy:2 \(@node, policies\/groups\/node\.policy:\d+\): write: 1/);
    const socket = cli('explain', 'app.policy', 'socket', 'AF_NETLINK', 'SOCK_RAW');
    expect(socket.out).toContain(': ERRNO(97)');
    expect(socket.out).toMatch(/decided by app\.policy:3 \(@net-client, policies\/groups\/net-client\.policy:\d+\): socket: arg0 != 1 /);
    expect(cli('explain', 'app.policy', 'ptrace').out).toContain('decided by app.policy:6: ptrace: return EPERM');
    expect(cli('explain', 'app.policy', 'mkdir').out).toContain('KILL_PROCESS\n  decided by the policy\'s default action');
  });

  it('suggests names for typos, as the API does, as a usage error', () => {
    const r = cli('explain', 'app.policy', 'sokcet', 'AF_INET');
    expect(r.status).toBe(2);
    expect(r.err).toContain('unknown system call "sokcet"; did you mean "socket"?');
    const constant = cli('explain', 'app.policy', 'socket', 'AF_INTE');
    expect(constant.status).toBe(2);
    expect(constant.err).toContain('did you mean "AF_INET"?');
  });
});

describe('check and io_uring_enter', () => {
  it('a policy that refuses io_uring_setup gets a note saying when io_uring_enter matters; one that allows rings, a warning', () => {
    const node = cli('check', 'app.policy');
    expect(node.status).toBe(0);
    expect(node.err).not.toMatch(/warning: allows io_uring_enter/);
    expect(node.err).toMatch(/app\.policy:2 \(@node, [^)]*\): note: allows io_uring_enter, which matters only where an io_uring ring already exists: this policy refuses io_uring_setup/);
    expect(node.err).toContain('An in-process lockdown on Node 22 and later keeps the rings Node opened at startup');
    const rings = cli('check', 'rings.policy');
    expect(rings.err).toMatch(/rings\.policy:2: warning: allows io_uring_enter: .* lets the process create rings/);
    expect(rings.err).toMatch(/rings\.policy:1: warning: allows io_uring_setup: creates io_uring rings/);
  });
});

describe('exit status: 1 for a policy error, 2 for how the command was called or a file', () => {
  it('a policy that cannot be read: 2, for every command that reads one', () => {
    for (const args of [['check', 'missing.policy'], ['compile', 'missing.policy'], ['dump', 'missing.policy'],
      ['explain', 'missing.policy', 'read'], ['run', '--policy', 'missing.policy', '--', '/bin/true']]) {
      const r = cli(...args);
      expect(r.status, `${args.join(' ')}: ${r.err}`).toBe(2);
      expect(r.err).toContain('cannot read policy file "missing.policy": ENOENT');
      expect(r.err).toContain('ERR_SECCOMP_POLICY_FILE');
    }
    // one unreadable file among good ones still says the command was not done as asked
    expect(cli('check', 'app.policy', 'missing.policy').status).toBe(2);
  });

  it('a policy that is wrong: 1', () => {
    expect(cli('check', 'broken.policy').status).toBe(1);
    expect(cli('compile', 'broken.policy').status).toBe(1);
  });

  it('an output file that cannot be written: 2, with the reason and no stack trace', () => {
    const r = cli('compile', '--out', path.join(dir, 'no-such-dir', 'app.bpf'), '--pid', '1', 'app.policy');
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/ENOENT/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
