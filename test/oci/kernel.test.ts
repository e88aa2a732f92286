/**
 * The Docker default profile, imported and loaded on the real kernel: a small HTTP
 * server and client keep working under it, and what it forbids is refused. The filter is irreversible, so it is loaded
 * in a child process only. The child uses the compiled package (lib/, built by the suite's global setup).
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOCKER_PROFILE, describe as describeChild, runChild } from '../helpers/child';
import { PROBES, PROBES_ADDON } from '../helpers/probes';

const ROOT = path.resolve(__dirname, '../..');

/**
 * The child: imports the profile (with `defaultErrnoRet` replaced when one is given), loads
 * it, asks for bpf (needs CAP_SYS_ADMIN or CAP_BPF in the profile, so it falls to the
 * default action), then serves and fetches one page. Without a profile it only asks for bpf.
 */
const child = (profile: 'none' | { defaultErrnoRet?: number }) => `
  const http = require('http');
  const { Filter } = require(${JSON.stringify(ROOT)});
  const { fromOciProfile } = require(${JSON.stringify(path.join(ROOT, 'lib/oci'))});
  const { binding } = require(${JSON.stringify(path.join(ROOT, 'lib/native'))});
  const probes = require(${JSON.stringify(PROBES_ADDON)});
  const bpf = () => probes.rawSyscall('native', binding.resolveSyscall('bpf'), 0, 0, 0).code;
  if (${JSON.stringify(profile)} === 'none') { console.log('bpf ' + bpf()); process.exit(0); }
  const profile = { ...JSON.parse(require('fs').readFileSync(${JSON.stringify(DOCKER_PROFILE)}, 'utf8')), ...${JSON.stringify(profile === 'none' ? {} : profile)} };
  const { policy } = fromOciProfile(profile);
  // Node 22 and later hold io_uring rings from startup; Docker's profile refuses io_uring_enter, and
  // lockdown would refuse to load it (see cli.test.ts). Allowing it keeps this test about OCI.
  policy.rules.push({ syscall: 'io_uring_enter', action: 'allow' });
  Filter.fromPolicy(policy).load();
  const refused = bpf();
  const status = require('fs').readFileSync('/proc/self/status', 'utf8').match(/^Seccomp:\\s*(\\d+)/m)[1];
  const server = http.createServer((req, res) => res.end('hello from ' + req.url));
  server.listen(0, '127.0.0.1', () => {
    http.get({ host: '127.0.0.1', port: server.address().port, path: '/docker' }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => { console.log('seccomp mode ' + status + ', bpf ' + refused + ': ' + body); server.close(() => process.exit(0)); });
    }).on('error', (e) => { console.error(e); process.exit(2); });
  });
`;

async function run(profile: 'none' | { defaultErrnoRet?: number }): Promise<{ code: number | null; out: string }> {
  const proc = spawn(process.execPath, ['-e', child(profile)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => { out += d; });
  proc.stderr.on('data', (d: Buffer) => { out += d; });
  // only a guard against a hung child: it normally ends in well under a second
  const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => proc.on('close', resolve));
  clearTimeout(timer);
  return { code, out: out.trim() };
}

it('an HTTP server and client run under the imported Docker default profile; bpf is refused by the profile itself', async ({ annotate }) => {
  const docker = await run({});
  expect(docker.out).toBe('seccomp mode 2, bpf EPERM: hello from /docker');
  expect(docker.code, docker.out).toBe(0);
  // That EPERM could also come from elsewhere: an unprivileged bpf() (kernel.unprivileged_bpf_disabled),
  // or a container whose own seccomp profile answers EPERM. Two checks tell them apart.
  // 1. Without the profile, the same call fails otherwise (here: EINVAL for a NULL attribute).
  const plain = await run('none');
  expect(plain.code, plain.out).toBe(0);
  const without = /^bpf (\w+)$/.exec(plain.out)?.[1];
  expect(without, plain.out).toBeDefined();
  // 2. With the profile's default errno changed to EXDEV (18, which bpf never returns by
  // itself), the answer changes with it: only this profile's default action can do that
  // (for equal actions the most recent filter's errno wins over a container's).
  const marked = await run({ defaultErrnoRet: 18 });
  expect(marked.out).toBe('seccomp mode 2, bpf EXDEV: hello from /docker');
  await annotate(without === 'EPERM'
    ? 'without the profile bpf already fails with EPERM here (unprivileged, or an outer filter): the EXDEV variant is what shows the profile refuses it'
    : `without the profile bpf fails with ${without}: the EPERM above is the profile's, and so is the EXDEV`);
});

describe('an imported deny rule on an int argument, on the real kernel', () => {
  // A default-allow profile that refuses netlink sockets (issue 9, item 6). The kernel reads
  // socket()'s family as an int, so 0x1_00000010 is AF_NETLINK to it: a 64-bit comparison
  // lets that through, a 32-bit one does not.
  const child = (argWidths: string) => runChild(`
    ${PROBES}
    const profile = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ERRNO',
      args: [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }] }] };
    const socket = (family, type) => {
      const r = raw('socket', family, type, 0);
      if (r.result >= 0) raw('close', r.result);
      return r.code ?? 'fd';
    };
    // Without a filter the disguised family opens a netlink socket: the kernel ignores the upper half.
    const before = socket(0x100000010n, 3);
    seccomp.Filter.fromPolicy(seccomp.fromOciProfile(profile, { argWidths: ${JSON.stringify(argWidths)} }).policy).load();
    report({ before, disguised: socket(0x100000010n, 3), netlink: socket(16, 3), inet: socket(2, 1) });
  `);

  it('is not dodged by garbage in the upper half with the default per-argument widths', async () => {
    const r = await child('per-argument');
    expect(r.reports, describeChild(r)).toEqual([{ before: 'fd', disguised: 'EPERM', netlink: 'EPERM', inet: 'fd' }]);
    expect(r.code, describeChild(r)).toBe(0);
  });

  it("is dodged, as under runc, with runc's 64-bit comparisons", async () => {
    const r = await child('runc');
    expect(r.reports, describeChild(r)).toEqual([{ before: 'fd', disguised: 'fd', netlink: 'EPERM', inet: 'fd' }]);
    expect(r.code, describeChild(r)).toBe(0);
  });
});
