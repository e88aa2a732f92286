/**
 * Typos never loosen a policy (issue 9, item 2): an unknown key anywhere a policy or its
 * options are written is an ERR_SECCOMP_INVALID_OPTION with a did-you-mean and its JSON
 * path, and a policy JSON rule must say its action. Whatever could load a filter runs in a
 * child process; the rest is checked in-process, before any child would start.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe as group, expect, it } from 'vitest';
import { Filter } from '../src/filter';
import { SeccompError } from '../src/errors';
import { checkCondition, checkPolicy } from '../src/policy';
import { readPolicySource } from '../src/policy-source';
import { execFile, fork, spawn } from '../src/children/spawn';
import { runSandboxed } from '../src/testing';
import { PACKAGE_ROOT, describe, runChild } from './helpers/child';
import { PROBES } from './helpers/probes';

function thrown(fn: () => unknown): SeccompError {
  try { fn(); } catch (error) { expect(error).toBeInstanceOf(SeccompError); return error as SeccompError; }
  throw new Error('expected a SeccompError');
}

/** code, path and suggestion of the error `fn` throws. */
const refusal = (fn: () => unknown) => {
  const e = thrown(fn);
  return [e.code, e.details.path, e.details.suggestion];
};

group('lockdown() with a misspelt key, in a child', () => {
  // Today's main dropped `args` silently and allowed socket() for every family.
  it('refuses { syscall, args } and loads nothing: the process stays unfiltered', async () => {
    const r = await runChild(`
      ${PROBES}
      const field = (name) => Number(require('fs').readFileSync('/proc/self/status', 'utf8').match(new RegExp('^' + name + ':\\\\s*(\\\\d+)', 'm'))[1]);
      const before = { filters: field('Seccomp_filters'), noNewPrivs: field('NoNewPrivs') };
      let error;
      try {
        seccomp.sandbox.lockdown({ allow: ['@node', { syscall: 'socket', args: [seccomp.arg(0).eq(seccomp.constants.AF_UNIX)] }] });
      } catch (e) { error = { code: e.code, path: e.details.path, suggestion: e.details.suggestion }; }
      const after = { filters: field('Seccomp_filters'), noNewPrivs: field('NoNewPrivs') };
      // Unfiltered: an AF_INET socket, which the intended policy forbids, still opens.
      const inet = raw('socket', seccomp.constants.AF_INET, 1, 0);
      report({ error, same: JSON.stringify(before) === JSON.stringify(after), locked: seccomp.sandbox.status().locked, inet: inet.result >= 0 });
    `);
    expect(r.reports, describe(r)).toEqual([{
      error: { code: 'ERR_SECCOMP_INVALID_OPTION', path: 'allow[1].args', suggestion: 'conditions' },
      same: true, locked: false, inet: true,
    }]);
    expect([r.code, r.signal], describe(r)).toEqual([0, null]);
  });

  it('with `conditions` spelt right, allows AF_UNIX sockets and kills on AF_INET', async () => {
    const r = await runChild(`
      ${PROBES}
      seccomp.sandbox.lockdown({ allow: ['@node', { syscall: 'socket', conditions: [seccomp.arg(0).eq(seccomp.constants.AF_UNIX)] }] });
      const unix = raw('socket', seccomp.constants.AF_UNIX, 1, 0);
      report({ unix: unix.result >= 0 });
      raw('socket', seccomp.constants.AF_INET, 1, 0);
      report('survived');
    `);
    expect(r.reports, describe(r)).toEqual([{ unix: true }]);
    expect(r.signal, describe(r)).toBe('SIGSYS');
    expect(r.violation?.syscall, describe(r)).toBe('socket');
  });

  it('refuses every misspelt option and rule key before anything loads', async () => {
    const r = await runChild(`
      const field = () => require('fs').readFileSync('/proc/self/status', 'utf8').match(/^Seccomp_filters:\\s*(\\d+)/m)[1];
      const before = field();
      const attempts = [
        { allwo: ['@node'] },
        { allow: ['@node'], optinal: true },
        { allow: ['@node', { syscall: 'socket', condition: [] }] },
        { allow: ['@node', { syscall: 'socket', actoin: 'allow' }] },
        { allow: ['@node', { syscall: 'socket', conditions: [{ arg: 0, op: 'eq', value: '1', widht: 32 }] }] },
        { policy: { defaultAction: 'kill-process', rules: [{ syscall: 'read', action: 'allow' }], defaultActon: 'allow' } },
        { policy: { defaultAction: 'kill-process', rules: [{ syscall: 'read' }] } },
      ];
      const errors = attempts.map((options) => {
        try { seccomp.sandbox.lockdown(options); return 'loaded'; } catch (e) { return [e.code, e.details.path ?? null]; }
      });
      report({ errors, unchanged: field() === before });
    `);
    expect(r.reports, describe(r)).toEqual([{
      errors: [
        ['ERR_SECCOMP_INVALID_OPTION', 'allwo'],
        ['ERR_SECCOMP_INVALID_OPTION', 'optinal'],
        ['ERR_SECCOMP_INVALID_OPTION', 'allow[1].condition'],
        ['ERR_SECCOMP_INVALID_OPTION', 'allow[1].actoin'],
        ['ERR_SECCOMP_INVALID_OPTION', 'allow[1].conditions[0].widht'],
        ['ERR_SECCOMP_INVALID_OPTION', 'policy.defaultActon'],
        ['ERR_SECCOMP_INVALID_ACTION', 'policy.rules[0]'],
      ],
      unchanged: true,
    }]);
    expect(r.code, describe(r)).toBe(0);
  });
});

group('policy JSON', () => {
  const rules = (extra: object) => ({ defaultAction: 'kill-process', rules: [
    { syscall: 'read', action: 'allow' }, { syscall: 'write', action: 'allow' }, { syscall: 'close', action: 'allow' },
    { syscall: 'socket', ...extra }] });

  it('a rule with "condition" is refused at rules[3].condition (today it allowed every socket)', () => {
    expect(refusal(() => checkPolicy(rules({ action: 'allow', condition: [{ arg: 0, op: 'eq', value: '1' }] }))))
      .toEqual(['ERR_SECCOMP_INVALID_OPTION', 'rules[3].condition', 'conditions']);
  });

  it('a rule with "actoin" is refused (today it became allow)', () => {
    expect(refusal(() => checkPolicy(rules({ actoin: { errno: 'EPERM' } }))))
      .toEqual(['ERR_SECCOMP_INVALID_OPTION', 'rules[3].actoin', 'action']);
  });

  it('a rule without an action is refused', () => {
    const e = thrown(() => checkPolicy(rules({})));
    expect([e.code, e.details.path]).toEqual(['ERR_SECCOMP_INVALID_ACTION', 'rules[3]']);
    expect(e.message).toMatch(/^rules\[3\]: the socket rule has no "action"/);
  });

  it('unknown keys in the policy, a condition and an errno action are refused too; values must be integers', () => {
    expect(refusal(() => checkPolicy({ defaultAction: 'allow', rules: [], defualtAction: 'kill-process' })))
      .toEqual(['ERR_SECCOMP_INVALID_OPTION', 'defualtAction', 'defaultAction']);
    expect(refusal(() => checkPolicy(rules({ action: 'allow', conditions: [{ arg: 0, op: 'masked-eq', value: '1', maks: '3' }] }))))
      .toEqual(['ERR_SECCOMP_INVALID_OPTION', 'rules[3].conditions[0].maks', 'mask']);
    expect(refusal(() => checkPolicy(rules({ action: { errno: 'EPERM', ernno: 1 } }))))
      .toEqual(['ERR_SECCOMP_INVALID_OPTION', 'rules[3].action.ernno', 'errno']);
    const e = thrown(() => checkPolicy(rules({ action: 'allow', conditions: [{ arg: 0, op: 'eq', value: '' }] })));
    expect([e.code, e.details.path]).toEqual(['ERR_SECCOMP_VALUE_OUT_OF_RANGE', 'rules[3].conditions[0]']);
    expect(refusal(() => checkCondition({ arg: 0, op: 'eq', value: 1, index: 2 }))).toEqual(['ERR_SECCOMP_INVALID_OPTION', 'index', 'arg']);
  });

  it('reads the same way from a file, Filter.fromJSON and seccomp-node check, which names the path', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-keys-'));
    const file = path.join(dir, 'app.json');
    fs.writeFileSync(file, JSON.stringify(rules({ action: 'allow', condition: [] })));
    expect(refusal(() => readPolicySource(file))).toEqual(['ERR_SECCOMP_INVALID_OPTION', 'rules[3].condition', 'conditions']);
    expect(refusal(() => Filter.fromJSON(fs.readFileSync(file, 'utf8')))).toEqual(['ERR_SECCOMP_INVALID_OPTION', 'rules[3].condition', 'conditions']);
    const r = spawnSync(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'seccomp-node.js'), 'check', file], { encoding: 'utf8', input: '' });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toBe(`${file}: error: rules[3].condition: unknown key in a rule; did you mean "conditions"? ` +
      '(a rule takes: syscall, action, conditions) [ERR_SECCOMP_INVALID_OPTION]\n');
    fs.rmSync(dir, { recursive: true });
  });
});

group('options of the other entry points', () => {
  const allow = ['@exec-start'];

  it('spawn, fork and execFile know their policy options and child_process\'s own', () => {
    expect(refusal(() => spawn('true', [], { allow, cwdd: '/' } as never))).toEqual(['ERR_SECCOMP_INVALID_OPTION', 'cwdd', 'cwd']);
    expect(refusal(() => spawn('true', [], { allwo: allow } as never))).toEqual(['ERR_SECCOMP_INVALID_OPTION', 'allwo', 'allow']);
    expect(refusal(() => fork('x.js', [], { allow, execArgs: [] } as never))).toEqual(['ERR_SECCOMP_INVALID_OPTION', 'execArgs', 'execArgv']);
    expect(refusal(() => execFile('true', [], { allow, timout: 5 } as never))).toEqual(['ERR_SECCOMP_INVALID_OPTION', 'timout', 'timeout']);
    expect(refusal(() => execFile('true', [], { allow, exec_start: false } as never))).toEqual(['ERR_SECCOMP_INVALID_OPTION', 'exec_start', 'execStart']);
    // an option of another child_process function is not one of this one's
    expect(refusal(() => spawn('true', [], { allow, maxBuffer: 10 } as never))[1]).toBe('maxBuffer');
    expect(refusal(() => spawn('true', [], { allow: ['@exec-start', { syscall: 'read', args: [] }] } as never)))
      .toEqual(['ERR_SECCOMP_INVALID_OPTION', 'allow[1].args', 'conditions']);
  });

  it('runSandboxed, its faults, and the Filter builder', async () => {
    await expect(runSandboxed(() => 1, { allow: ['@node'], timeout: 5 } as never))
      .rejects.toMatchObject({ code: 'ERR_SECCOMP_INVALID_OPTION', details: { path: 'timeout', suggestion: 'timeoutMs' } });
    await expect(runSandboxed(() => 1, { fail: { openat: { errno: 'EIO', wehn: 'arg0 == 1' } } } as never))
      .rejects.toMatchObject({ code: 'ERR_SECCOMP_INVALID_OPTION', details: { path: 'fail.openat.wehn', suggestion: 'when' } });
    await expect(runSandboxed(() => 1, { allow: [{ syscall: 'read', condition: [] }] } as never))
      .rejects.toMatchObject({ details: { path: 'allow[0].condition', suggestion: 'conditions' } });
    await expect(runSandboxed({ command: 'true', arg: ['x'] } as never))
      .rejects.toMatchObject({ code: 'ERR_SECCOMP_INVALID_OPTION', details: { path: 'target.arg', suggestion: 'args' } });
    await expect(runSandboxed({ module: __filename, exprot: 'x' } as never))
      .rejects.toMatchObject({ code: 'ERR_SECCOMP_INVALID_OPTION', details: { path: 'target.exprot', suggestion: 'export' } });
    expect(refusal(() => new Filter({ defaultActoin: 'allow' } as never))).toEqual(['ERR_SECCOMP_INVALID_OPTION', 'defaultActoin', 'defaultAction']);
    expect(refusal(() => new Filter().exportBpf({ arhc: 'aarch64' } as never))).toEqual(['ERR_SECCOMP_INVALID_OPTION', 'arhc', 'arch']);
    expect(refusal(() => new Filter().allow('write', { arg: 0, op: 'eq', value: '1', width: 32, mask: '1' } as never))[0])
      .toBe('ERR_SECCOMP_INVALID_CONDITION');
  });
});
