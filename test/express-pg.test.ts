/**
 * A real daemon, Express in front of PostgreSQL, keeps working after sandbox.lockdown():
 * under the default isolation, and under Landlock rules that allow only its files and the
 * database's port. The test starts its own PostgreSQL server (test/helpers/postgres.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe as describeResult, PACKAGE_ROOT, runChild } from './helpers/child';
import { startPostgres, type Postgres } from './helpers/postgres';

let pg: Postgres;
let staticDir: string;

beforeAll(async () => {
  pg = await startPostgres();
  staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-node-static-'));
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<h1>items</h1>');
}, 180_000);

afterAll(() => {
  pg?.stop();
  if (staticDir) fs.rmSync(staticDir, { recursive: true, force: true });
});

/**
 * The daemon: starts, locks down with `options` (JavaScript; `port` is its own), then serves
 * 200 requests that hit the database.
 */
function daemon(options: string): string {
  return `
    const express = require(${JSON.stringify(path.join(PACKAGE_ROOT, 'node_modules', 'express'))});
    const { Pool, Client } = require(${JSON.stringify(path.join(PACKAGE_ROOT, 'node_modules', 'pg'))});
    const http = require('http'), path = require('path');
    // idleTimeoutMillis: connections close and reopen while the daemon runs, after lockdown
    const pool = new Pool({ host: '127.0.0.1', port: ${pg.port}, user: 'app', database: 'postgres', max: 4, idleTimeoutMillis: 50 });
    await pool.query('CREATE TABLE IF NOT EXISTS items (id serial PRIMARY KEY, name text NOT NULL)');
    const app = express();
    app.use(express.json());
    app.post('/items', async (req, res, next) => {
      try { res.json((await pool.query('INSERT INTO items (name) VALUES ($1) RETURNING id', [req.body.name])).rows[0]); } catch (e) { next(e); }
    });
    app.get('/items/:id', async (req, res, next) => {
      try { res.json((await pool.query('SELECT name FROM items WHERE id = $1', [req.params.id])).rows[0] ?? null); } catch (e) { next(e); }
    });
    app.use(express.static(${JSON.stringify(staticDir)}));
    const server = await new Promise((ok) => { const s = app.listen(0, '127.0.0.1', () => ok(s)); });
    const { port } = server.address();
    seccomp.sandbox.lockdown(${options});
    const call = (method, p, body) => new Promise((ok, ko) => {
      const req = http.request({ host: '127.0.0.1', port, path: p, method, headers: { 'content-type': 'application/json' } }, (res) => {
        let data = ''; res.on('data', (d) => data += d); res.on('end', () => ok({ status: res.statusCode, data }));
      });
      req.on('error', ko); req.end(body ? JSON.stringify(body) : undefined);
    });
    let ok = 0;
    for (let batch = 0; batch < 10; batch++) {
      await new Promise((r) => setTimeout(r, 60)); // pool connections idle out and reconnect
      const made = await Promise.all(Array.from({ length: 10 }, (_, i) => call('POST', '/items', { name: 'n' + batch + '-' + i })));
      const read = await Promise.all(made.map((m) => call('GET', '/items/' + JSON.parse(m.data).id)));
      ok += read.filter((r, i) => r.status === 200 && JSON.parse(r.data).name === 'n' + batch + '-' + i).length;
    }
    const page = await call('GET', '/index.html');
    // a new connection over the Unix socket after lockdown
    const client = new Client({ host: ${JSON.stringify(pg.socketDir)}, port: ${pg.port}, user: 'app', database: 'postgres' });
    await client.connect();
    const count = Number((await client.query('SELECT count(*) FROM items')).rows[0].count);
    await client.end();
    await pool.end();
    server.close();
    const status = seccomp.sandbox.status();
    report({ ok, page: page.data, count, locked: status.locked, landlock: { enforced: status.landlock.enforced, scopes: status.landlock.handled.scopes, fs: status.landlock.handled.fs.length } });
  `;
}

describe('an Express and PostgreSQL daemon', () => {
  it('keeps working under the default profile and the default isolation', { timeout: 150_000 }, async () => {
    const r = await runChild(daemon(''), { timeoutMs: 30_000 });
    expect(r.code, describeResult(r)).toBe(0);
    const out = r.reports[0] as { ok: number; page: string; count: number; locked: boolean; landlock: Record<string, unknown> };
    expect(out).toMatchObject({ ok: 100, page: '<h1>items</h1>', locked: true, landlock: { enforced: true } });
    expect(out.count).toBeGreaterThanOrEqual(100);
  });

  it('keeps working with Landlock rules that allow only its files and the database port', { timeout: 150_000 }, async () => {
    // The load comes from this same process, so it connects to the daemon's own port too.
    const fsRules = JSON.stringify({ read: [staticDir, path.join(PACKAGE_ROOT, 'node_modules')] });
    const rules = `{ fs: ${fsRules}, net: { connect: [${pg.port}, port] } }`;
    const r = await runChild(`${daemon(rules)}
      const fs = require('fs');
      let secret; try { fs.readFileSync('/etc/passwd'); secret = 'read'; } catch (e) { secret = e.code; }
      let other; try { await new Pool({ host: '127.0.0.1', port: ${pg.port} + 1, user: 'app', database: 'postgres' }).query('SELECT 1'); } catch (e) { other = e.code; }
      report({ secret, other });
    `, { timeoutMs: 30_000 });
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.reports[0]).toMatchObject({ ok: 100, page: '<h1>items</h1>', locked: true, landlock: { enforced: true, fs: 16 } });
    expect(r.reports[1]).toEqual({ secret: 'EACCES', other: 'EACCES' });
  });
});
