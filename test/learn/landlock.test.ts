/**
 * Learn's Landlock proposal from an strace log: paths collapsed to sensible directories,
 * what groups need left out, TCP ports; and the decoded calls still feed the syscall rules.
 */
import { describe, expect, it } from 'vitest';
import { entriesNeeds } from '../../src/groups';
import { proposeLandlock } from '../../src/learn/landlock';
import { emptyObservations, observe } from '../../src/learn/observations';
import { parseStrace, straceOptions } from '../../src/learn/strace';
import { learnFromTrace } from '../../src/learn';

const TRACE = [
  '100 execve("/usr/bin/node", ["node", "app.js"], 0x7ffd /* 3 vars */) = 0',
  '100 openat(AT_FDCWD, "/srv/app/lib/a.js", O_RDONLY|O_CLOEXEC) = 3',
  '100 openat(AT_FDCWD, "/srv/app/lib/b.js", O_RDONLY|O_CLOEXEC) = 3',
  '100 openat(AT_FDCWD, "/srv/app/node_modules/x/lib/index.js", O_RDONLY|O_CLOEXEC) = 3',
  '100 openat(AT_FDCWD, "/srv/app/missing.js", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)',
  '101 openat(AT_FDCWD, "/var/lib/app/db, with comma.json", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644) = 4',
  '101 openat(AT_FDCWD, "/etc/hosts", O_RDONLY|O_CLOEXEC) = 5',
  '101 openat(AT_FDCWD, "/etc/app.conf", O_RDONLY) = 5',
  '101 openat(AT_FDCWD, "/proc/100/stat", O_RDONLY) = 6',
  '100 openat(AT_FDCWD, "/srv/app", O_RDONLY|O_PATH) = 7',
  '100 connect(8, {sa_family=AF_INET, sin_port=htons(5432), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
  '100 connect(9, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = -1 EINPROGRESS (Operation now in progress)',
  '100 connect(10, {sa_family=AF_INET, sin_port=htons(6379), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 ECONNREFUSED (Connection refused)',
  '100 bind(11, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("0.0.0.0")}, 16) = 0',
  '102 execve("/usr/bin/convert", ["convert"], 0x7ffd /* 3 vars */) = 0',
  '102 mkdirat(AT_FDCWD, "/var/cache/app/thumbs", 0777) = 0',
  // a call interrupted by another thread's output: its result comes on the "resumed" line
  '103 openat(AT_FDCWD, "/srv/data/big/file.bin", O_RDONLY|O_CLOEXEC <unfinished ...>',
  '100 getpid() = 100',
  '103 <... openat resumed>) = 12',
].join('\n');

describe('the Landlock proposal', () => {
  it('collapses paths, leaves out what groups need and failed calls, and lists ports', () => {
    const o = observe(parseStrace(TRACE), { arch: 'x86_64', skipFirstExecveOf: 100 });
    const rules = proposeLandlock(o.access, entriesNeeds(['@dns']));
    expect(rules.fs).toEqual({
      read: ['/etc/app.conf', '/srv/app/lib', '/srv/app/node_modules', '/srv/data/big'],
      write: ['/var/cache/app', '/var/lib/app'],
      execute: ['/usr/bin/convert'],
    });
    expect(rules.net).toEqual({ bind: [8080], connect: [443, 5432] });
  });

  it('decoded calls still give the syscall rules their arguments', () => {
    const o = observe(parseStrace(TRACE), { arch: 'x86_64' }, emptyObservations('x86_64'));
    expect([...o.syscalls.get('openat')!.classes.keys()].length).toBeGreaterThan(0);
    expect(o.syscalls.get('openat')!.any).toBe(false);
  });

  it('the learned policy file carries the proposal, and strace decodes only the calls it needs', () => {
    const learned = learnFromTrace(TRACE, { groups: ['@dns'], rootPid: 100 });
    expect(learned.text).toContain('@fs read /etc/app.conf /srv/app/lib /srv/app/node_modules /srv/data/big');
    expect(learned.text).toContain('@net connect 443 5432');
    expect(learned.policy.landlock?.fs?.execute).toEqual(['/usr/bin/convert']);
    const options = straceOptions();
    expect(options.join(' ')).toMatch(/raw=!open,openat,creat,execve/);
  });
});
