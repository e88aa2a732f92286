/**
 * The built-in groups and profiles parsed at build time (lib/builtin-policies.json, written
 * by scripts/builtin-policies.js in `npm run build` and in this suite's global setup) must
 * say exactly what the policy files say: the files are the source of truth.
 *
 * - the data equals a fresh parse of policies/, fingerprint included: editing a policy file
 *   without rebuilding, or a change in how files are parsed, fails here;
 * - the package built in lib/ (which uses the data) gives, through its public API, what the
 *   sources here give by parsing (in this process there is no data beside src/, so every
 *   definition is parsed);
 * - a profile put together from definitions equals the profile file parsed directly with
 *   the built-in groups, as presets did before the data existed;
 * - data made on another platform (other constants or architecture) is not used.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBuiltinData, parseBuiltins, POLICY_DIR, type BuiltinData } from '../src/builtin-policies';
import { currentFingerprint } from '../src/fingerprint';
import { builtinGroups, defaultDaemonProfile, defaultProfileGroups, groups } from '../src/groups';
import type { Policy } from '../src/policy';
import { parseFile, type GroupTable } from '../src/policy-file/parser';
import { profile, profileNames, profiles } from '../src/children/presets';
import { PACKAGE_ROOT } from './helpers/child';

const DATA_FILE = path.join(PACKAGE_ROOT, 'lib', 'builtin-policies.json');

function readData(): BuiltinData {
  return JSON.parse(fs.readFileSync(DATA_FILE, 'utf8')) as BuiltinData;
}

/** What the public API says about every group and profile, as plain data. */
function publicView(api: {
  groups: typeof groups; defaultDaemonProfile: typeof defaultDaemonProfile; defaultProfileGroups: typeof defaultProfileGroups;
  profile: typeof profile; profiles: typeof profiles; profileNames: typeof profileNames;
}) {
  return {
    groups: api.groups(),
    daemon: api.defaultDaemonProfile(),
    daemonGroups: api.defaultProfileGroups(),
    profiles: api.profiles(),
    policies: Object.fromEntries(api.profileNames().map((name) => [name, {
      withExecStart: api.profile(name), withoutExecStart: api.profile(name, { execStart: false }),
    }])),
  };
}

describe('built-in policies parsed at build time', () => {
  it('the data in lib/ is what parsing policies/ gives now', () => {
    expect(fs.existsSync(DATA_FILE), 'the global setup writes lib/builtin-policies.json').toBe(true);
    const data = readData();
    const parsed = parseBuiltins();
    expect(Object.keys(data.groups).length).toBeGreaterThan(5);
    expect(Object.keys(data.profiles)).toEqual(expect.arrayContaining(['compute', 'daemon', 'fetcher', 'file-reader']));
    expect(data).toEqual(JSON.parse(JSON.stringify(parsed)));
  });

  it('the package in lib/ loads the data instead of the parser, and its API says what the files say', () => {
    const script = `
      const api = require(${JSON.stringify(PACKAGE_ROOT)});
      const view = (${publicView.toString()})(api);
      const parserLoaded = Object.keys(require.cache).some((f) => f.endsWith('/lib/policy-file/parser.js'));
      process.stdout.write(JSON.stringify({ view, parserLoaded }));`;
    const child = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as { view: unknown; parserLoaded: boolean };
    expect(child.parserLoaded).toBe(false);
    const here = publicView({ groups, defaultDaemonProfile, defaultProfileGroups, profile, profiles, profileNames });
    // Paths differ only by where each copy of the package sits (src/.. and lib/.. are the same root).
    expect(child.view).toEqual(JSON.parse(JSON.stringify(here)));
    expect((child.view as typeof here).daemon.rules.length).toBeGreaterThan(100);
  });

  it('each profile is its file parsed with the built-in groups (@exec-start kept or left out)', () => {
    for (const name of profileNames()) {
      for (const execStart of [true, false]) {
        const table: GroupTable = {
          names: builtinGroups.names,
          expand: (group, seen) => (group === '@exec-start' && !execStart ? [] : builtinGroups.expand(group, seen)),
          needs: (group) => (group === '@exec-start' && !execStart ? undefined : builtinGroups.needs!(group)),
        };
        const direct: Policy = parseFile(path.join(POLICY_DIR, 'profiles', `${name}.policy`), { groups: table }).policy;
        expect(profile(name, { execStart }), `${name}, execStart ${execStart}`).toEqual(direct);
      }
    }
    expect(defaultDaemonProfile()).toEqual(profile('daemon'));
  });

  it('is used only on the platform it was made on', () => {
    const fingerprint = currentFingerprint()!;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-node-builtins-'));
    try {
      const write = (name: string, data: unknown) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data));
        return file;
      };
      const data = readData();
      expect(loadBuiltinData(write('same.json', data), fingerprint)).toEqual(data);
      const otherArch = { ...data, fingerprint: { ...data.fingerprint, arch: fingerprint.arch === 'aarch64' ? 'x86_64' : 'aarch64' } };
      expect(loadBuiltinData(write('arch.json', otherArch), fingerprint)).toBeUndefined();
      const [name, value] = Object.entries(data.fingerprint.constants)[0];
      const otherConstant = { ...data, fingerprint: { ...data.fingerprint, constants: { ...data.fingerprint.constants, [name]: value + 1 } } };
      expect(loadBuiltinData(write('constant.json', otherConstant), fingerprint)).toBeUndefined();
      const extraErrno = { ...data, fingerprint: { ...data.fingerprint, errnos: { ...data.fingerprint.errnos, EXTRA: 4000 } } };
      expect(loadBuiltinData(write('errno.json', extraErrno), fingerprint)).toBeUndefined();
      expect(loadBuiltinData(write('format.json', { ...data, format: 0 }), fingerprint)).toBeUndefined();
      expect(loadBuiltinData(write('torn.json', JSON.stringify(data).slice(0, 100)), fingerprint)).toBeUndefined();
      expect(loadBuiltinData(path.join(dir, 'missing.json'), fingerprint)).toBeUndefined();
      expect(loadBuiltinData(write('none.json', data), undefined)).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
