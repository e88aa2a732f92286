/**
 * The Docker default profile, imported and loaded on the real kernel: a small HTTP
 * server and client keep working under it, and what it forbids is refused. The filter is irreversible, so it is loaded
 * in a child process only. The child uses the built package (lib/): run `npx tsc` first.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { DOCKER_PROFILE } from '../helpers/child';
import { PROBES_ADDON } from '../helpers/probes';

const ROOT = path.resolve(__dirname, '../..');

const CHILD = `
  const http = require('http');
  const { Filter } = require(${JSON.stringify(ROOT)});
  const { fromOciProfile } = require(${JSON.stringify(path.join(ROOT, 'lib/oci'))});
  const profile = JSON.parse(require('fs').readFileSync(${JSON.stringify(DOCKER_PROFILE)}, 'utf8'));
  const { policy } = fromOciProfile(profile);
  // Node 22 and later hold io_uring rings from startup; Docker's profile refuses io_uring_enter, and
  // lockdown would refuse to load it (see cli.test.ts). Allowing it keeps this test about OCI.
  policy.rules.push({ syscall: 'io_uring_enter', action: 'allow' });
  Filter.fromPolicy(policy).load();
  // bpf needs CAP_SYS_ADMIN or CAP_BPF in the profile: refused with the default errno
  const { binding } = require(${JSON.stringify(path.join(ROOT, 'lib/native'))});
  const probes = require(${JSON.stringify(PROBES_ADDON)});
  const bpf = probes.rawSyscall('native', binding.resolveSyscall('bpf'), 0, 0, 0).code;
  const status = require('fs').readFileSync('/proc/self/status', 'utf8').match(/^Seccomp:\\s*(\\d+)/m)[1];
  const server = http.createServer((req, res) => res.end('hello from ' + req.url));
  server.listen(0, '127.0.0.1', () => {
    http.get({ host: '127.0.0.1', port: server.address().port, path: '/docker' }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => { console.log('seccomp mode ' + status + ', bpf ' + bpf + ': ' + body); server.close(() => process.exit(0)); });
    }).on('error', (e) => { console.error(e); process.exit(2); });
  });
`;

it('an HTTP server and client run under the imported Docker default profile', async () => {
  const child = spawn(process.execPath, ['-e', CHILD], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d; });
  child.stderr.on('data', (d: Buffer) => { out += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  expect(out.trim()).toBe('seccomp mode 2, bpf EPERM: hello from /docker');
  expect(code, out).toBe(0);
});
