/**
 * The seccomp-node command line, run as users run it: a separate process, exit statuses,
 * output. `run` loads real filters, always in that separate process.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runFilter } from '../src/bpf/emulator';
import { DOCKER_PROFILE, PACKAGE_ROOT, reportLine, runChild } from './helpers/child';
import { PROBES_ADDON } from './helpers/probes';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'seccomp-node.js');
const DOCKER = DOCKER_PROFILE;
let dir = '';

function cli(...args: string[]) {
  return cliWith(process.env, ...args);
}

function cliWith(env: NodeJS.ProcessEnv, ...args: string[]) {
  // stdin is /dev/null: Node would otherwise open it itself when it finds fd 0 closed
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'buffer', input: '', env });
  return { status: r.status, signal: r.signal, stdout: r.stdout, out: r.stdout.toString(), err: r.stderr.toString() };
}

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-cli-'));
  write('app.policy', [
    '# a small daemon',
    'read: 1',
    'write: arg0 == 1 || arg0 == 2',
    'socket: arg0 == AF_INET || arg0 == AF_UNIX',
    'ptrace: return EPERM',
    'exit_group: 1',
  ].join('\n'));
  write('risky.policy', 'read: 1\nptrace: 1\nclone: 1\nio_uring_enter: 1\n');
  write('broken.policy', 'read: 1\nwrite: arg0 === 1\n');
  write('typo.policy', 'read: 1\nopnat: 1\n');
  write('node.policy', '@node\n@fs-read\n@exec-start\n');
});

describe('usage and help', () => {
  it('prints help and exits 2 without a command, 0 with --help', () => {
    expect(cli().status).toBe(2);
    const help = cli('--help');
    expect(help.status).toBe(0);
    for (const name of ['check', 'compile', 'dump', 'explain', 'run', 'groups', 'learn', 'chaos']) expect(help.out).toContain(name);
  });

  it('every command has --help; bad options exit 2 with the usage', () => {
    for (const name of ['check', 'compile', 'dump', 'explain', 'run', 'groups', 'learn', 'chaos']) {
      const r = cli(name, '--help');
      expect(r.status, name).toBe(0);
      expect(r.out).toContain(`usage: seccomp-node ${name}`);
    }
    const bad = cli('compile', '--nope', 'app.policy');
    expect(bad.status).toBe(2);
    expect(bad.err).toContain('usage: seccomp-node compile');
    expect(cli('frobnicate').status).toBe(2);
  });
});

describe('check', () => {
  it('passes a good file and warns about dangerous grants with their lines', () => {
    const ok = cli('check', 'app.policy');
    expect(ok.status).toBe(0);
    expect(ok.out).toContain('app.policy: ok, 7 rules');
    const risky = cli('check', 'risky.policy');
    expect(risky.status).toBe(0);
    expect(risky.err).toMatch(/risky\.policy:2: warning: allows ptrace/);
    expect(risky.err).toMatch(/risky\.policy:3: warning: allows clone: an unconditional clone/);
    // io_uring_setup is not allowed here (the default kills it), so io_uring_enter only acts on
    // rings made before the filter: a note that says when that matters, not a warning
    expect(risky.err).toMatch(/risky\.policy:4: note: allows io_uring_enter, which matters only where an io_uring ring already exists/);
  });

  it('fails with file, line and column, or a suggestion, and exit status 1', () => {
    const broken = cli('check', 'broken.policy', 'app.policy');
    expect(broken.status).toBe(1);
    expect(broken.err).toMatch(/broken\.policy:2:\d+: /);
    expect(broken.out).toContain('app.policy: ok');
    const typo = cli('check', 'typo.policy');
    expect(typo.status).toBe(1);
    expect(typo.err).toMatch(/typo\.policy:2:1: .*did you mean "openat"/);
  });

  it('checks OCI profiles too', () => {
    const r = cli('check', DOCKER);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/docker-default\.json: ok, \d+ rules for x86_64/);
  });
});

describe('compile and dump', () => {
  it('writes a raw BPF program that the emulator (and the kernel) can run', () => {
    const r = cli('compile', 'app.policy');
    expect(r.status).toBe(0);
    expect(r.stdout.length % 8).toBe(0);
    const x86 = 0xc000003e;
    expect(runFilter(r.stdout, { nr: 1, arch: x86, args: [2n] })).toBe(0x7fff0000);
    expect(runFilter(r.stdout, { nr: 1, arch: x86, args: [3n] })).toBe(0x80000000);
    expect(runFilter(r.stdout, { nr: 101, arch: x86 })).toBe(0x00050001);
  });

  it('compiles for another architecture', () => {
    const x86 = cli('compile', 'app.policy').stdout;
    const arm = cli('compile', '--arch', 'aarch64', 'app.policy').stdout;
    expect(arm.equals(x86)).toBe(false);
    // write is 64 on aarch64
    expect(runFilter(arm, { nr: 64, arch: 0xc00000b7, args: [1n] })).toBe(0x7fff0000);
  });

  it('writes a C header and an OCI profile', () => {
    const c = cli('compile', '--format', 'c', '--name', 'app_filter', 'app.policy');
    expect(c.out).toContain('static const struct sock_fprog app_filter');
    const header = write('app_filter.h', c.out);
    const main = write('main.c', '#include "app_filter.h"\nint main(void) { return app_filter.len > 0 ? 0 : 1; }\n');
    const built = spawnSync('cc', ['-o', path.join(dir, 'main'), main], { cwd: dir });
    expect(built.status, String(built.stderr)).toBe(0);
    expect(spawnSync(path.join(dir, 'main')).status).toBe(0);
    expect(fs.existsSync(header)).toBe(true);

    const json = cli('compile', '--format', 'json', 'app.policy');
    const profile = JSON.parse(json.out) as { defaultAction: string; syscalls: { names: string[] }[] };
    expect(profile.defaultAction).toBe('SCMP_ACT_KILL_PROCESS');
    expect(profile.syscalls.flatMap((s) => s.names)).toContain('ptrace');
  });

  it('dump shows the pseudo code and a disassembly', () => {
    const r = cli('dump', 'app.policy');
    expect(r.status).toBe(0);
    expect(r.out).toContain('# pseudo filter code start');
    expect(r.out).toContain('# BPF disassembly');
    expect(r.out).toMatch(/ret\s+ERRNO\(1\)/);
    expect(r.out).toMatch(/; ptrace/);
  });
});

describe('explain', () => {
  it('says what the compiled filter does with a call', () => {
    expect(cli('explain', 'app.policy', 'write', '2').out).toContain('write(2) on x86_64 (nr 1): ALLOW');
    expect(cli('explain', 'app.policy', 'write', '7').out).toContain('KILL_PROCESS\n  decided by the policy\'s default action');
    expect(cli('explain', 'app.policy', 'socket', 'AF_UNIX', 'SOCK_STREAM').out).toContain(': ALLOW');
    expect(cli('explain', 'app.policy', 'socket', 'AF_NETLINK').out).toContain(': KILL_PROCESS');
    expect(cli('explain', 'app.policy', 'ptrace').out).toContain(': ERRNO(1)');
    const traced = cli('explain', '--trace', 'app.policy', 'read');
    expect(traced.out).toMatch(/instructions run \(\d+\):/);
  });

  it('refuses names that do not exist on the architecture: a usage error (status 2)', () => {
    const r = cli('explain', '--arch', 'aarch64', 'app.policy', 'open');
    expect(r.status).toBe(2);
    expect(r.err).toContain('open does not exist on aarch64 (it does on x86_64');
  });
});

describe('run', () => {
  it('runs /bin/true, cat and node under a policy that allows them', () => {
    expect(cli('run', '--policy', 'node.policy', '--', '/bin/true').status).toBe(0);
    const cat = cli('run', '--policy', 'node.policy', '--', 'cat', path.join(dir, 'app.policy'));
    expect(cat.status, cat.err).toBe(0);
    expect(cat.out).toContain('# a small daemon');
    const node = cli('run', '--policy', 'node.policy', '--', process.execPath, '-e', 'console.log(6 * 7)');
    expect(node.status, node.err).toBe(0);
    expect(node.out.trim()).toBe('42');
  });

  it('stops what the policy does not allow, from the first instruction', () => {
    // writing a file: @fs-read opens read-only only
    const touch = cli('run', '--policy', 'node.policy', '--', 'touch', path.join(dir, 'new-file'));
    expect(touch.signal).toBe('SIGSYS');
    expect(fs.existsSync(path.join(dir, 'new-file'))).toBe(false);
    const node = cli('run', '--policy', 'node.policy', '--', process.execPath, '-e', 'require("net").createServer().listen(0)');
    expect(node.signal).toBe('SIGSYS');
    // a program started under run cannot exec anything else
    const sh = cli('run', '--policy', 'node.policy', '--', '/bin/sh', '-c', '/bin/true');
    expect(sh.signal).toBe('SIGSYS');
  });

  it('seals io_uring for a Node started under it: no rings exist', () => {
    const r = cli('run', '--policy', 'node.policy', '--', process.execPath, '-e', `
      const fs = require('fs');
      console.log(fs.readdirSync('/proc/self/fd').filter((fd) => { try { return fs.readlinkSync('/proc/self/fd/' + fd) === 'anon_inode:[io_uring]'; } catch { return false; } }).length);`);
    expect(r.status, r.err).toBe(0);
    expect(r.out.trim()).toBe('0');
  });

  it('Docker\'s default profile runs a Node HTTP server', async ({ annotate }) => {
    const server = write('server.js', `
      const http = require('http');
      const s = http.createServer((q, r) => r.end('served ' + q.url)).listen(0, '127.0.0.1', () => {
        http.get({ host: '127.0.0.1', port: s.address().port, path: '/docker' }, (res) => {
          res.on('data', (d) => { console.log(String(d)); s.close(); });
        });
      });`);
    const r = cli('run', '--policy', DOCKER, '--', process.execPath, server);
    expect(r.status, r.err).toBe(0);
    expect(r.out.trim()).toBe('served /docker');
    // and what Docker forbids stays forbidden: unshare(CLONE_NEWUSER) fails with EPERM
    const unshare = `
      const { binding } = require(${JSON.stringify(path.join(PACKAGE_ROOT, 'lib', 'native'))});
      const probes = require(${JSON.stringify(PROBES_ADDON)});
      console.log(probes.rawSyscall('native', binding.resolveSyscall('unshare'), 0x10000000).code);`;
    const refused = cli('run', '--policy', DOCKER, '--', process.execPath, '-e', unshare);
    expect(refused.status, refused.err).toBe(0);
    expect(refused.out.trim()).toBe('EPERM');
    // A container whose own seccomp profile refuses unshare would give that EPERM too. Two
    // checks tell them apart. 1. Without the profile the kernel answers otherwise (EINVAL: a
    // new user namespace needs a single-threaded caller, and Node has threads).
    const plain = spawnSync(process.execPath, ['-e', unshare], { encoding: 'utf8' });
    expect(plain.status, plain.stderr).toBe(0);
    const without = plain.stdout.trim();
    // 2. With the profile's default errno changed to EXDEV (which unshare never returns), the
    // answer follows: the refusal is this profile's default action (for equal actions, the
    // most recent filter's errno wins over an outer container's).
    const marked = write('docker-exdev.json', JSON.stringify({ ...JSON.parse(fs.readFileSync(DOCKER, 'utf8')), defaultErrnoRet: 18 }));
    const changed = cli('run', '--policy', marked, '--', process.execPath, '-e', unshare);
    expect(changed.out.trim(), changed.err).toBe('EXDEV');
    if (without === 'EPERM') {
      await annotate('without the profile unshare already fails with EPERM here (an outer filter): the EXDEV variant is what shows the profile refuses it');
    } else {
      expect(without).toBe('EINVAL');
      await annotate('without the profile unshare(CLONE_NEWUSER) fails with EINVAL: the EPERM is the profile\'s, and so is the EXDEV');
    }
  });

  it('names the call it stopped, with its arguments and the group that would allow it, and ends as the program did', () => {
    const touch = cli('run', '--policy', 'node.policy', '--', 'touch', path.join(dir, 'named'));
    expect(touch.signal).toBe('SIGSYS'); // a shell still says "Bad system call"
    expect(fs.existsSync(path.join(dir, 'named'))).toBe(false);
    const line = /^seccomp-node run: touch \(pid (\d+)\) was killed by SIGSYS: blocked system call openat \(nr 257, arch x86_64\) in thread (\d+), args (0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+) .*; @fs-write would allow it$/m.exec(touch.err);
    expect(line, touch.err).not.toBeNull();
    expect(line![1]).toBe(line![2]); // touch has one thread
    expect(BigInt(line![5]) & BigInt(fs.constants.O_CREAT)).not.toBe(0n); // openat(..., O_CREAT...)
    // a program's own exit status passes through
    expect(cli('run', '--policy', 'node.policy', '--', process.execPath, '-e', 'process.exit(7)').status).toBe(7);
  });

  it('--exec replaces itself with the program, as before: same pid, no supervisor, no line', () => {
    const script = 'console.log(process.pid, process.ppid)';
    const supervised = spawnSync(process.execPath, [BIN, 'run', '--policy', 'node.policy', '--', process.execPath, '-e', script],
      { cwd: dir, encoding: 'utf8' });
    const replaced = spawnSync(process.execPath, [BIN, 'run', '--exec', '--policy', 'node.policy', '--', process.execPath, '-e', script],
      { cwd: dir, encoding: 'utf8' });
    expect(supervised.status, supervised.stderr).toBe(0);
    expect(replaced.status, replaced.stderr).toBe(0);
    const [ownPid, parent] = supervised.stdout.trim().split(' ').map(Number);
    expect(parent).toBe(supervised.pid); // run stayed, as the program's parent and supervisor
    expect(ownPid).not.toBe(supervised.pid);
    expect(Number(replaced.stdout.trim().split(' ')[0])).toBe(replaced.pid); // run became the program
    const killed = cli('run', '--exec', '--policy', 'node.policy', '--', 'touch', path.join(dir, 'by-exec'));
    expect(killed.signal).toBe('SIGSYS');
    expect(killed.err).not.toContain('seccomp-node run:');
  });

  it('fails with status 1 when the program does not exist, before any filter is loaded', () => {
    const r = cli('run', '--policy', 'node.policy', '--', '/no/such/program');
    expect(r.status).toBe(1);
    expect(r.err).toContain('no executable file found');
  });

  it('keeps nothing on disk: every start compiles the policy as its files are now', () => {
    // A cache the program could write to (it runs as the same user) would let it weaken its
    // own next start. Nothing may appear under HOME or XDG_CACHE_HOME, and a change to an
    // included file takes effect on the very next start.
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-cli-home-'));
    const env = { ...process.env, HOME: home, XDG_CACHE_HOME: path.join(home, '.cache') };
    // @node too: under npm run test:asan, /bin/true starts with libasan preloaded, which needs it
    const allows = '@allow @node, @exec-start, @fs-read\n';
    write('included.policy', allows);
    write('including.policy', '@include included.policy\n');
    const first = cliWith(env, 'run', '--policy', 'including.policy', '--', '/bin/true');
    expect(first.status, first.err).toBe(0);
    write('included.policy', 'read: 1\n');
    const changed = cliWith(env, 'run', '--policy', 'including.policy', '--', '/bin/true');
    expect(changed.signal, changed.err).toBe('SIGSYS');
    write('included.policy', allows);
    expect(cliWith(env, 'run', '--policy', 'including.policy', '--', '/bin/true').status).toBe(0);
    expect(fs.readdirSync(home)).toEqual([]);
    fs.rmSync(home, { recursive: true, force: true });
  });
});

describe('lockdown({ policy }) with a file', () => {
  it('loads Docker\'s default profile into a Node daemon', async () => {
    // Docker's profile refuses io_uring_enter. Node 22 and later hold rings from startup and
    // would abort later, so lockdown refuses that policy up front and leaves the process as it
    // was; allowing io_uring_enter (knowingly) makes it load. Node 20 has no rings.
    const r = await runChild(`
      const http = require('http');
      const fs = require('fs');
      const rings = fs.readdirSync('/proc/self/fd').filter((fd) => { try { return fs.readlinkSync('/proc/self/fd/' + fd) === 'anon_inode:[io_uring]'; } catch { return false; } }).length;
      try {
        seccomp.sandbox.lockdown({ policy: ${JSON.stringify(DOCKER)} });
        report({ rings, plain: 'loaded' });
      } catch (e) {
        report({ rings, plain: e.code, filters: fs.readFileSync('/proc/self/status', 'utf8').match(/^Seccomp_filters:\\s*(\\d+)/m)[1] });
        seccomp.sandbox.lockdown({ policy: ${JSON.stringify(DOCKER)}, allow: ['io_uring_enter'] });
      }
      const s = http.createServer((q, res) => res.end('ok')).listen(0, '127.0.0.1', () => {
        http.get({ host: '127.0.0.1', port: s.address().port }, (res) => res.on('data', (d) => { report(String(d)); s.close(); }));
      });
    `);
    expect(r.code, r.stderr).toBe(0);
    const [first, served] = r.reports as [{ rings: number; plain: string; filters?: string }, string];
    expect(first).toEqual(first.rings > 0 ? { rings: first.rings, plain: 'ERR_SECCOMP_IO_URING_BLOCKED', filters: '0' } : { rings: 0, plain: 'loaded' });
    expect(served).toBe('ok');
  });

  it('loads a policy file and stops what it does not allow', async () => {
    const r = await runChild(`
      seccomp.sandbox.lockdown({ policy: ${JSON.stringify(path.join(dir, 'node.policy'))} });
      report(require('fs').readFileSync(${JSON.stringify(path.join(dir, 'app.policy'))}, 'utf8').split('\\n')[0]);
      require('net').createServer().listen(0);
    `);
    expect(r.reports).toEqual(['# a small daemon']);
    expect(r.signal).toBe('SIGSYS');
    expect(reportLine(r.stderr)).toMatchObject({ syscall: 'socket', arch: 'x86_64', main: true });
  });
});
