/**
 * The launcher's templates (src/children/launcher/template.ts): a child's program is compiled once
 * with stand-ins and the launcher fills in its pid and its secret addresses. These tests
 * prove the fill exact the hard way, against compiling the policy for the same values:
 * byte for byte when the values are fresh (equal to no other constant of the program: the
 * launcher keeps its addresses so); for a pid equal to some constant, libseccomp may merge
 * the pid's comparison block with an identical block elsewhere, so there the two programs
 * must unfold to the same decision tree, instruction by instruction (the same verdict for
 * every call). Nothing is loaded here (compiling only).
 */
import { describe, expect, it } from 'vitest';
import { decodeInstructions, isConditionalJump, OP, type Instruction } from '../src/bpf/program';
import { compileFor, exportBpf } from '../src/verified-program';
import { buildTemplate, fillSites, launcherRules, notifying, SITE, type SiteValues } from '../src/children/launcher/template';
import type { Policy } from '../src/policy';
import { bindSelfPid } from '../src/self-pid';
import { childPolicy, ipcChannelRules, profile } from '../src/children/spawn';
import { faultPolicy } from '../src/testing/faults';

/** What compiling `policy` for these values gives: the reference the template must equal. */
function compiledFor(policy: Policy, values: SiteValues, kind: 'policy' | 'faults'): Buffer {
  const placed = kind === 'policy' ? { ...policy, rules: [...policy.rules, ...launcherRules(values)] } : policy;
  return exportBpf(compileFor(bindSelfPid(placed, values[SITE.pid]), { report: false }));
}

/** Every constant the program compares with (JEQ/JGT/JGE/JSET k, AND k) that could be a pid. */
function pidLikeConstants(program: Buffer): number[] {
  const out = new Set<number>();
  for (const insn of decodeInstructions(program)) {
    const compares = [OP.JEQ_K, OP.JGT_K, OP.JGE_K, OP.JSET_K, OP.AND_K].includes(insn.code as never);
    if (compares && insn.k >= 1 && insn.k <= 4_194_304) out.add(insn.k);
  }
  return [...out];
}

/**
 * Whether two programs unfold to the same decision tree: the same instruction at every
 * step of every path, jumps followed (a block libseccomp merged into an identical one is a
 * jump there). Then they return the same action for every call.
 */
function sameDecisions(bytesA: Buffer, bytesB: Buffer): boolean {
  const a = decodeInstructions(bytesA);
  const b = decodeInstructions(bytesB);
  const memo = new Map<string, boolean>();
  const settle = (p: Instruction[], pc: number) => { while (p[pc].code === OP.JA) pc += 1 + p[pc].k; return pc; };
  const same = (i0: number, j0: number): boolean => {
    const i = settle(a, i0);
    const j = settle(b, j0);
    const key = `${i},${j}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const x = a[i];
    const y = b[j];
    let result = x.code === y.code && x.k === y.k;
    if (result && isConditionalJump(x.code)) result = same(i + 1 + x.jt, j + 1 + y.jt) && same(i + 1 + x.jf, j + 1 + y.jf);
    else if (result && x.code !== OP.RET_K && x.code !== OP.RET_A) result = same(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return same(0, 0);
}

/** Addresses as the launcher draws them: the same upper half, three lower halves. */
function addressesFrom(seed: number): [number, number, number, number] {
  const high = 0x1000 + (seed * 7919) % 0x6000;
  const low = (0x10000000 + seed * 104729 * 4096) >>> 0;
  return [high, low + 0x10, low + 0x1010, low + 0x1090];
}

const POLICIES: [string, () => Policy][] = [
  ['@node (with @exec-start)', () => childPolicy({ allow: ['@node'] })],
  ['the compute preset, with an IPC channel', () => {
    const p = childPolicy({ policy: profile('compute') });
    return { ...p, rules: [...p.rules, ...ipcChannelRules(3)] };
  }],
  ['the fetcher preset', () => childPolicy({ policy: profile('fetcher') })],
  ['a short allow list', () => childPolicy({ allow: ['read', 'write', 'exit_group'] })],
  // 24301 is the first stand-in set's upper address half: its sites cannot be told from this
  // rule's comparison, so the template is built the long way (compiles for other sets).
  ['a policy comparing with a stand-in value', () => childPolicy({
    allow: ['@node', { syscall: 'kill', conditions: [{ arg: 0, op: 'eq', value: String(0x5eed) }] }],
  })],
];

describe('a filled-in template is the compile for those values', () => {
  for (const [name, make] of POLICIES) {
    it(name, async ({ annotate }) => {
      const policy = make();
      const template = buildTemplate(policy, { kind: 'policy', notify: false });
      expect(template.sites.length).toBeGreaterThan(0);
      // pids: small, large, and every constant of the program a pid could equal
      const constants = pidLikeConstants(template.bytes);
      const pids = [300, 32768, 4_194_304, 77777, ...constants];
      const merged: number[] = [];
      for (const [i, pid] of pids.entries()) {
        const [high, exec, msg, fprog] = addressesFrom(i + 1);
        const values: SiteValues = [pid, high, exec, msg, fprog];
        const filled = fillSites(template.bytes, template.sites, values);
        const compiled = compiledFor(policy, values, 'policy');
        if (filled.equals(compiled)) continue;
        // Only a pid equal to another constant may differ in bytes, never in decisions.
        expect(constants, `${name}: pid ${pid} differs though it is fresh`).toContain(pid);
        expect(sameDecisions(filled, compiled), `${name}: pid ${pid}`).toBe(true);
        merged.push(pid);
      }
      // and the check itself can fail: a wrong value (the exec path's address) gives other decisions
      const [high, exec, msg, fprog] = addressesFrom(1);
      expect(sameDecisions(fillSites(template.bytes, template.sites, [300, high, exec + 8, msg, fprog]),
        compiledFor(policy, [300, high, exec, msg, fprog], 'policy'))).toBe(false);
      await annotate(`${pids.length} pids: ${pids.length - merged.length} byte for byte` +
        (merged.length ? `, ${merged.length} (${merged.join(', ')}) with the same decisions (libseccomp merged the pid's block with an identical one)` : ''));
    });
  }

  it('faults (default allow) exempt the launcher\'s own calls by their addresses, and fill in the same way', () => {
    const faults = faultPolicy({ execve: 'EACCES', sendmsg: 'EIO', openat: 'ENOENT' }, []);
    const template = buildTemplate(faults, { kind: 'faults', notify: false });
    expect(template.sites.map((s) => s.kind).sort()).toEqual(
      expect.arrayContaining([SITE.pinHigh, SITE.execLow, SITE.msgLow]));
    for (let i = 1; i < 20; i++) {
      const [high, exec, msg, fprog] = addressesFrom(i);
      const values: SiteValues = [1000 + i, high, exec, msg, fprog];
      const placed = { ...faults, rules: faults.rules.map((r) => {
        const address = (low: number) => ((BigInt(high) << 32n) | BigInt(low)).toString();
        const exempt = r.syscall === 'execve' ? { arg: 0, low: exec } : r.syscall === 'sendmsg' ? { arg: 1, low: msg } : undefined;
        return exempt ? { ...r, conditions: [...(r.conditions ?? []), { arg: exempt.arg, op: 'ne' as const, value: address(exempt.low), width: 64 as const }] } : r;
      }) };
      expect(fillSites(template.bytes, template.sites, values).equals(exportBpf(compileFor(placed, { report: false })))).toBe(true);
    }
  });
});

describe('pids the policy would be ambiguous for', () => {
  it('are listed with the template: compiling for one of them is a conflict, and for others it is not', () => {
    const policy = childPolicy({ allow: ['@node', { syscall: 'tgkill', action: { errno: 'EPERM' }, conditions: [{ arg: 0, op: 'eq', value: '1234' }] }] });
    const template = buildTemplate(policy, { kind: 'policy', notify: false });
    expect(template.conflicts).toEqual([1234]);
    const values = (pid: number): SiteValues => [pid, 0x2345, 0x11110010, 0x11111010, 0x11111090];
    expect(() => compiledFor(policy, values(1234), 'policy')).toThrow(expect.objectContaining({ code: 'ERR_SECCOMP_RULE_CONFLICT' }));
    expect(fillSites(template.bytes, template.sites, values(1235)).equals(compiledFor(policy, values(1235), 'policy'))).toBe(true);
  });

  it('comparisons other than == on that argument are refused up front', () => {
    expect(() => childPolicy({ allow: ['@node', { syscall: 'tgkill', action: { errno: 'EPERM' }, conditions: [{ arg: 0, op: 'lt', value: '100' }] }] }))
      .toThrow(expect.objectContaining({ code: 'ERR_SECCOMP_INVALID_CONDITION' }));
  });
});

describe('notifying templates', () => {
  it('turn every kill-process verdict, and only those, into a notification', () => {
    const policy = childPolicy({ allow: ['@node'] });
    const plain = buildTemplate(policy, { kind: 'policy', notify: false });
    const notify = buildTemplate(policy, { kind: 'policy', notify: true });
    const a = decodeInstructions(plain.bytes);
    const b = decodeInstructions(notify.bytes);
    expect(b).toHaveLength(a.length);
    let rewritten = 0;
    a.forEach((insn, i) => {
      if (insn.code === OP.RET_K && insn.k === 0x80000000) {
        expect(b[i]).toEqual({ ...insn, k: 0x7fc00000 });
        rewritten++;
      } else {
        expect(b[i]).toEqual(insn);
      }
    });
    // the default action and the foreign-architecture check at least
    expect(rewritten).toBeGreaterThanOrEqual(1);
    expect(notify.sites).toEqual(plain.sites);
    expect(notifying(a)).toEqual(b);
  });
});
