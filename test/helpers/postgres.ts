/**
 * A throwaway PostgreSQL server for tests: its own data directory, socket directory and TCP
 * port on 127.0.0.1, trust authentication for the role `app`. It needs the server binaries
 * (Debian: apt-get install postgresql; .ci/run installs them). As root, the server runs as
 * the `postgres` user, since PostgreSQL refuses to run as root.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { unsanitizedEnv } from './unsanitized-env';

export interface Postgres {
  port: number;
  socketDir: string;
  user: string;
  stop(): void;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'postgres'))) : [];
  if (versions.length === 0) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql: apt-get install postgresql');
  return path.join(root, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((ok) => server.close(ok));
  return port;
}

export async function startPostgres(): Promise<Postgres> {
  const bin = binDir();
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-node-pg-'));
  const data = path.join(base, 'data');
  const socketDir = path.join(base, 'socket');
  fs.mkdirSync(socketDir);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', base]);
  // The server is the test's fixture, not code under test: it runs without what the suite's
  // runner may preload (npm run test:asan puts libasan into every child, and PostgreSQL
  // under it hangs in initdb).
  const env = unsanitizedEnv();
  const run = (tool: string, args: string[]) => execFileSync(asRoot ? 'runuser' : path.join(bin, tool),
    asRoot ? ['-u', 'postgres', '--', path.join(bin, tool), ...args] : args, { stdio: 'pipe', env, timeout: 180_000 });
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'app', '--no-sync']);
  const port = await freePort();
  run('pg_ctl', ['-D', data, '-l', path.join(base, 'log'), '-w', '-t', '120', 'start',
    '-o', `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off`]);
  return {
    port, socketDir, user: 'app',
    stop() {
      try { run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']); } finally { fs.rmSync(base, { recursive: true, force: true }); }
    },
  };
}
