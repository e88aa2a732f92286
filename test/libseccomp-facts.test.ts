/**
 * status().libseccompFacts: what depends on the installed libseccomp. The table on its own
 * for chosen versions, then status() in children on this machine's library and on fake
 * libraries (test/fixtures/fake-libseccomp.c) that say other versions.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { libseccompFacts, MIN_LIBSECCOMP } from '../src/libseccomp-facts';
import { describe as describeChild, runChild } from './helpers/child';
import { buildFakeLibseccomp } from './helpers/fake-libseccomp';

const facts = (version: string) => libseccompFacts({ available: true, version, apiLevel: 6, nativeArch: 0xc000003e });
const issue = (version: string, id: string) => facts(version).issues.find((i) => i.id === id)!;

describe('the table', () => {
  it('GHSA-4q85-33p6-j5g6 affects 2.4.0 up to 2.6.0, not 2.6.1; bugs no release is known to fix affect every version', () => {
    expect(issue('2.5.4', 'GHSA-4q85-33p6-j5g6').affected).toBe(true);
    expect(issue('2.6.0', 'GHSA-4q85-33p6-j5g6').affected).toBe(true);
    expect(issue('2.6.1', 'GHSA-4q85-33p6-j5g6').affected).toBe(false);
    expect(issue('2.7.0', 'GHSA-4q85-33p6-j5g6').affected).toBe(false);
    expect(issue('2.3.3', 'GHSA-4q85-33p6-j5g6').affected).toBe(false);
    expect(issue('2.6.1', 'shared-code-blocks')).toMatchObject({ affected: true, fixedIn: null, seenIn: '2.5.4' });
    // and each says what seccomp-node does about it
    for (const i of facts('2.5.4').issues) expect(i.handling.length, i.id).toBeGreaterThan(20);
    expect(issue('2.5.4', 'GHSA-4q85-33p6-j5g6').handling).toContain('masked equalities');
  });

  it('each minimum is tied to the feature that needs it; the support check\'s minimum is the highest', () => {
    expect(MIN_LIBSECCOMP).toBe('2.5.0');
    const old = facts('2.4.1');
    expect(old.requirements.filter((r) => !r.met).map((r) => r.version)).toEqual(['2.5.0']);
    expect(old.requirements.find((r) => !r.met)!.feature).toContain('SCMP_FLTATR_CTL_OPTIMIZE');
    expect(facts('2.5.4').requirements.every((r) => r.met)).toBe(true);
    // every function the addon looks up is listed with the release that has it
    const functions = facts('2.5.4').requirements.flatMap((r) => r.functions ?? []);
    expect(functions).toEqual(expect.arrayContaining(['seccomp_api_get', 'seccomp_version', 'seccomp_rule_add_array', 'seccomp_export_bpf']));
    expect(functions).not.toContain('seccomp_export_bpf_mem');
  });

  it('without a library, nothing is met and every issue counts', () => {
    const none = libseccompFacts({ available: false, reason: 'missing' });
    expect(none.version).toBe(null);
    expect(none.requirements.some((r) => r.met)).toBe(false);
    expect(none.issues.every((i) => i.affected)).toBe(true);
  });
});

describe('status() reports them for the library this process loaded', () => {
  const libs = { fixed: '', old: '' };
  beforeAll(() => {
    libs.fixed = buildFakeLibseccomp(['FAKE_MINOR=6', 'FAKE_MICRO=1']);
    libs.old = buildFakeLibseccomp([]);
  });
  const PROBE = `const s = seccomp.sandbox.status(); report({ version: s.libseccomp, supported: s.supported, reason: s.reason, facts: s.libseccompFacts });`;

  it('this machine\'s libseccomp', async () => {
    const r = await runChild(PROBE);
    expect(r.code, describeChild(r)).toBe(0);
    const { version, facts: reported } = r.reports[0] as { version: string; facts: ReturnType<typeof libseccompFacts> };
    expect(reported.version).toBe(version);
    expect(reported.apiLevel).toBeGreaterThanOrEqual(3);
    expect(reported).toEqual(libseccompFacts({ available: true, version, apiLevel: reported.apiLevel!, nativeArch: 0 }));
  });

  it('a 2.6.1 is not affected by the advisory; a 2.4.1 is unsupported, and the reason names what it lacks', async () => {
    const fixed = await runChild(PROBE, { env: { LD_LIBRARY_PATH: libs.fixed } });
    const f = fixed.reports[0] as { version: string; facts: ReturnType<typeof libseccompFacts> };
    expect(f.version, describeChild(fixed)).toBe('2.6.1');
    expect(f.facts.issues.find((i) => i.id === 'GHSA-4q85-33p6-j5g6')!.affected).toBe(false);
    const old = await runChild(PROBE, { env: { LD_LIBRARY_PATH: libs.old } });
    const o = old.reports[0] as { supported: boolean; reason: string; facts: ReturnType<typeof libseccompFacts> };
    expect(o.supported).toBe(false);
    expect(o.reason).toContain('libseccomp 2.4.1 is too old: 2.5.0 or later is needed, for the binary-tree layout');
    expect(o.facts.requirements.find((r) => r.version === '2.5.0')!.met).toBe(false);
  });
});
