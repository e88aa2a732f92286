/**
 * The Landlock compiler's decisions for every kernel ABI, without applying anything: which
 * rights are handled, what an older kernel makes fail closed (and names), what best effort
 * drops, what the default isolation does, and how threads are covered.
 */
import { describe, expect, it } from 'vitest';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileLandlock, type LandlockContext } from '../src/landlock/compile';
import { checkLandlock, mergeLandlock } from '../src/landlock/policy';
import { FS_RIGHTS, fsRightsOf } from '../src/landlock/rights';

const tmp = os.tmpdir();
const here = __filename;

function ctx(abi: number, extra: Partial<LandlockContext> = {}): LandlockContext {
  return {
    support: abi > 0 ? { abi, errata: 0 } : { abi: 0, errata: 0, reason: 'the kernel has no Landlock' },
    defaultIsolation: true, target: 'process', inForce: { domain: false, scoped: 0 }, environment: {}, ...extra,
  };
}

describe('fail closed, naming the right and the ABI', () => {
  it.each([
    [0, { fs: { read: [tmp] } }, 'file system rules', 1],
    [2, { fs: { read: [tmp] } }, 'file system rules (truncate)', 3],
    [4, { fs: { read: [tmp] } }, 'file system rules (device ioctl)', 5],
    [3, { net: { connect: [443] } }, 'TCP port rules', 4],
    [5, { isolate: true }, 'isolation of signals', 6],
    [5, { isolate: { abstractUnix: true } }, 'isolation of abstract Unix sockets', 6],
    [0, { isolate: { signals: false, abstractUnix: false } }, 'isolation from other processes', 1],
  ])('ABI %i: %j needs %s (ABI %i)', (abi, rules, right, needed) => {
    let error: unknown;
    try { compileLandlock(checkLandlock(rules), ctx(abi)); } catch (e) { error = e; }
    expect(error).toMatchObject({ code: 'ERR_SECCOMP_LANDLOCK_UNAVAILABLE', details: { right, abi: needed, kernelAbi: abi } });
    expect((error as Error).message).toContain(`Landlock ABI ${needed}`);
  });

  it('best effort applies what the kernel has and lists the rest', () => {
    const plan = compileLandlock(checkLandlock({ fs: { read: [tmp] }, net: { connect: [443] }, bestEffort: true }), ctx(2));
    expect(plan.spec?.handledFs).toBe(fsRightsOf(2));
    expect(plan.spec?.handledNet).toBe(0);
    expect(plan.layer.notEnforced.map((n) => n.what)).toEqual(['file system rules (truncate)', 'file system rules (device ioctl)', 'TCP port rules']);
    const none = compileLandlock(checkLandlock({ fs: { read: [tmp] }, bestEffort: true }), ctx(0));
    expect(none.spec).toBeUndefined();
    expect(none.layer.notEnforced).toEqual([{ what: 'file system rules', abi: 1, linux: '5.13' }]);
  });
});

describe('what is handled and granted', () => {
  it('handles every right the kernel knows once the file system is restricted; files take file rights only', () => {
    const plan = compileLandlock(checkLandlock({ fs: { read: [tmp], write: [here] } }), ctx(7));
    expect(plan.spec?.handledFs).toBe(fsRightsOf(7));
    const file = plan.spec!.paths.find((p) => p.path === here)!;
    expect(file.access & FS_RIGHTS.read_dir).toBe(0);
    expect(file.access & FS_RIGHTS.write_file).toBe(FS_RIGHTS.write_file);
    expect(plan.spec!.paths.find((p) => p.path === tmp)!.access).toBe(FS_RIGHTS.read_file | FS_RIGHTS.read_dir);
    expect(plan.required).toBe(true);
  });

  it('grants what groups need only when that layer is restricted', () => {
    const needs = { needs: { fs: { read: [tmp] }, net: { connect: [53] } } };
    expect(compileLandlock(checkLandlock(needs), ctx(7)).spec?.paths).toEqual([]);
    const plan = compileLandlock(mergeLandlock(checkLandlock(needs), checkLandlock({ net: { connect: [443] } })), ctx(7));
    expect(plan.spec?.ports).toEqual([{ port: 443, access: 2 }, { port: 53, access: 2 }]);
    expect(plan.spec?.paths).toEqual([]);
  });

  it('a missing path is an error naming it; "?" skips it', () => {
    const missing = path.join(tmp, 'seccomp-node-no-such-dir');
    expect(() => compileLandlock(checkLandlock({ fs: { read: [missing] } }), ctx(7)))
      .toThrow(expect.objectContaining({ code: 'ERR_SECCOMP_LANDLOCK_PATH', details: { path: missing, list: 'fs.read' } }));
    const plan = compileLandlock(checkLandlock({ fs: { read: [`?${missing}`] } }), ctx(7));
    expect(plan.layer.missing).toEqual([missing]);
  });
});

describe('default isolation', () => {
  it('isolates where the kernel can, best effort, with scopes from ABI 6', () => {
    expect(compileLandlock(undefined, ctx(0)).spec).toBeUndefined();
    const abi5 = compileLandlock(undefined, ctx(5));
    expect(abi5.spec).toMatchObject({ handledFs: FS_RIGHTS.make_block, scoped: 0 });
    expect(abi5.required).toBe(false);
    expect(compileLandlock(undefined, ctx(6)).spec).toMatchObject({ handledFs: 0, scoped: 3 });
    expect(compileLandlock(undefined, ctx(7, { defaultIsolation: false })).spec).toBeUndefined();
    expect(compileLandlock(checkLandlock({ isolate: false }), ctx(7)).spec).toBeUndefined();
  });

  it('leaves out a scope that would break the process, and says why', () => {
    const notify = compileLandlock(undefined, ctx(7, { environment: { abstractNotifySocket: '@/run/notify' } }));
    expect(notify.spec?.scoped).toBe(2);
    expect(notify.layer.notes.join()).toContain('NOTIFY_SOCKET');
    const children = compileLandlock(undefined, ctx(7, { environment: { childProcesses: 2 } }));
    expect(children.spec?.scoped).toBe(1);
    expect(compileLandlock(checkLandlock({ isolate: { signals: true } }), ctx(7, { environment: { childProcesses: 2 } })).spec?.scoped).toBe(3);
  });

  it('adds no layer that would isolate no more than the one in force', () => {
    const again = compileLandlock(undefined, ctx(7, { inForce: { domain: true, scoped: 3 } }));
    expect(again.spec).toBeUndefined();
    expect(compileLandlock(checkLandlock({ fs: { read: [tmp] } }), ctx(7, { inForce: { domain: true, scoped: 3 } })).spec).toBeDefined();
  });
});

describe('threads', () => {
  it('every thread by signal below ABI 8, TSYNC from 8, the calling thread before exec', () => {
    expect(compileLandlock(undefined, ctx(7)).spec?.threads).toBe('every');
    expect(compileLandlock(undefined, ctx(8)).spec?.threads).toBe('tsync');
    expect(compileLandlock(undefined, ctx(8, { target: 'exec' })).spec?.threads).toBe('calling');
  });
});

describe('the rules as data', () => {
  it('resolves relative paths, drops duplicates, refuses unknown keys and bad ports', () => {
    expect(checkLandlock({ fs: { read: ['a', 'a', '?b'] } }, '/srv')).toEqual({ fs: { read: ['/srv/a', '?/srv/b'] } });
    expect(() => checkLandlock({ fs: { raed: [] } })).toThrow(/unknown fs key "raed"/);
    expect(() => checkLandlock({ net: { connect: [70000] } })).toThrow(/not a TCP port/);
    expect(() => checkLandlock({ isolate: 'yes' })).toThrow(/isolate/);
  });
});

describe('a Filter made from a policy', () => {
  it('carries its Landlock rules along instead of dropping them', async () => {
    const { Filter } = await import('../src/filter');
    const landlock = { fs: { read: [tmp] }, net: { connect: [443] } };
    expect(Filter.fromPolicy({ defaultAction: 'kill-process', rules: [], landlock }).toPolicy().landlock).toEqual(landlock);
  });
});
