/**
 * Landlock lines in policy files (@fs, @net, @needs, @isolate, @landlock): parsing, errors
 * with their place, groups' needs, writing them back, and what check, explain and dump show.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPolicy, parsePolicy, parsePolicyFile } from '../../src/policy-file';
import { defaultDaemonProfile, groups } from '../../src/groups';
import { PACKAGE_ROOT } from '../helpers/child';

let dir = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-node-ll-policy-'));
  fs.mkdirSync(path.join(dir, 'app'));
  fs.writeFileSync(path.join(dir, 'app', 'index.js'), '');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('parsing', () => {
  it('reads paths, ports, needs, isolation and best effort next to syscall rules', () => {
    const policy = parsePolicy([
      'read: 1',
      '@fs read /srv/app /etc/ssl/certs "/srv/with space" # a comment',
      '@fs write /var/lib/app',
      '@fs read ?/etc/app.local.conf',
      '@net bind 8080',
      '@net connect 443 5432',
      '@needs fs read ?/etc/hosts',
      '@isolate signals off',
      '@landlock best-effort',
    ].join('\n'));
    expect(policy.rules).toEqual([{ syscall: 'read', action: 'allow' }]);
    expect(policy.landlock).toEqual({
      fs: { read: ['/srv/app', '/etc/ssl/certs', '/srv/with space', '?/etc/app.local.conf'], write: ['/var/lib/app'] },
      net: { bind: [8080], connect: [443, 5432] },
      needs: { fs: { read: ['?/etc/hosts'] } },
      isolate: { signals: false },
      bestEffort: true,
    });
  });

  it('resolves relative paths from the policy file\'s directory', () => {
    const file = path.join(dir, 'rel.policy');
    fs.writeFileSync(file, '@fs read app\n@fs execute ./app/index.js\n');
    expect(parsePolicyFile(file).landlock).toEqual({ fs: { read: [path.join(dir, 'app')], execute: [path.join(dir, 'app', 'index.js')] } });
  });

  it.each([
    ['@fs raed /x', /1:5: expected an access \(read, write, execute\) after @fs, found "raed"; did you mean "read"\?/],
    ['@fs read', /1:9: expected a path after @fs read, found end of line/],
    ['@net connect https', /1:14: expected a TCP port \(0 to 65535\), found "https"/],
    ['@net bind 70000', /expected a TCP port/],
    ['@isolate maybe', /expected on, off, domain, or a scope/],
    ['@landlock besteffort', /did you mean "best-effort"\?/],
    ['@needs disk read /x', /expected "fs" or "net" after @needs/],
    ['@fs read "/x', /expected a closing double quote/],
  ])('%s is an error at its place', (line, message) => {
    expect(() => parsePolicy(line, { file: 'p.policy' })).toThrow(message);
  });

  it('writes the rules back so that they read the same', () => {
    const text = '@fs read /a "/b c" ?/d\n@fs write /e\n@net connect 443\n@needs net connect 53\n@isolate abstract-unix off\n@landlock enforce\n';
    const policy = parsePolicy(text);
    expect(parsePolicy(formatPolicy(policy))).toEqual(policy);
    for (const extra of ['@fs none', '@net none', '@isolate off', '@isolate on', '@isolate domain']) {
      const p = parsePolicy(extra);
      expect(parsePolicy(formatPolicy(p))).toEqual(p);
    }
    expect(parsePolicy('@fs none').landlock).toEqual({ fs: {} });
  });
});

describe('groups carry what they need', () => {
  it('@dns brings the resolver files as needs, which restrict nothing by themselves', () => {
    expect(groups()['@dns'].needs?.fs?.read).toEqual(expect.arrayContaining(['?/etc/hosts', '?/etc/resolv.conf', '?/etc/nsswitch.conf', '?/etc/gai.conf']));
    const policy = parsePolicy('@dns\n');
    expect(policy.landlock?.fs).toBeUndefined();
    expect(policy.landlock?.needs?.fs?.read).toContain('?/etc/hosts');
    expect(defaultDaemonProfile().landlock?.needs?.fs?.read).toContain('?/etc/resolv.conf');
  });

  it('a group brings needs, never a restriction', () => {
    const all = parsePolicy(Object.keys(groups()).join('\n'));
    expect(all.landlock?.fs).toBeUndefined();
    expect(all.landlock?.net).toBeUndefined();
    expect(all.landlock?.needs?.net?.connect).toEqual([53]);
  });
});

describe('the command line', () => {
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'seccomp-node.js'), ...args], { cwd: dir, encoding: 'utf8' });
    return { status: r.status, out: r.stdout, err: r.stderr };
  };
  let policy = '';
  beforeAll(() => {
    policy = path.join(dir, 'daemon.policy');
    fs.writeFileSync(policy, `@node\n@dns\n@fs read ${path.join(dir, 'app')}\n@fs write ${path.join(dir, 'missing')}\n@net connect 5432\n`);
  });

  it('check summarises the rules and warns about a path this machine lacks', () => {
    const r = cli('check', policy);
    expect(r.status).toBe(0);
    expect(r.out).toContain('Landlock restricts the file system to what fs grants');
    expect(r.out).toContain(`fs read: ${path.join(dir, 'app')}`);
    expect(r.out).toContain('net connect: 5432');
    expect(r.err).toMatch(/warning: on this machine, fs\.write: .*missing does not exist/);
  });

  it('explain says what Landlock does with a path or a port, and which rule decides', () => {
    fs.writeFileSync(path.join(dir, 'ok.policy'), `@node\n@dns\n@fs read ${path.join(dir, 'app')}\n@net connect 5432\n`);
    expect(cli('explain', 'ok.policy', '--path', path.join(dir, 'app', 'index.js')).out)
      .toContain(`granted (read_file) by fs read ${path.join(dir, 'app')}`);
    expect(cli('explain', 'ok.policy', '--path', '/etc/passwd').out).toMatch(/denied with EACCES: no rule grants read_file/);
    expect(cli('explain', 'ok.policy', '--path', '/etc/hosts').out).toContain('granted (read_file) by needs fs read ?/etc/hosts');
    expect(cli('explain', 'ok.policy', '--path', path.join(dir, 'app', 'new'), '--access', 'write').out).toMatch(/denied/);
    expect(cli('explain', 'ok.policy', '--port', '5432').out).toContain('granted by net connect 5432');
    expect(cli('explain', 'ok.policy', '--port', '53').out).toContain('granted by needs net connect 53');
    expect(cli('explain', 'ok.policy', '--port', '80', '--access', 'bind').out).toMatch(/denied with EACCES/);
  });

  it('dump shows the ruleset this kernel would get', () => {
    const r = cli('dump', 'ok.policy');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/# Landlock \(this kernel: ABI \d+\)/);
    expect(r.out).toContain(`path ${path.join(dir, 'app')}: read_file read_dir`);
    expect(r.out).toContain('port 5432: connect_tcp');
    expect(r.out).toContain('port 53: connect_tcp');
  });
});
