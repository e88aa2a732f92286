/**
 * Fault injection on real filters: the chosen calls fail with the chosen errno (only when
 * their arguments match, if so asked), everything else runs; stacked on a policy, a call
 * the policy kills is still killed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import '../../src/testing/vitest.mts';
import { addFaultArgument, describeFaults, faultPolicy, runSandboxed } from '../../src/testing';
import { arg } from '../../src/conditions';

let dir = '';
const readFile = (file: string) => require('fs').readFileSync(file, 'utf8');

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-faults-'));
  fs.writeFileSync(path.join(dir, 'data.txt'), 'data\n');
});

describe('faultPolicy', () => {
  it('is a default-allow policy of errno rules, with conditions from expressions or arg()', () => {
    const p = faultPolicy({
      openat: 'EIO',
      connect: 111,
      write: { errno: 'ENOSPC', when: 'arg0 == 1 || arg0 == 2' },
      read: { errno: 'EINTR', when: [arg(0).eq(0)] },
    });
    expect(p.defaultAction).toBe('allow');
    expect(p.rules).toEqual([
      { syscall: 'openat', action: { errno: 'EIO' } },
      { syscall: 'connect', action: { errno: 111 } },
      { syscall: 'write', action: { errno: 'ENOSPC' }, conditions: [{ arg: 0, op: 'eq', value: '1' }] },
      { syscall: 'write', action: { errno: 'ENOSPC' }, conditions: [{ arg: 0, op: 'eq', value: '2' }] },
      { syscall: 'read', action: { errno: 'EINTR' }, conditions: [{ arg: 0, op: 'eq', value: '0' }] },
    ]);
  });

  it('constants in expressions, exemptions, and several faults for one call', () => {
    const p = faultPolicy({ openat: [{ errno: 'EACCES', when: 'arg2 & O_ACCMODE == O_WRONLY' }, { errno: 'EROFS', when: 'arg2 & O_ACCMODE == O_RDWR' }] },
      []);
    expect(p.rules.map((r) => [r.action, r.conditions?.[0]])).toEqual([
      [{ errno: 'EACCES' }, { arg: 2, op: 'masked-eq', mask: '3', value: '1' }],
      [{ errno: 'EROFS' }, { arg: 2, op: 'masked-eq', mask: '3', value: '2' }],
    ]);
    const exempt = faultPolicy({ write: 'EIO' }, [{ syscall: 'write', arg: 0, value: 3 }]);
    expect(exempt.rules).toEqual([{ syscall: 'write', action: { errno: 'EIO' }, conditions: [{ arg: 0, op: 'ne', value: '3' }] }]);
  });

  it('the command-line form, and mistakes', () => {
    expect(addFaultArgument({}, 'openat=EIO')).toEqual({ openat: 'EIO' });
    expect(addFaultArgument(addFaultArgument({}, 'write=ENOSPC:arg0==1'), 'write=EIO:arg0 == 2')).toEqual({
      write: [{ errno: 'ENOSPC', when: 'arg0==1' }, { errno: 'EIO', when: 'arg0 == 2' }],
    });
    expect(addFaultArgument({}, 'connect=111')).toEqual({ connect: 111 });
    expect(describeFaults({ openat: 'EIO', write: { errno: 'ENOSPC', when: 'arg0 == 1' } })).toBe('openat=EIO, write=ENOSPC (arg0 == 1)');
    expect(() => addFaultArgument({}, 'openat')).toThrow(/SYSCALL=ERRNO/);
    expect(() => faultPolicy({ write: { errno: 'EIO', when: 'arg0 === 1' } })).toThrow(/invalid condition for the write fault/);
    expect(() => faultPolicy({})).toThrow(/names no system call/);
    expect(() => faultPolicy({ 'not a name': 'EIO' })).toThrow(/not a system call name/);
  });

  it('unknown names and errnos reject before any child runs', async () => {
    await expect(runSandboxed(() => 1, { fail: { opnat: 'EIO' } })).rejects.toMatchObject({ code: 'ERR_SECCOMP_UNKNOWN_SYSCALL' });
    await expect(runSandboxed(() => 1, { fail: { openat: 'EIOO' } })).rejects.toMatchObject({ code: 'ERR_SECCOMP_UNKNOWN_ERRNO' });
  });
});

describe('functions under faults', () => {
  it('the chosen call fails with the chosen errno; without the fault it works', async () => {
    const file = path.join(dir, 'data.txt');
    await expect(runSandboxed(readFile, { fail: { openat: 'EIO' }, args: [file] })).toFailWithErrno('EIO');
    await expect(runSandboxed(readFile, { fail: { openat: 'EACCES' }, args: [file] })).toFailWithErrno('EACCES');
    await expect(runSandboxed(readFile, { fail: { connect: 'ECONNREFUSED' }, args: [file] })).toReturnInSandbox('data\n');
  });

  it('covers every thread: the thread pool gets the errno too', async () => {
    const r = await runSandboxed((file: string) => require('fs').promises.readFile(file, 'utf8'), { fail: { openat: 'EIO' }, args: [path.join(dir, 'data.txt')] });
    expect(r.outcome).toBe('threw');
    expect(r.error?.code).toBe('EIO');
  });

  it('only calls whose arguments match: writes to fd 1 fail, writes to fd 2 do not', async () => {
    const r = await runSandboxed(() => {
      const fs = require('fs');
      fs.writeSync(2, 'to stderr\n');
      try { fs.writeSync(1, 'to stdout\n'); return 'wrote'; } catch (e) { return (e as NodeJS.ErrnoException).code; }
    }, { fail: { write: { errno: 'ENOSPC', when: 'arg0 == 1' } } });
    expect(r.value).toBe('ENOSPC');
    expect(r.stderr).toBe('to stderr\n');
    expect(r.stdout).toBe('');
  });

  it('connect fails as refused although the server listens; without the fault it connects', async () => {
    const dial = () => new Promise((resolve) => {
      const net = require('net');
      const server = net.createServer((s: import('net').Socket) => s.end('hi')).listen(0, '127.0.0.1', () => {
        const c = net.connect(server.address().port, '127.0.0.1');
        c.on('data', (d: Buffer) => { server.close(); resolve(`got ${d}`); });
        c.on('error', (e: NodeJS.ErrnoException) => { server.close(); resolve(e.code); });
      });
    });
    await expect(runSandboxed(dial, { fail: { connect: 'ECONNREFUSED' } })).toReturnInSandbox('ECONNREFUSED');
    await expect(runSandboxed(dial, { fail: { openat: 'EIO' } })).toReturnInSandbox('got hi');
  });

  it('stacked on a policy: the policy\'s kill wins over the fault, and the fault applies to what the policy allows', async () => {
    const file = path.join(dir, 'data.txt');
    const killed = await runSandboxed(readFile, { allow: ['@node'], fail: { openat: 'EIO' }, args: [file] });
    expect(killed.outcome).toBe('blocked');
    expect(killed.syscall).toBe('openat');
    await expect(runSandboxed(readFile, { allow: ['@node', '@fs-read'], fail: { openat: 'EIO' }, args: [file] })).toFailWithErrno('EIO');
    await expect(runSandboxed(readFile, { allow: ['@node', '@fs-read'], args: [file] })).toReturnInSandbox('data\n');
  });

  it('a fault on write never breaks the result channel', async () => {
    const r = await runSandboxed(() => {
      try { require('fs').writeSync(1, 'x'); } catch (e) { return (e as NodeJS.ErrnoException).code; }
      return 'wrote';
    }, { fail: { write: 'EIO' } });
    expect(r.value).toBe('EIO');
  });
});

describe('commands under faults', () => {
  it('from exec: a program that cannot open its libraries does not start', async () => {
    const cat = await runSandboxed({ command: 'cat', args: [path.join(dir, 'data.txt')] }, { fail: { openat: 'EIO' } });
    expect(cat.outcome).toBe('exited');
    expect(cat.code).toBe(127);
    expect(cat.stderr).toMatch(/error while loading shared libraries.*Input\/output error/);
    const ok = await runSandboxed({ command: 'cat', args: [path.join(dir, 'data.txt')] }, { fail: { connect: 'EIO' } });
    expect(ok.stdout).toBe('data\n');
  });

  it('Node programs: faults begin once the main module starts (default), or from exec', async () => {
    const script = path.join(dir, 'reads.js');
    fs.writeFileSync(script, 'try { require("fs").readFileSync(__filename); console.log("read") } catch (e) { console.log("failed", e.code); process.exitCode = 3 }\n');
    const main = await runSandboxed({ command: process.execPath, args: [script] }, { fail: { openat: 'EIO' } });
    expect(main.stdout).toBe('failed EIO\n');
    expect(main.code).toBe(3);
    const exec = await runSandboxed({ command: process.execPath, args: [script] }, { fail: { openat: 'EIO' }, faultsFrom: 'exec' });
    expect(exec.code).toBe(127);
    expect(exec.stdout).toBe('');
    const none = await runSandboxed({ command: process.execPath, args: [script] }, { fail: { connect: 'EIO' } });
    expect(none.stdout).toBe('read\n');
    await expect(runSandboxed({ command: 'cat' }, { fail: { openat: 'EIO' }, faultsFrom: 'main' })).rejects.toThrow(/only for Node programs/);
  });

  it('the execve that starts the program is exempt from an execve fault; later ones are not', async () => {
    const r = await runSandboxed({ command: '/bin/sh', args: ['-c', '/bin/true; echo $?'] }, { fail: { execve: 'EACCES' } });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('126');
    const ok = await runSandboxed({ command: '/bin/sh', args: ['-c', '/bin/true; echo $?'] }, { fail: { connect: 'EACCES' } });
    expect(ok.stdout.trim()).toBe('0');
  });

  it('with a policy too: faults and policy stacked from exec', async () => {
    const script = path.join(dir, 'reads.js');
    const r = await runSandboxed({ command: process.execPath, args: [script] },
      { allow: ['@exec-start', '@node', '@fs-read'], fail: { openat: { errno: 'EIO', when: 'arg2 & O_ACCMODE == O_WRONLY' } } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('read\n');
    const blocked = await runSandboxed({ command: 'touch', args: [path.join(dir, 'nope')] },
      { allow: ['@exec-start', '@node', '@fs-read'], fail: { connect: 'EIO' } });
    expect(blocked.outcome).toBe('blocked');
  });
});
