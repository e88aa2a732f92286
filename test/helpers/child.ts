/**
 * Runs Node code in a child process and reports how it ended. Every test that loads a
 * filter goes through here: a filter is irreversible, so it must never reach the test
 * runner's own process.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { reportLine, type ReportLine } from './report-line';

export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
/** Docker's default seccomp profile, a test fixture (see test/fixtures/oci/README.md). */
export const DOCKER_PROFILE = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'oci', 'docker-default.json');
/** Children write core files nowhere near the repository. */
const WORK_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-node-test-'));


export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Lines the child printed with `report(...)`, parsed as JSON. */
  reports: unknown[];
  /**
   * The violation report line, read with the test's own pattern (./report-line), when the
   * child printed one. Reading it throws when the line is malformed or printed twice.
   */
  readonly violation?: ReportLine;
}

export { reportLine, reportLines, type ReportLine } from './report-line';

/**
 * Runs `body` as an async function in a fresh Node process (the same binary as the test
 * runner). In scope: `seccomp` (the package), `require`, and `report(value)` which prints
 * one JSON line to stdout for the test to read.
 */
export function runChild(body: string, options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ChildResult> {
  const script = `
    const seccomp = require(${JSON.stringify(PACKAGE_ROOT)});
    const report = (value) => process.stdout.write('@@' + JSON.stringify(value) + '\\n');
    (async () => { ${body} })().catch((error) => {
      process.stderr.write('child failed: ' + (error && error.stack || error) + '\\n');
      process.exitCode = 99;
    });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], {
      cwd: WORK_DIR, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d; });
    child.stderr.on('data', (d: Buffer) => { stderr += d; });
    // Only a guard against a hung child (a test then fails on SIGKILL); no verdict waits for it.
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const reports = stdout.split('\n').filter((l) => l.startsWith('@@')).map((l) => JSON.parse(l.slice(2)) as unknown);
      resolve({ code, signal, stdout, stderr, reports, get violation() { return reportLine(stderr); } });
    });
  });
}

/** A short description of how a child ended, for assertion messages. */
export function describe(result: ChildResult): string {
  return `code=${result.code} signal=${result.signal}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
}
